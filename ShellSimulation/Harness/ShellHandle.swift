import ChatCore

/// The threaded shell as the harness drives it: started once on a controlled thread,
/// stopped once on another. `ChatShell<ControlledPlatform>` in practice.
public protocol ShellHandle: AnyObject, Sendable {
    func start() throws
    /// True when everything stopped within the limit (every session retired, the store
    /// confirmed its last batch), as `ChatShell.stop` says.
    @discardableResult func stop(within limit: Duration) -> Bool
    /// The actors whose mailboxes hold mail nobody has taken (`ChatShell.actorsWithMailWaiting`).
    var actorsWithMailWaiting: [String] { get }
    /// Each live session's timer, nil where it has none (`ChatShell.sessionTimers`).
    var sessionTimers: [Instant?] { get }
}

/// What the harness hands the shell's maker: the platform, the listener its clients
/// connect to, the seed's configuration, and the database file (opened by the maker with
/// a busy timeout of zero, so a store failure never sleeps for real).
public struct ShellEnvironment {
    public let platform: ControlledPlatform
    public let listener: ControlledListener
    public let setup: ShellSetup
    public let databasePath: String
}

public typealias ShellMaker = @Sendable (ShellEnvironment) throws -> ShellHandle
