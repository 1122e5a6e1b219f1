import CParleySystem
import ChatCore
import Foundation
import Glibc
import Logging
import ParleyStore
import ParleyTLS

/// The production server: checks and locks the data directory, loads (or makes) the
/// certificate, opens the database, then runs the threaded shell on the operating system
/// (`ChatShell<OSPlatform>`: the actor threads, the hashing pool, the storage thread, the
/// parking lot and the accept thread) beside the checkpoint and housekeeping threads. It
/// holds no chat state itself; that all lives in ChatCore's actors.
public final class ChatServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    /// The certificate clients pin.
    public private(set) var fingerprint: Fingerprint?
    public private(set) var certificateWasCreated = false
    /// The port actually bound (differs from the configuration's when that is 0).
    public private(set) var port: UInt16 = 0
    /// The IRC ports bound (TLS, plain), when asked for.
    public private(set) var ircPort: UInt16?
    public private(set) var ircPlainPort: UInt16?

    private let logger: Logger
    private var shell: ChatShell<OSPlatform>?
    private var checkpointer: Checkpointer<OSPlatform>?
    private var lock: ServerLock?

    /// Connections waiting without a thread of their own right now (`ParkingLot`).
    public var parkedConnections: Int { shell?.parkedConnections ?? 0 }
    /// Thread starts that failed since start (`ChatShell.threadStartFailures`).
    public var threadStartFailures: Int { shell?.threadStartFailures ?? 0 }

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts serving; throws with a message an operator can act on.
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        umask(0o077)  // the database, its WAL and the key are for this user alone
        parley_limit_malloc_arenas(Int32(clamping: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))))  // one per core
        // No core file and no same-user debugger sees the key or the hashes in flight.
        if !ProcessHardening.setDumpable(false) { logger.warning("cannot make the process undumpable") }
        let directory = try DataDirectory.prepare(configuration.dataDirectory)
        let lock = try ServerLock.acquire(directory: directory)
        do {
            try start(in: directory)
            self.lock = lock
        } catch {
            lock.release()
            throw error
        }
    }

    /// `start` once the data directory is checked and locked (`directory` is its real path).
    private func start(in directory: String) throws {
        let context = try tlsContext(directory: directory)
        let databasePath = directory + "/parley.sqlite3"
        let busyTimeout = Int32(clamping: configuration.databaseBusyTimeout.nanoseconds / 1_000_000)
        let database = try ParleyDatabase.open(
            path: databasePath, synchronous: configuration.synchronous,
            busyTimeoutMilliseconds: busyTimeout, refuseSymlinks: true)
        let descriptors = ChatServer.descriptorBudget()
        let platform = OSPlatform(wakeDescriptors: descriptors.wakeDescriptors)
        // Checkpoints run beside the storage thread, not inside its commits. If the second
        // connection cannot be had, SQLite's automatic checkpoints stay on.
        // Its connection waits only briefly for locks: it gives up a round rather than
        // keep the writer waiting.
        if let connection = try? ParleyDatabase.open(
            path: databasePath, synchronous: configuration.synchronous, busyTimeoutMilliseconds: 100,
            refuseSymlinks: true),
            (try? database.setAutomaticCheckpoints(false)) != nil
        {
            let checkpoints = Checkpointer(database: connection, platform: platform, logger: logger)
            guard checkpoints.start() else { throw ServerError("cannot start the checkpoint thread") }
            checkpointer = checkpoints
        }
        var retention: Housekeeping<OSPlatform>.Retention?
        if let keep = configuration.keepMessagesFor {
            let connection = try ParleyDatabase.open(
                path: databasePath, synchronous: configuration.synchronous,
                busyTimeoutMilliseconds: busyTimeout, refuseSymlinks: true)
            if checkpointer != nil { try connection.setAutomaticCheckpoints(false) }
            retention = Housekeeping<OSPlatform>.Retention(database: connection, keep: keep)
        }
        // Lines about connections, which any stranger can cause, are rate-limited.
        let logLimit =
            configuration.connectionLogLinesPerSecond > 0
            ? LogRateLimit(
                linesPerWindow: configuration.connectionLogLinesPerSecond, upstream: logger.handler, platform: platform)
            : nil
        let connectionLogger = logLimit?.logger(wrapping: logger) ?? logger
        let listener = try OSListener(
            host: configuration.host, port: configuration.port, context: context,
            sendBufferBytes: configuration.socketSendBufferBytes)
        port = listener.port
        let ircListeners = try self.ircListeners(context: context)

        var shellConfiguration = configuration
        shellConfiguration.maxConnections = configuration.maxConnections ?? descriptors.connections
        shellConfiguration.wallClockOffset = ChatServer.wallClockOffset(platform: platform)
        let shell = ChatShell(
            platform: platform, configuration: shellConfiguration, database: database, listener: listener,
            hasher: ScryptHashing(cost: configuration.scryptCost), logger: logger,
            connectionLogger: connectionLogger, ircListeners: ircListeners)
        guard shell.start() else { throw ServerError(shell.startFailure ?? "cannot start the server's threads") }
        self.shell = shell
        guard Housekeeping(retention: retention, logLimit: logLimit, platform: platform, logger: logger).start() else {
            throw ServerError("cannot start the server's threads")
        }
        logger.info("listening", metadata: ["address": "\(listener.localAddress)", "data": "\(directory)"])
    }

    /// Stops accepting, says `BYE` to every client, waits (up to `within`) for the
    /// sessions to unwind and for the Gate and the Lobby to handle what they sent, then
    /// flushes the store. Every acknowledged message is committed when this returns
    /// (durable against a process crash; against power loss with `--synchronous full`).
    public func stop(within limit: Duration = .seconds(4)) {
        shell?.stop(within: limit)
        checkpointer?.stop()
        lock?.release()  // the data directory is free for the next server
        logger.info(
            "stopped",
            metadata: [
                "sessions-left": "\(shell?.liveSessionCount ?? 0)", "thread-start-failures": "\(threadStartFailures)",
            ])
    }

    /// The IRC listeners asked for: TLS with the main listener's context, and plain TCP
    /// only on a loopback address (anything else would send passwords in the clear).
    private func ircListeners(context: TLSContext) throws -> [OSListener] {
        var listeners: [OSListener] = []
        if let port = configuration.ircPort {
            let listener = try OSListener(
                host: configuration.host, port: port, context: context,
                sendBufferBytes: configuration.socketSendBufferBytes)
            ircPort = listener.port
            listeners.append(listener)
        }
        if let port = configuration.ircPlainPort {
            guard ChatServer.isLoopback(configuration.host) else {
                throw ServerError(
                    "--irc-plain-port is for loopback only, and --host is \(configuration.host): "
                        + "use --irc-port (TLS) or --host 127.0.0.1")
            }
            let listener = try OSListener(
                host: configuration.host, port: port, context: nil,
                sendBufferBytes: configuration.socketSendBufferBytes)
            ircPlainPort = listener.port
            listeners.append(listener)
        }
        return listeners
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Unix time minus the monotonic clock the shell reads, so `now + offset` is wall time.
    private static func wallClockOffset(platform: OSPlatform) -> Duration {
        var real = timespec()
        clock_gettime(CLOCK_REALTIME, &real)
        let unix = Int64(real.tv_sec) * 1_000_000_000 + Int64(real.tv_nsec)
        return .nanoseconds(unix - platform.now().nanoseconds)
    }

    /// Raises the soft descriptor limit to the hard one and splits it: a socket for each
    /// connection, an eventfd for each connection that has a thread (a parked one has
    /// none) up to a tenth of the limit, and room kept for the database, the listener
    /// and logs. Past the eventfds' share, threads poll every 50 ms instead of being woken.
    static func descriptorBudget() -> (connections: Int, wakeDescriptors: Int) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        let descriptors = Int(clamping: limit.rlim_cur)
        let wake = max(8, descriptors / 10)
        return (max(16, descriptors - 64 - wake), wake)
    }

    private func tlsContext(directory: String) throws -> TLSContext {
        switch (configuration.certificateFile, configuration.keyFile) {
        case (let cert?, let key?):
            // An operator's own files may be symbolic links (Let's Encrypt's live/ are);
            // the key they lead to must still be this user's (or root's) and private.
            try CertificateFiles.checkPrivateKeyFile(key)
            let context = try TLSContext.server(certificateFile: cert, privateKeyFile: key)
            fingerprint = try Fingerprint(certificatePEM: String(contentsOfFile: cert, encoding: .utf8))
            return context
        case (nil, nil):
            let files = try CertificateFiles.loadOrCreate(directory: directory)
            fingerprint = files.fingerprint
            certificateWasCreated = files.wasCreated
            return try TLSContext.server(files)
        default:
            throw ServerError("--cert and --key go together: give both or neither")
        }
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
