/// The Gate's login limits: failed password checks per (account, address) pair with a
/// growing backoff, an address-wide cap on failed checks, and registrations per address.
///
/// A login takes a place when the Gate accepts it, before its password is checked, so
/// logins in flight count against every limit; a check that matches gives its place back,
/// so a correct password never trips the address-wide cap. Windows slide: a place taken
/// by a failure frees `failedLoginWindow` after it. Time is an input; nothing here reads
/// a clock.
struct LoginThrottle: Hashable, Sendable {
    private struct PairKey: Hashable, Sendable {
        let account: String
        let address: String
    }

    /// One address's logins for one account.
    private struct Pair: Hashable, Sendable {
        /// The latest failures, oldest first (never more than the limit).
        var failures: [Instant] = []
        /// Accepted and not yet answered by the hashing pool.
        var pending = 0
        /// How many times the pair has filled its window since it last went quiet.
        var strikes = 0
        var lockedUntil: Instant?
    }

    /// One address's logins over all accounts.
    private struct Source: Hashable, Sendable {
        var failures: [Instant] = []
        var pending = 0
    }

    private let limits: Limits
    private var pairs: [PairKey: Pair] = [:]
    private var sources: [String: Source] = [:]
    private var registrations: [String: [Instant]] = [:]
    private var pruneAt = 10_000

    init(limits: Limits) {
        self.limits = limits
    }

    /// Whether an address is exempt from the per-address limits (loopback, by default).
    func isExempt(_ address: String) -> Bool {
        limits.exemptLoopback && AddressQuota.isLoopback(address)
    }

    // MARK: - Logins

    /// Takes a login's places in its pair and its address, to hold until it is answered;
    /// or, if it may not start now, says why, as the text of its `ERR rate-limited`.
    mutating func admit(login name: Name, from address: String, now: Instant) -> String? {
        let window = limits.failedLoginWindow
        let key = PairKey(account: name.key, address: address)
        let pairIndex = pairs.index(forKey: key)
        if let pairIndex {
            let pair = pairs.values[pairIndex]
            if let until = pair.lockedUntil, now < until {
                return
                    "too many failed logins for \(name) from your address; wait \(LoginThrottle.seconds(until - now)) s"
            }
            if LoginThrottle.recent(pair.failures, now, window) + pair.pending >= limits.maxFailedLogins {
                return
                    "too many \(what(pair.failures, now)) for \(name) from your address; wait \(wait(pair.failures, now)) s"
            }
        } else if limits.maxFailedLogins <= 0 {
            return "logins are closed"
        }
        let sourceIndex = sources.index(forKey: address)
        if let sourceIndex, !isExempt(address) {
            let source = sources.values[sourceIndex]
            if LoginThrottle.recent(source.failures, now, window) + source.pending >= limits.maxFailedLoginsPerAddress {
                return "too many \(what(source.failures, now)) from your address; wait \(wait(source.failures, now)) s"
            }
        }
        if let pairIndex { pairs.values[pairIndex].pending += 1 } else { pairs[key] = Pair(pending: 1) }
        if let sourceIndex { sources.values[sourceIndex].pending += 1 } else { sources[address] = Source(pending: 1) }
        return nil
    }

    /// A login ends before its password was checked (the store failed, its session left):
    /// its place is given back and nothing is counted.
    mutating func release(login account: String, from address: String) {
        let key = PairKey(account: account, address: address)
        pairs[key]?.pending -= 1
        sources[address]?.pending -= 1
    }

    /// A login's password was checked. A match gives its places back (and nothing more: a
    /// correct login must not wipe the failures of a guesser behind the same address); a
    /// failure keeps its places for the window, and a pair that fills its window waits,
    /// twice as long each time.
    mutating func checked(login account: String, from address: String, matched: Bool, now: Instant) {
        LoginThrottle.checked(
            &pairs[PairKey(account: account, address: address), default: Pair()], matched: matched, now: now, limits)
        LoginThrottle.checked(&sources[address, default: Source()], matched: matched, now: now, limits)
        if !matched { pruneIfLarge(now: now) }
    }

