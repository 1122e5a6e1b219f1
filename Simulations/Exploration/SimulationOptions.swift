/// How to explore, as the person running `parley sim` chooses it. Everything else about a
/// run is drawn from its seed (see `Swarm`).
public struct SimulationOptions: Codable, Equatable, Sendable {
    public enum SchedulerKind: String, Codable, Sendable, CaseIterable {
        /// Uniform random choice of the next lane to deliver.
        case random
        /// Probabilistic concurrency testing: random priorities with change points.
        case pct
    }

    public var scheduler: SchedulerKind
    /// Faults on: disconnects, partial delivery, slow readers, store failures, clock jumps.
    public var faults: Bool
    /// Decisions in the faulty phase of a run, before faults stop and the world settles.
    public var steps: Int
    /// Clients per run; nil lets each seed draw its own (2 to 6).
    public var clients: Int?
    /// PCT's depth d: the number of ordering constraints a bug may need (d - 1 change points).
    public var depth: Int
    /// Clients per run that speak IRC (the first N that are not password guessers); nil
    /// lets each seed draw its own mix (most mixed, some all IRC, some all Parley).
    public var ircClients: Int?

    public init(
        scheduler: SchedulerKind = .random, faults: Bool = true, steps: Int = 400, clients: Int? = nil, depth: Int = 3,
        ircClients: Int? = nil
    ) {
        precondition(steps > 0, "a run needs at least one step")
        precondition(clients.map { $0 > 0 && $0 < 1000 } ?? true, "clients must be 1 to 999")
        precondition(depth > 0, "PCT needs a depth of at least 1")
        precondition(ircClients.map { $0 >= 0 } ?? true, "IRC clients cannot be negative")
        self.scheduler = scheduler
        self.faults = faults
        self.steps = steps
        self.clients = clients
        self.depth = depth
        self.ircClients = ircClients
    }
}
