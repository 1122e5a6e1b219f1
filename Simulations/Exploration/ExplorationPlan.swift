/// How one seed explores: the weights and fault probabilities it drew (swarm testing, as
/// TigerBeetle's VOPR does it: each seed stresses its own corner). Only generation reads
/// the plan; a replay needs nothing but the world setup and the decisions.
public struct ExplorationPlan: Codable, Equatable, Sendable {
    public var scheduler: SimulationOptions.SchedulerKind
    public var depth: Int
    public var steps: Int

    // Relative weights of what happens next.
    public var deliverWeight: Int
    public var clientWeight: Int
    public var clockWeight: Int
    public var faultWeight: Int

    // Clients.
    /// Lines each client may type in a run.
    public var linesPerClient: Int
    /// Connections each client may open in a run.
    public var connectionsPerClient: Int
    /// Chance that a client types without waiting for the answers it is owed.
    public var pipelining: Double
    /// Chance that a login goes to the first account (a burst of logins for one account).
    public var hotAccount: Double
    public var wrongPassword: Double
    /// Relative weights of what a logged-in client types, drawn per seed (some are zero,
    /// so a seed of creates and leaves stresses rooms, one of whispers stresses whispers):
    /// message, whisper, create, join, leave, users, chatrooms, help, quit, garbage, login again.
    public var commandWeights: [Int]
    /// Clients that guess passwords, if this seed has any (GuesserPersona.swift).
    public var guessing: GuessingPlan? = nil
    /// Chance that a logged-in client's line is `/kick`, `/ban` or `/unban` (drawn from a
    /// stream of its own, so the other lines stay as they were); nil: never.
    public var moderation: Double? = nil

    // Faults (all zero when faults are off).
    public var hangUp: Double
    public var dropUnsent: Double
    public var partialDelivery: Double
    public var slowReader: Double
    public var storeFailure: Double
    public var clockJump: Double
}