    private static func checked(_ pair: inout Pair, matched: Bool, now: Instant, _ limits: Limits) {
        pair.pending = max(0, pair.pending - 1)
        guard !matched else { return }
        // A pair that stayed quiet for the longest backoff after its last wait ended
        // starts its strikes over (one that just waited out the longest keeps them).
        if let until = pair.lockedUntil, now - until >= limits.maxLoginBackoff { pair.strikes = 0 }
        append(now, to: &pair.failures, keeping: limits.maxFailedLogins)
        if recent(pair.failures, now, limits.failedLoginWindow) >= limits.maxFailedLogins {
            pair.strikes = min(pair.strikes + 1, 64)
            pair.lockedUntil = now + backoff(strikes: pair.strikes, limits)
        }
    }

    private static func checked(_ source: inout Source, matched: Bool, now: Instant, _ limits: Limits) {
        source.pending = max(0, source.pending - 1)
        if !matched { append(now, to: &source.failures, keeping: limits.maxFailedLoginsPerAddress) }
    }

    /// `failedLoginWindow`, doubled for each strike after the first, at most `maxLoginBackoff`.
    static func backoff(strikes: Int, _ limits: Limits) -> Duration {
        let cap = limits.maxLoginBackoff.nanoseconds
        var wait = limits.failedLoginWindow.nanoseconds
        for _ in 1..<max(1, strikes) where wait < cap { wait = wait > cap / 2 ? cap : wait * 2 }
        return .nanoseconds(max(0, min(wait, cap)))
    }

    // MARK: - Registrations

    /// Why a registration may not start now, as the text of its `ERR rate-limited`; nil: it may.
    func refusal(registrationFrom address: String, now: Instant) -> String? {
        let limit = max(1, limits.maxRegistrationsPerAddress)
        guard !isExempt(address), let times = registrations[address],
            LoginThrottle.recent(times, now, limits.registrationWindow) >= limit
        else { return nil }
        let frees = times[times.count - limit] + limits.registrationWindow
        return "too many registrations from your address; wait \(LoginThrottle.seconds(frees - now)) s"
    }

    /// A registration is accepted; it counts whatever becomes of it (each costs a hash).
    mutating func recordRegistration(from address: String, now: Instant) {
        guard !isExempt(address) else { return }
        LoginThrottle.append(now, to: &registrations[address, default: []], keeping: limits.maxRegistrationsPerAddress)
        pruneIfLarge(now: now)
    }

    // MARK: - Windows

    /// Failures (or registrations) within the window before `now`.
    private static func recent(_ times: [Instant], _ now: Instant, _ window: Duration) -> Int {
        var count = 0
        for time in times.reversed() {
            guard now - time < window else { break }
            count += 1
        }
        return count
    }

    private static func append(_ time: Instant, to times: inout [Instant], keeping limit: Int) {
        times.append(time)
        if times.count > max(1, limit) { times.removeFirst(times.count - max(1, limit)) }
    }

    /// What fills a window: failures, or only logins still in flight.
    private func what(_ failures: [Instant], _ now: Instant) -> String {
        LoginThrottle.recent(failures, now, limits.failedLoginWindow) > 0 ? "failed logins" : "logins at once"
    }

    /// Seconds until the oldest failure still in the window leaves it (1 when only logins in flight fill it).
    private func wait(_ failures: [Instant], _ now: Instant) -> Int64 {
        guard let oldest = failures.first(where: { now - $0 < limits.failedLoginWindow }) else { return 1 }
        return LoginThrottle.seconds(oldest + limits.failedLoginWindow - now)
    }

    private static func seconds(_ duration: Duration) -> Int64 {
        max(1, (duration.nanoseconds + 999_999_999) / 1_000_000_000)
    }

    /// Forgets what can no longer refuse anything, so an attacker cannot grow the tables
    /// without bound; runs when they pass a size that doubles with what survives.
    private mutating func pruneIfLarge(now: Instant) {
        guard pairs.count + sources.count + registrations.count > pruneAt else { return }
        let window = limits.failedLoginWindow, quiet = limits.maxLoginBackoff
        pairs = pairs.filter { _, pair in
            pair.pending > 0 || pair.lockedUntil.map { now - $0 < quiet } == true
                || pair.failures.last.map { now - $0 < window } == true
        }
        sources = sources.filter { _, source in
            source.pending > 0 || LoginThrottle.recent(source.failures, now, window) > 0
        }
        registrations = registrations.filter { LoginThrottle.recent($0.value, now, limits.registrationWindow) > 0 }
        pruneAt = max(10_000, 2 * (pairs.count + sources.count + registrations.count))
    }
}

