import ChatCore
import Logging
import ParleyPlatform
import ParleyStore

/// The threaded shell, generic over its platform: everything that runs ChatCore's actors
/// on threads, given the platform, an open database, a listener and a password hasher.
/// `ChatServer` runs a `ChatShell<OSPlatform>` (pthreads, TLS over TCP, scrypt); the
/// shell simulation runs a `ChatShell<ControlledPlatform>`, the very same code.
///
///     let shell = ChatShell(platform: platform, configuration: configuration,
///                           database: try ParleyDatabase.open(path: ...),
///                           listener: listener, hasher: hasher, logger: logger)
///     guard shell.start() else { fatalError(shell.startFailure ?? "") }
///     ...
///     shell.stop(within: .seconds(4))
///
/// - `init(platform:configuration:database:listener:hasher:logger:connectionLogger:)`
///   assembles the router; nothing runs yet. The configuration's `limits`,
///   `handshakeTimeout`, `closeGrace`, `parkIdleConnectionsAfter`,
///   `maxConnectionsPerAddress`, `maxConnections` (nil: no cap), `hashingWorkers`,
///   `commitWindow` and `inlineStoreReplyReach` apply; its data directory, certificate,
///   scrypt cost and database settings are the caller's business (they made the
///   database, listener and hasher).
///   `connectionLogger` is for lines any stranger can cause (production rate-limits
///   it); it defaults to `logger`.
/// - `start()` starts the Gate's, the Lobby's, the storage thread, the hashing pool,
///   the parking lot's and the accept thread; false (and `startFailure` says why) if a
///   thread or the ready set could not be had.
/// - `stop(within:)` is the shutdown sequence: stop accepting, `BYE shutdown` to every
///   session, wait (up to `within`) for them and every room to retire and for the Gate
///   and the Lobby to settle, then a barrier through the store. True when all of that
///   happened in time and the store confirmed everything before the barrier committed.
/// - `liveSessionCount`, `parkedConnections`: what is open right now.
///
/// Every thread start, lock, atomic, wait, sleep and clock read goes through `platform`.
public final class ChatShell<P: Platform>: @unchecked Sendable {
    public let platform: P
    public let configuration: ServerConfiguration
    /// Why `start()` returned false.
    public private(set) var startFailure: String?

    private let database: ParleyDatabase
    private let listener: P.Listener
    private let hasher: any PasswordHashing
    private let logger: Logger
    private let connectionLogger: Logger
    private let router: Router<P>
    private let ircListeners: [P.Listener]
    private var acceptLoops: [AcceptLoop<P>] = []
    private var lot: ParkingLot<P>?

    public init(
        platform: P, configuration: ServerConfiguration, database: ParleyDatabase, listener: P.Listener,
        hasher: any PasswordHashing, logger: Logger, connectionLogger: Logger? = nil, ircListeners: [P.Listener] = []
    ) {
        self.ircListeners = ircListeners
        self.platform = platform
        self.configuration = configuration
        self.database = database
        self.listener = listener
        self.hasher = hasher
        self.logger = logger
        self.connectionLogger = connectionLogger ?? logger
        router = Router(platform: platform, logger: logger, inlineReach: configuration.inlineStoreReplyReach)
    }

    /// Sessions registered now (a session unregisters when it retires).
    public var liveSessionCount: Int { router.liveSessionCount }
    /// The actors with mail in their mailboxes that nobody has taken yet.
    public var actorsWithMailWaiting: [String] { router.actorsWithMailWaiting }
    /// Each live session's timer (nil: none), in session order: the shell simulation
    /// checks that some thread will wake for each.
    public var sessionTimers: [Instant?] { router.sessionHosts.map(\.pendingWake) }

    /// Thread starts that failed since start (connections closed for want of a thread,
    /// resumes and room threads retried): what a task limit costs, counted.
    public var threadStartFailures: Int { router.threadStartFailures.load() }

    /// Connections waiting without a thread of their own right now (`ParkingLot`).
    public var parkedConnections: Int { lot?.parkedCount ?? 0 }

