import ChatCore

/// Everything a world is built from, drawn once per seed and written into each fixture,
/// so that replaying a fixture does not depend on how today's code draws a swarm.
public struct WorldSetup: Codable, Equatable, Sendable {
    /// Clients, numbered from 1.
    public var clients: Int
    /// Accounts that exist before the run starts; each has a password only the world knows.
    public var accounts: [String]
    /// The names clients create and join rooms by.
    public var roomNames: [String]
    public var limits: LimitSetup
    /// Each client's remote address; nil: client n is 10.0.0.n. Guessers may share one.
    public var addresses: [String]?
    /// Accounts of `accounts` that are banned before the run (as `parley admin ban` does);
    /// nil in fixtures made before bans.
    public var bannedAccounts: [String]?
    /// Accounts of `accounts` that are operators (as `parley admin grant-operator` makes
    /// them); nil in fixtures made before moderation.
    public var operatorAccounts: [String]?
    /// Room messages a session gets on entering a room; nil in fixtures made before
    /// history existed (none, so they replay as they were made).
    public var historyLines: Int?
    /// Clients (by number) that speak IRC; nil or empty: every client speaks Parley's
    /// protocol (fixtures made before IRC clients replay as they were made).
    public var ircClients: [Int]?
    /// Lines end in CRLF, as real clients send them: an IRC client's every line, a Parley
    /// client's every other; nil or false (fixtures made before): LF alone.
    public var crlfLines: Bool?
    /// What fails while the store fails; nil (fixtures made before): writes alone.
    public var storeFailureMode: StoreFailureMode?

    public enum StoreFailureMode: String, Codable, Hashable, Sendable {
        /// Every write fails (a full disk); reads work.
        case writes
        /// Every history read fails (pages that cannot be read); writes work.
        case reads
        case both
    }

    /// Whether the account (by name key) was banned before the run.
    func isBanned(_ key: String) -> Bool { (bannedAccounts ?? []).contains { $0.lowercased() == key } }
    /// Whether the account (by name key) is an operator.
    func isOperator(_ key: String) -> Bool { (operatorAccounts ?? []).contains { $0.lowercased() == key } }

    public init(clients: Int, accounts: [String], roomNames: [String], limits: LimitSetup) {
        self.clients = clients
        self.accounts = accounts
        self.roomNames = roomNames
        self.limits = limits
    }

    /// What the store holds for a simulated account's password (also for the tests' planted actors).
    public static func storedHash(for account: String) -> PasswordHash {
        SimulatedHasher.digest(Password(password(for: account[...])))
    }

    /// The password of a simulated account. Never written anywhere: fixtures say `<password>`.
    static func password(for account: Substring) -> String {
        let lower = account.utf8.contains { (65...90).contains($0) } ? account.lowercased() : String(account)
        return "pw-" + lower + "-sim"
    }
}

/// `ChatCore.Limits` as a fixture spells it.
public struct LimitSetup: Codable, Equatable, Sendable {
    /// Lines a second and burst of the token bucket; nil turns flood control off.
    public var linesPerSecond: Int?
    public var burst: Int
    public var maxHeldLines: Int
    public var maxOutboxBytes: Int
    public var maxUnterminatedBytes: Int
    public var loginDeadlineMilliseconds: Int
    public var maxFailedLogins: Int
    public var failedLoginWindowMilliseconds: Int
    public var maxPendingLogins: Int
    /// The rest of the login policy; nil in fixtures made before it (standard values).
    public var loginPolicy: LoginPolicySetup?
    /// The shortest password commands take; nil in fixtures made before it (`Password.minBytes`).
    public var minPasswordBytes: Int?

    public init(_ limits: Limits = .standard) {
        linesPerSecond = limits.rate?.linesPerSecond
        burst = limits.rate?.burst ?? 20
        maxHeldLines = limits.maxHeldLines
        maxOutboxBytes = limits.maxOutboxBytes
        maxUnterminatedBytes = limits.maxUnterminatedBytes
        loginDeadlineMilliseconds = Int(limits.loginDeadline.nanoseconds / 1_000_000)
        maxFailedLogins = limits.maxFailedLogins
        failedLoginWindowMilliseconds = Int(limits.failedLoginWindow.nanoseconds / 1_000_000)
        maxPendingLogins = limits.maxPendingLogins
        loginPolicy = LoginPolicySetup(limits)
        minPasswordBytes = limits.minPasswordBytes == Password.minBytes ? nil : limits.minPasswordBytes
    }

    public var limits: Limits {
        var limits = Limits()
        limits.rate = linesPerSecond.map { RateLimit(linesPerSecond: $0, burst: burst) }
        limits.maxHeldLines = maxHeldLines
        limits.maxOutboxBytes = maxOutboxBytes
        limits.maxUnterminatedBytes = maxUnterminatedBytes
        limits.loginDeadline = .milliseconds(loginDeadlineMilliseconds)
        limits.maxFailedLogins = maxFailedLogins
        limits.failedLoginWindow = .milliseconds(failedLoginWindowMilliseconds)
        limits.maxPendingLogins = maxPendingLogins
        loginPolicy?.apply(to: &limits)
        if let minPasswordBytes { limits.minPasswordBytes = minPasswordBytes }
        return limits
    }
}