/// Password hashing jobs the Gate holds back until the hashing pool has room. The next
/// job comes from the address served least recently (one never served, or idle since,
/// first; ties by arrival), so one address's burst waits behind its own jobs and not in
/// front of everyone else's. An address (loopback excepted) has one job at the pool at a
/// time, and an account one verify: a second login waits for the first to be checked.
struct HashQueue: Hashable, Sendable {
    struct Job: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            /// A registration's hash.
            case hash
            /// A login's verify, for this account (name key): one at a time per account.
            case verify(String)
        }

        let ticket: Ticket
        let kind: Kind

        var account: String? {
            if case .verify(let account) = kind { return account }
            return nil
        }
    }

    /// One address's jobs, while it has any waiting or at the pool.
    private struct Line: Hashable, Sendable {
        var waiting: [Job] = []
        /// When it last sent a job to the pool (a serial number; 0: not since it was idle).
        var lastServed: UInt64 = 0
        var atPool = 0
    }

    private var lines: [String: Line] = [:]
    /// Addresses with jobs waiting, in the order they came.
    private var arrivals: [String] = []
    private var serial: UInt64 = 0
    private(set) var atPool = 0
    private var accountsAtPool: [String: Int] = [:]

    var isEmpty: Bool { arrivals.isEmpty }

    mutating func add(_ job: Job, from address: String) {
        let wasWaiting = !(lines[address]?.waiting.isEmpty ?? true)
        lines[address, default: Line()].waiting.append(job)
        if !wasWaiting { arrivals.append(address) }
    }

    /// Takes a job out before it went to the pool; false if it was not waiting.
    mutating func remove(_ ticket: Ticket, from address: String) -> Bool {
        guard let line = lines.index(forKey: address),
            let index = lines.values[line].waiting.firstIndex(where: { $0.ticket == ticket })
        else { return false }
        lines.values[line].waiting.remove(at: index)
        if lines.values[line].waiting.isEmpty {
            arrivals.removeAll { $0 == address }
            if lines.values[line].atPool == 0 { lines.remove(at: line) }
        }
        return true
    }

    /// The next job that may go to the pool now, if any; it counts as at the pool until `done`.
    mutating func next(slots: Int?, exempt: (String) -> Bool) -> Job? {
        if let slots, atPool >= slots { return nil }
        var best: (position: Int, line: Dictionary<String, Line>.Index, job: Int, served: UInt64)?
        for (position, address) in arrivals.enumerated() {
            guard let line = lines.index(forKey: address) else { continue }
            let served = lines.values[line].lastServed
            if let best, best.served <= served { continue }
            if lines.values[line].atPool > 0, !exempt(address) { continue }
            guard
                let job = lines.values[line].waiting.firstIndex(where: { job in
                    job.account.map { accountsAtPool[$0] == nil } ?? true
                })
            else { continue }
            best = (position, line, job, served)
        }
        guard let best else { return nil }
        let job = lines.values[best.line].waiting.remove(at: best.job)
        if lines.values[best.line].waiting.isEmpty { arrivals.remove(at: best.position) }
        serial += 1
        lines.values[best.line].lastServed = serial
        lines.values[best.line].atPool += 1
        atPool += 1
        if let account = job.account { accountsAtPool[account, default: 0] += 1 }
        return job
    }

    /// The pool answered a job.
    mutating func done(_ job: Job, from address: String) {
        atPool = max(0, atPool - 1)
        if let line = lines.index(forKey: address) {
            lines.values[line].atPool = max(0, lines.values[line].atPool - 1)
            if lines.values[line].atPool == 0, lines.values[line].waiting.isEmpty { lines.remove(at: line) }
        }
        if let account = job.account, let count = accountsAtPool[account] {
            accountsAtPool[account] = count > 1 ? count - 1 : nil
        }
    }
}