    /// Starts every thread of the shell; false, with `startFailure`, if one could not be had.
    public func start() -> Bool {
        // The Gate keeps one hash per worker at the pool and queues the rest, fairly by address.
        var gateLimits = configuration.limits
        gateLimits.hashingSlots = gateLimits.hashingSlots ?? max(1, configuration.hashingWorkers)
        // A temporary room's id is its life in the store: number past every stored one, so
        // a room of an old name starts with an empty history.
        guard let latestLife = try? database.latestRoomLife() else {
            return failed("cannot read the database's room lives")
        }
        let lobbyActor = Lobby(historyLines: configuration.historyLines, firstRoom: RoomID(UInt64(latestLife) + 1))
        guard let gate = ActorThreads<P>.startGate(limits: gateLimits, router: router),
            let lobby = ActorThreads<P>.startLobby(lobbyActor, router: router, logger: logger)
        else {
            return failed("cannot start the server's threads")
        }
        router.start(gate: gate, lobby: lobby)
        guard
            StorageThread(database: database, router: router, logger: logger).start(window: configuration.commitWindow),
            HashingPool<P>.start(workers: configuration.hashingWorkers, hasher: hasher, router: router, logger: logger)
        else {
            return failed("cannot start the server's threads")
        }
        guard let lot = ParkingLot(platform: platform) else {
            return failed("cannot create the parking lot's ready set")
        }
        let context = ConnectionThread<P>.Context(
            platform: platform, router: router, configuration: configuration, lot: lot, logger: connectionLogger,
            budget: configuration.outputBudgetBytes.map { OutputBudgetKeeper(limit: $0, platform: platform) })
        let resume: @Sendable (SessionHost<P>) -> Bool = { [router] host in
            let started = ConnectionThread<P>.resume(host, context: context)
            if !started { router.threadStartFailures.add(1) }  // the lot retries it
            return started
        }
        guard lot.start(resume: resume, logger: logger) else {
            return failed("cannot start the parking lot's thread")
        }
        self.lot = lot
        let admissions = Admissions(
            platform: platform, caps: configuration.admissionCaps,
            maxConnections: configuration.maxConnections ?? Int.max)
        let listeners = [(listener, ClientProtocol.parley)] + ircListeners.map { ($0, ClientProtocol.irc) }
        for (listener, dialect) in listeners {
            let loop = AcceptLoop(platform: platform, listener: listener, admissions: admissions)
            guard start(loop, dialect, context: context) else { return failed("cannot start the accept thread") }
            acceptLoops.append(loop)
        }
        return true
    }

    private func start(_ loop: AcceptLoop<P>, _ dialect: ClientProtocol, context: ConnectionThread<P>.Context) -> Bool {
        let connectionLogger = connectionLogger
        let router = router
        let admissions = loop.admissions
        return loop.start(
            { stream, remoteHost, remoteAddress, id in
                let milestones = ConnectionThread<P>.Milestones(
                    handshakeCompleted: { admissions.handshakeCompleted(id) },
                    loggedIn: { admissions.loggedIn(id) }, ended: { admissions.release(id) })
                let started = ConnectionThread<P>.start(
                    stream, remoteHost: remoteHost, remoteAddress: remoteAddress, id: id, dialect: dialect,
                    context: context, milestones: milestones)
                if !started {
                    // Out of threads (a task limit, memory): this connection is closed, the
                    // others go on, and the count says how often it happened.
                    router.threadStartFailures.add(1)
                    connectionLogger.error("could not start a connection thread; connection closed")
                    stream.close()
                    admissions.release(id)
                }
            }, logger: connectionLogger)
    }

    /// Stops accepting, says `BYE` to every client, waits (up to `within`) for the
    /// sessions and rooms to unwind and for the Gate and the Lobby to handle what they
    /// sent, then flushes the store. Every acknowledged message is committed when this
    /// returns true.
    @discardableResult
    public func stop(within limit: Duration = .seconds(4)) -> Bool {
        guard !acceptLoops.isEmpty else {
            lot?.stop()
            return false
        }
        let deadline = platform.now() + limit
        for loop in acceptLoops { loop.stop() }
        router.shutDownSessions()
        while router.liveSessionCount > 0, platform.now() < deadline { platform.sleep(for: .milliseconds(10)) }
        // Logouts go to the Gate, a room's emptying to the Lobby (which shuts the room down);
        // their audits then go to the store. An actor still busy at the deadline may post
        // after the barrier: the stop has not completed, and the mailboxes stay open for it.
        var actorsSettled = true
        for isSettled in [router.gateIsSettled, router.roomsHaveRetired, router.lobbyIsSettled, router.gateIsSettled] {
            var settled = isSettled()
            while !settled, platform.now() < deadline {
                platform.sleep(for: .milliseconds(2))
                settled = isSettled()
            }
            actorsSettled = actorsSettled && settled
        }
        let flushed = Barrier(platform: platform, role: "store flushed")
        router.store.post(.barrier(flushed))
        let confirmed = flushed.wait(until: platform.now() + .seconds(1))
        if !confirmed { logger.error("the store did not confirm its last batch in time") }
        lot?.stop()
        let completed = actorsSettled && confirmed && router.liveSessionCount == 0
        // Only when nothing is left in flight: a stop that ran out of time leaves the
        // actors' threads up, so sessions still unwinding are answered and end.
        if completed { router.closeActorMailboxes() }
        return completed
    }

    private func failed(_ reason: String) -> Bool {
        startFailure = reason
        return false
    }
}
