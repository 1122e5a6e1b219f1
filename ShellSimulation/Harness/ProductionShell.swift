import ChatCore
import Logging
import ParleyServer
import ParleyStore

/// Production's threaded shell on the controlled platform: `ChatShell<ControlledPlatform>`
/// over the real ParleyStore (the run's temporary SQLite file, busy timeout zero, so a
/// store failure never sleeps for real), a cheap deterministic hasher, the seed's limits
/// (flood control where the seed draws it) and the controlled listener.
public final class ProductionShell: ShellHandle, @unchecked Sendable {
    public let shell: ChatShell<ControlledPlatform>

    init(_ environment: ShellEnvironment) throws {
        let setup = environment.setup
        var configuration = ServerConfiguration()
        configuration.limits = setup.limits
        configuration.hashingWorkers = setup.hashingWorkers
        configuration.parkIdleConnectionsAfter = .milliseconds(setup.parkAfterMilliseconds)
        configuration.commitWindow = .microseconds(setup.commitWindowMicroseconds)
        configuration.inlineStoreReplyReach = setup.inlineReach ?? 128
        configuration.historyLines = setup.historyLines ?? 0
        configuration.outputBudgetBytes = setup.outputBudget
        configuration.maxConnectionsPerAddress = 20
        configuration.maxConnections = nil
        configuration.databaseBusyTimeout = .zero
        configuration.closeGrace = ShellWorld.closeGrace
        let database = try ParleyDatabase.open(path: environment.databasePath, busyTimeoutMilliseconds: 0)
        let logger = Logger(label: "parley.shellsim") { _ in SwiftLogNoOpLogHandler() }
        shell = ChatShell(
            platform: environment.platform, configuration: configuration, database: database,
            listener: environment.listener, hasher: DigestHashing(), logger: logger)
    }

    public static let maker: ShellMaker = { try ProductionShell($0) }

    public func start() throws {
        guard shell.start() else { throw StartFailure(reason: shell.startFailure ?? "start() returned false") }
    }

    public var actorsWithMailWaiting: [String] { shell.actorsWithMailWaiting }
    public var sessionTimers: [Instant?] { shell.sessionTimers }

    @discardableResult public func stop(within limit: Duration) -> Bool {
        shell.stop(within: limit)
    }

    struct StartFailure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }
}

/// A password "hash" for simulated accounts: FNV-1a of the password, like the core
/// simulator's `SimulatedHasher`. Deterministic and cheap; not a password hash.
public struct DigestHashing: PasswordHashing {
    public init() {}

    public func hash(_ password: Password) throws -> PasswordHash {
        PasswordHash("sim$" + Self.digest(password.secret))
    }

    public func verify(_ password: Password, against stored: PasswordHash) -> (matches: Bool, needsRehash: Bool) {
        (stored.encoded == "sim$" + Self.digest(password.secret), false)
    }

    static func digest(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
        return String(value, radix: 16)
    }
}
