import ChatCore

// The login policy's waits as the protocol states them (docs/PROTOCOL.md, "Limits and
// abuse"): an (account, address) pair that fills its window of failed checks waits the
// window, then twice that each time it fills it again, up to `maxLoginBackoff`, and one
// quiet for that long after its wait starts over; a login is refused as rate-limited only
// when a wait runs or a window is full. Kept from the Gate's mail, never its state.

/// What the checker knows of each pair's waits and of the logins in flight.
struct LoginWaits: Hashable, Sendable {
    /// One (account, address) pair, or one address over all accounts.
    struct Tally: Hashable, Sendable {
        /// When its checks failed (the Gate's answer from the pool), the latest few.
        var failures: [Instant] = []
        /// Logins taken on and neither checked nor answered yet.
        var pending = 0
        /// Times it filled its window since it last went quiet, and until when it waits.
        var strikes = 0
        var lockedUntil: Instant?
    }

    /// By `LoginLedger` numbers: pairs as `account << 16 | exact address`, addresses by key.
    var pairs: [Int: Tally] = [:]
    var addresses: [Int: Tally] = [:]
    /// Logins taken on and not yet checked or answered, by ticket.
    var open: [Ticket: LoginLedger.Login] = [:]

    static func pair(_ login: LoginLedger.Login) -> Int { login.account << 16 | login.exact }

    /// Failures within the window before `now`, newest first until the first outside it.
    static func recent(_ times: [Instant], _ now: Instant, _ window: Duration) -> Int {
        var count = 0
        for time in times.reversed() {
            guard now - time < window else { break }
            count += 1
        }
        return count
    }

    /// The wait after the `strikes`-th fill: the window, doubled for each strike after the
    /// first, never more than `cap`.
    static func backoff(strikes: Int, window: Duration, cap: Duration) -> Duration {
        var wait = window.nanoseconds
        var strike = 1
        while strike < strikes, wait < cap.nanoseconds {
            wait = min(cap.nanoseconds, wait * 2)
            strike += 1
        }
        return .nanoseconds(max(0, min(wait, cap.nanoseconds)))
    }
}

extension World {
    /// The next instant at which, by the checker's own account, a login policy changes its
    /// mind: a failure leaves its window, a wait runs out, a quiet pair starts its strikes
    /// over, a registration leaves its window. The explorer moves the clock to exactly such
    /// an edge now and then, so that a limit off by one at its edge (`<` for `<=`) is met.
    var nextPolicyEdge: Instant? {
        var edge: Instant?
        func consider(_ instant: Instant) {
            if instant > now, edge.map({ instant < $0 }) ?? true { edge = instant }
        }
        for tally in waits.pairs.values {
            for failure in tally.failures { consider(failure + limits.failedLoginWindow) }
            if let until = tally.lockedUntil {
                consider(until)
                consider(until + limits.maxLoginBackoff)
            }
        }
        for tally in waits.addresses.values {
            for failure in tally.failures { consider(failure + limits.failedLoginWindow) }
        }
        for times in logins.registrations.values {
            for time in times { consider(time + limits.registrationWindow) }
        }
        return edge
    }

    /// The waits' invariants, for one step of the Gate (before `checkLoginPolicy` moves the ledger).
    mutating func checkLoginWaits(_ message: GateMessage, _ effects: [GateEffect]) {
        switch message {
        // A `/passwd` checks its old password like a login, in the same waits and windows.
        case .login(let session, let name, _, let address), .changePassword(let session, let name, _, _, let address):
            judgeAdmission(session, name, address, effects)
        case .verified(let ticket, let matches, _):
            guard let login = waits.open.removeValue(forKey: ticket) else { break }
            waits.pairs[LoginWaits.pair(login), default: .init()].pending -= 1
            waits.addresses[login.address, default: .init()].pending -= 1
            if !matches { failed(login) }
        default:
            break
        }
        giveBackPasswordChange(message, effects)
        for effect in effects {
            switch effect {
            case .session(let id, .loginRefused), .session(let id, .loggedIn):
                // Answered without a check (the store failed, a ban, an abandoned login):
                // its places are given back.
                for (ticket, login) in waits.open where login.session == id {
                    waits.open[ticket] = nil
                    waits.pairs[LoginWaits.pair(login), default: .init()].pending -= 1
                    waits.addresses[login.address, default: .init()].pending -= 1
                }
            default:
                break
            }
        }
    }

