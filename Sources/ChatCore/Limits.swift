/// The server's limits: fixed ones from the protocol and the policy an operator may tune.
public struct Limits: Equatable, Sendable {
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
    /// Failed logins per account and per address within `failedLoginWindow`.
    public var maxFailedLogins: Int = 5
    public var failedLoginWindow: Duration = .seconds(60)
    /// Logins and registrations in flight at once before `ERR server-busy`.
    public var maxPendingLogins: Int = 512

    public init() {}

    public static let standard = Limits()
}

/// A token bucket: `burst` lines at once, refilled at `linesPerSecond`.
public struct RateLimit: Equatable, Sendable {
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
struct TokenBucket: Equatable, Sendable {
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
