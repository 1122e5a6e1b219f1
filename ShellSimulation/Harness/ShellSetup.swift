import ChatCore
import ParleySimulation

/// A shell run's world and plan, drawn from its seed: how many clients, which accounts and
/// room names, how small the pipes, how the shell is configured, which faults at what rates.
public struct ShellSetup: Codable, Equatable, Sendable {
    public var clients: Int
    public var accounts: [String]
    public var roomNames: [String]
    /// Bytes each direction of a connection holds.
    public var pipeCapacity: Int
    /// At most this many bytes per server write; nil: as many as fit.
    public var writeChunk: Int?
    /// A session past this many unsent bytes says `BYE slow-reader`.
    public var maxOutboxBytes: Int
    public var parkAfterMilliseconds: Int
    public var hashingWorkers: Int
    public var commitWindowMicroseconds: Int
    /// Fan-outs up to this many sessions the storage thread runs inline
    /// (`ServerConfiguration.inlineStoreReplyReach`); small here so a few clients reach the
    /// mailbox path. nil (fixtures from before it was drawn): production's 128.
    public var inlineReach: Int?
    /// Flood control (lines per second, burst) where the seed draws it; nil: off.
    public var flood: Flood?
    /// Room messages a session gets on entering a room (`--history`). nil (fixtures from
    /// before history existed): none, so they replay as they were made.
    public var historyLines: Int?
    /// The server-wide output budget (`ServerConfiguration.outputBudgetBytes`) where the
    /// seed draws one; nil (and fixtures from before it was drawn): none.
    public var outputBudget: Int?
    /// Clients go to a room of their own choosing first and talk there (a room's step on
    /// the sender's thread, and its races with the room's thread and the storage thread's
    /// replies); nil (fixtures from before it was drawn) or false: the general mix.
    public var roomTalk: Bool?
    /// A client whose first connection never types: a stranger waiting out its login
    /// deadline, parked most of the time. nil (and fixtures from before): none.
    public var lurker: Int?
    /// `Limits.loginDeadline` where the seed draws a short one (so it passes within a run);
    /// nil: production's.
    public var loginDeadlineMilliseconds: Int?

    public struct Flood: Codable, Equatable, Sendable {
        public var linesPerSecond: Int
        public var burst: Int
    }

    // The plan.
    public var steps: Int
    public var runWeight: Int
    public var clientWeight: Int
    public var clockWeight: Int
    public var linesPerClient: Int
    public var connectionsPerClient: Int
    public var partialSends: Double
    public var partialReads: Double
    public var hangUp: Double
    public var dropUnsent: Double
    public var slowReader: Double
    public var storeFailure: Double
    /// Shutdown begins during the run (not only at its end).
    public var shutdownMidRun: Bool

    public static func password(for account: String) -> String { "pw-\(account)-secret" }
}

/// How the person running `parley sim --shell` chooses to explore.
public struct ShellOptions: Codable, Equatable, Sendable {
    public var scheduler: SimulationOptions.SchedulerKind
    public var depth: Int
    /// Decisions in the faulty phase of a run.
    public var steps: Int
    /// Clients per run; nil lets each seed draw 2 to 4.
    public var clients: Int?
    public var faults: Bool

    public init(
        scheduler: SimulationOptions.SchedulerKind = .random, depth: Int = 3, steps: Int = 300, clients: Int? = nil,
        faults: Bool = true
    ) {
        self.scheduler = scheduler
        self.depth = depth
        self.steps = steps
        self.clients = clients
        self.faults = faults
    }
}

extension ShellSetup {
    public static func draw(seed: UInt64, options: ShellOptions) -> ShellSetup {
        var random = SeededRandom(seed: seed, stream: 101)
        let clients = options.clients ?? random.within(2...4)
        let shared = random.chance(0.25)
        let accounts = (1...(shared ? random.within(1...clients) : clients)).map { "u\($0)" }
        let faults = options.faults
        func rate(_ max: Double) -> Double { faults ? random.swarmProbability(max: max) : 0 }
        var setup = ShellSetup(
            clients: clients,
            accounts: accounts,
            roomNames: Array(["den", "loft"].prefix(random.within(1...2))),
            pipeCapacity: random.chance(0.5) ? random.within(24...200) : random.within(512...4096),
            writeChunk: random.chance(0.3) ? random.within(1...40) : nil,
            maxOutboxBytes: faults && random.chance(0.4) ? random.within(200...1200) : 512 * 1024,
            parkAfterMilliseconds: random.chance(0.6) ? random.within(5...400) : 2000,
            hashingWorkers: random.within(1...2),
            commitWindowMicroseconds: random.chance(0.8) ? 2000 : 0,
            steps: options.steps,
            runWeight: random.within(50...80),
            clientWeight: random.within(25...50),
            clockWeight: random.within(1...6),
            linesPerClient: random.within(5...14),
            connectionsPerClient: random.within(1...3),
            partialSends: rate(0.6),
            partialReads: rate(0.6),
            hangUp: rate(0.15),
            dropUnsent: random.chance(0.5) ? 0.5 : 0,
            slowReader: rate(0.3),
            storeFailure: rate(0.15),
            shutdownMidRun: random.chance(0.3)
        )
        // Drawn last, so the draws above stay what they were before these existed.
        setup.inlineReach = random.chance(0.6) ? random.within(0...(clients - 1)) : 128
        setup.flood =
            faults && random.chance(0.25)
            ? Flood(linesPerSecond: random.within(2...20), burst: random.within(3...12)) : nil
        // A stream of its own, so every draw above is as it was.
        var history = SeededRandom(seed: seed, stream: 107)
        setup.historyLines = history.chance(0.25) ? 0 : history.within(1...4)
        // Small enough that a reader or two falling behind spends it.
        var budget = SeededRandom(seed: seed, stream: 109)
        setup.outputBudget = faults && budget.chance(0.4) ? budget.within(1...200) : nil
        var lurk = SeededRandom(seed: seed, stream: 113)
        if lurk.chance(0.5) {
            setup.lurker = lurk.within(1...clients)
            setup.loginDeadlineMilliseconds = lurk.chance(0.5) ? lurk.within(300...3000) : nil
        }
        var talk = SeededRandom(seed: seed, stream: 111)
        setup.roomTalk = talk.chance(0.5)
        // Time for a login, a move and some talk.
        if setup.roomTalk == true {
            setup.steps = options.steps * 2
            setup.linesPerClient += 8
        }
        return setup
    }

    /// The limits the shell's sessions run with: flood control where the seed draws it,
    /// a small outbox where the seed says so.
    public var limits: Limits {
        var limits = Limits()
        limits.rate = flood.map { RateLimit(linesPerSecond: $0.linesPerSecond, burst: $0.burst) }
        limits.maxOutboxBytes = maxOutboxBytes
        if let loginDeadlineMilliseconds { limits.loginDeadline = .milliseconds(loginDeadlineMilliseconds) }
        return limits
    }
}