    /// A `/passwd` answered without a check (its account missing or banned, the store
    /// failed): its places are given back. Its answer is a line, its session logged in,
    /// and that session may have another `/passwd` in flight: by ticket, not by session.
    private mutating func giveBackPasswordChange(_ message: GateMessage, _ effects: [GateEffect]) {
        guard case .store(let reply) = message, let login = waits.open[reply.ticket] else { return }
        let answered = effects.contains {
            if case .session(login.session, .deliver) = $0 { return true }
            return false
        }
        guard answered else { return }
        waits.open[reply.ticket] = nil
        waits.pairs[LoginWaits.pair(login), default: .init()].pending -= 1
        waits.addresses[login.address, default: .init()].pending -= 1
    }

    /// A login the Gate took on must not fall in its pair's wait; one it refused as
    /// rate-limited must have met a wait or a full window.
    private mutating func judgeAdmission(
        _ session: SessionID, _ name: Name, _ address: String, _ effects: [GateEffect]
    ) {
        let from = logins.address(World.addressKey(address))
        let login = LoginLedger.Login(
            account: logins.account(name.key), address: from, exact: logins.address(address), session: session)
        let pair = waits.pairs[LoginWaits.pair(login)] ?? .init()
        let source = waits.addresses[from] ?? .init()
        let window = limits.failedLoginWindow
        let locked = pair.lockedUntil.map { now < $0 } ?? false
        var taken = false
        for case .store(.fetchAccount(let ticket, _, _)) in effects {
            taken = true
            waits.open[ticket] = login
            waits.pairs[LoginWaits.pair(login), default: .init()].pending += 1
            waits.addresses[from, default: .init()].pending += 1
        }
        if taken, locked, let until = pair.lockedUntil {
            fail(
                .loginBackoff,
                "the Gate took on \(label(session))'s login as \(name) from \(address) \(until - now) before its wait after \(pair.strikes) filled windows ends"
            )
        }
        let refused = effects.contains { effect in
            switch effect {
            case .session(session, .loginRefused(.rateLimited, _)),
                .session(session, .deliver(.error(.rateLimited, _))):
                return true
            default:
                return false
            }
        }
        guard refused else { return }
        let pairFull = LoginWaits.recent(pair.failures, now, window) + pair.pending >= limits.maxFailedLogins
        let sourceFull =
            !exempt(address)
            && LoginWaits.recent(source.failures, now, window) + source.pending >= limits.maxFailedLoginsPerAddress
        if !locked, !pairFull, !sourceFull {
            fail(
                .loginBackoff,
                "\(label(session))'s login as \(name) from \(address) was refused as rate-limited with no wait running and no window full (\(LoginWaits.recent(pair.failures, now, window)) failed, \(pair.pending) in flight for the pair; \(LoginWaits.recent(source.failures, now, window)) and \(source.pending) for the address)"
            )
        }
    }

    /// A failed check: its pair fills its window, or not; a full one waits, longer each time.
    private mutating func failed(_ login: LoginLedger.Login) {
        let window = limits.failedLoginWindow, cap = limits.maxLoginBackoff
        var pair = waits.pairs[LoginWaits.pair(login)] ?? .init()
        if let until = pair.lockedUntil, now - until >= cap { pair.strikes = 0 }
        pair.failures = Array((pair.failures + [now]).suffix(max(1, limits.maxFailedLogins)))
        if LoginWaits.recent(pair.failures, now, window) >= limits.maxFailedLogins {
            if pair.strikes > 0, pair.lockedUntil.map({ now >= $0 }) == true { hazards.insert(.backoffGrew) }
            pair.strikes = min(pair.strikes + 1, 64)
            pair.lockedUntil = now + LoginWaits.backoff(strikes: pair.strikes, window: window, cap: cap)
        }
        waits.pairs[LoginWaits.pair(login)] = pair
        var source = waits.addresses[login.address] ?? .init()
        source.failures = Array((source.failures + [now]).suffix(max(1, limits.maxFailedLoginsPerAddress)))
        waits.addresses[login.address] = source
    }
}
