/// The server's limits: fixed ones from the protocol and the policy an operator may tune.
public struct Limits: Hashable, Sendable {
    /// The longest line the protocol allows, without its newline.
    public static let maxLineBytes = 4096

    /// Bytes of one unterminated line after which the connection is closed (`BYE line-too-long`).
    public var maxUnterminatedBytes: Int = 1 << 20
    /// The token bucket for input lines; nil turns flood control off (benchmarks do).
    public var rate: RateLimit? = RateLimit(linesPerSecond: 10, burst: 20)
    /// Lines a session may have waiting (for the bucket or for a move) before `BYE flood`.
    public var maxHeldLines: Int = 100
    /// Bytes written to a connection and not yet sent before `BYE slow-reader`.
    public var maxOutboxBytes: Int = 512 * 1024
    /// Time from connecting to a finished login before `BYE login-timeout`.
    public var loginDeadline: Duration = .seconds(60)
    /// Password checks one address may have for one account within `failedLoginWindow`,
    /// those in flight included; a check that matches gives its place back. A pair that
    /// fills its window waits `failedLoginWindow`, twice that the next time, and so on up
    /// to `maxLoginBackoff`.
    public var maxFailedLogins: Int = 5
    public var failedLoginWindow: Duration = .seconds(60)
    public var maxLoginBackoff: Duration = .seconds(3600)
    /// Password checks one address may have over all accounts within `failedLoginWindow`,
    /// those in flight included; a check that matches gives its place back.
    public var maxFailedLoginsPerAddress: Int = 20
    /// Registrations one address may ask for within `registrationWindow`.
    public var maxRegistrationsPerAddress: Int = 10
    public var registrationWindow: Duration = .seconds(3600)
    /// Password hashes the Gate has at the hashing pool at once; the rest wait in the
    /// Gate's queue, taken in turn by address. nil: no limit (the pool's own queue).
    /// `parley serve` sets it to its number of hashing workers.
    public var hashingSlots: Int?
    /// Loopback is exempt from the per-address login limits (the address-wide cap, one
    /// login at a time, registrations), as it is from the connection quota: local tools,
    /// tunnels and benchmarks come from there. The per-account limits still apply.
    public var exemptLoopback = true
    /// Logins and registrations in flight at once before `ERR server-busy`.
    public var maxPendingLogins: Int = 512
    /// The shortest password a command may carry (`/register`, `/login`, `/passwd`):
    /// `Password.minBytes` unless `parley serve --min-password-bytes` lowers it, within
    /// `Limits.minPasswordBytesAllowed`, for test suites whose accounts have short ones.
    public var minPasswordBytes: Int = Password.minBytes {
        didSet {
            precondition(
                Limits.minPasswordBytesAllowed.contains(minPasswordBytes),
                "the password floor is within \(Limits.minPasswordBytesAllowed)")
        }
    }
    /// How far an operator may lower the floor: never above the standard, never to nothing.
    public static let minPasswordBytesAllowed = 1...Password.minBytes

    public init() {}

    public static let standard = Limits()
}

/// A token bucket: `burst` lines at once, refilled at `linesPerSecond`.
public struct RateLimit: Hashable, Sendable {
    public var linesPerSecond: Int
    public var burst: Int
    public init(linesPerSecond: Int, burst: Int) {
        precondition(linesPerSecond > 0 && burst > 0, "a rate limit needs a positive rate and burst")
        self.linesPerSecond = linesPerSecond
        self.burst = burst
    }
}

/// The session's bucket. Tokens are kept in nanoseconds of credit so that refill is exact
/// integer arithmetic: one line costs `1s / linesPerSecond` of credit.
struct TokenBucket: Hashable, Sendable {
    let limit: RateLimit
    private var credit: Int64
    private var updated: Instant

    init(limit: RateLimit, now: Instant) {
        self.limit = limit
        self.credit = Int64(limit.burst) * TokenBucket.cost(limit)
        self.updated = now
    }

    private static func cost(_ limit: RateLimit) -> Int64 { 1_000_000_000 / Int64(limit.linesPerSecond) }
    private var capacity: Int64 { Int64(limit.burst) * TokenBucket.cost(limit) }

    /// Takes one line's worth of credit if there is enough at `now`.
    mutating func take(now: Instant) -> Bool {
        refill(now: now)
        let cost = TokenBucket.cost(limit)
        guard credit >= cost else { return false }
        credit -= cost
        return true
    }

    /// When the next line's credit will be there.
    func nextToken(now: Instant) -> Instant {
        let missing = TokenBucket.cost(limit) - credit
        return missing <= 0 ? now : max(now, updated) + .nanoseconds(missing)
    }

    private mutating func refill(now: Instant) {
        // A clock that jumps back gives no credit and takes none.
        guard now > updated else { return }
        credit = min(capacity, credit + (now - updated).nanoseconds)
        updated = now
    }
}
