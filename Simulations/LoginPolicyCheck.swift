import ChatCore

// The login policy as the simulator sees it: the limits a seed draws, and the checker's
// own model of password checks, kept from the mail between the Gate, the store and the
// hashing pool. It never reads the Gate's state.

/// The login policy's limits beyond those `LimitSetup` always had, as a fixture spells them.
public struct LoginPolicySetup: Codable, Equatable, Sendable {
    public var maxLoginBackoffMilliseconds: Int
    public var maxFailedLoginsPerAddress: Int
    public var maxRegistrationsPerAddress: Int
    public var registrationWindowMilliseconds: Int
    /// nil: no limit.
    public var hashingSlots: Int?

    public init(_ limits: Limits) {
        maxLoginBackoffMilliseconds = Int(limits.maxLoginBackoff.nanoseconds / 1_000_000)
        maxFailedLoginsPerAddress = limits.maxFailedLoginsPerAddress
        maxRegistrationsPerAddress = limits.maxRegistrationsPerAddress
        registrationWindowMilliseconds = Int(limits.registrationWindow.nanoseconds / 1_000_000)
        hashingSlots = limits.hashingSlots
    }

    func apply(to limits: inout Limits) {
        limits.maxLoginBackoff = .milliseconds(maxLoginBackoffMilliseconds)
        limits.maxFailedLoginsPerAddress = maxFailedLoginsPerAddress
        limits.maxRegistrationsPerAddress = maxRegistrationsPerAddress
        limits.registrationWindow = .milliseconds(registrationWindowMilliseconds)
        limits.hashingSlots = hashingSlots
    }

    /// Draws a seed's login limits, small and short, so that guessers fill their windows
    /// and the windows (and the backoffs after them) run out within a run.
    static func draw(_ random: inout SeededRandom, into limits: inout LimitSetup) {
        limits.maxFailedLogins = random.within(1...5)
        let window = random.within(1...40) * 500
        limits.failedLoginWindowMilliseconds = window
        var policy = LoginPolicySetup(.standard)
        policy.maxLoginBackoffMilliseconds = window * random.within(1...8)
        policy.maxFailedLoginsPerAddress = limits.maxFailedLogins + random.within(0...6)
        policy.maxRegistrationsPerAddress = random.within(1...6)
        policy.registrationWindowMilliseconds = random.within(1...60) * 500
        policy.hashingSlots = random.chance(0.6) ? nil : random.within(1...3)
        limits.loginPolicy = policy
    }
}

/// What the checker knows of logins and password checks.
struct LoginLedger: Sendable {
    /// A login the Gate took on (it asked the store for the account).
    struct Login: Sendable {
        let account: String
        let address: String
        let session: SessionID
    }

    /// A password check: a verify the Gate sent the hashing pool for a login.
    struct Check: Sendable {
        let account: String
        let address: String
        let sent: Instant
        var open = true
        var matched = false
    }

    var logins: [Ticket: Login] = [:]
    var checks: [Check] = []
    var checkIndex: [Ticket: Int] = [:]
    /// Addresses that failed a check at least once.
    var failedFrom: Set<String> = []
    /// Logins the Gate has and has not answered, by session; how many per address.
    var openLogins: [SessionID: String] = [:]
    var openPerAddress: [String: Int] = [:]
    /// When each (account, address) pair last had as many checks as its limit.
    var filled: [String: Instant] = [:]

    static func pair(_ account: String, _ address: String) -> String { account + " " + address }
}

extension World {
    /// The login policy's invariants, for one step of the Gate.
    mutating func checkLoginPolicy(_ message: GateMessage, _ effects: [Effect]) {
        switch message {
        case .login(let session, let name, _, let address):
            if refusedAsRateLimited(session, effects) {
                hazards.insert(.loginThrottled)
                if !logins.failedFrom.contains(address), logins.openPerAddress[address, default: 0] == 0 {
                    fail(.noStrangerLockout, "\(label(session)) logging in as \(name) from \(address), which never failed a check and had nothing else in flight, was refused as rate-limited")
                }
            }
            logins.openLogins[session] = address
            logins.openPerAddress[address, default: 0] += 1
            for case .send(.store(.fetchAccount(let ticket, _, _))) in effects {
                logins.logins[ticket] = LoginLedger.Login(account: name.key, address: address, session: session)
            }
        case .register(let session, _, _, _):
            if refusedAsRateLimited(session, effects) { hazards.insert(.loginThrottled) }
        case .verified(let ticket, let matches, _):
            if let index = logins.checkIndex.removeValue(forKey: ticket) {
                logins.checks[index].open = false
                logins.checks[index].matched = matches
                if !matches { logins.failedFrom.insert(logins.checks[index].address) }
            }
        case .store(.accountFound(let ticket, _, _)), .store(.accountMissing(let ticket)):
            noteQueued(ticket, effects)
        default:
            break
        }
        for case .send(let mail) in effects {
            switch mail {
            case .hasher(.verify(let ticket, _, _)):
                checked(ticket)
            case .session(let id, .loginRefused(let code, _)):
                if code == .wrongCredentials { requireCheck(before: id, message) }
                closeLogin(id)
            case .session(let id, .loggedIn):
                closeLogin(id)
            default:
                break
            }
        }
    }

    private func refusedAsRateLimited(_ session: SessionID, _ effects: [Effect]) -> Bool {
        effects.contains { effect in
            if case .send(.session(session, .loginRefused(.rateLimited, _))) = effect { return true }
            return false
        }
    }

    /// A login whose account the store has answered for, and whose check the Gate holds back.
    private mutating func noteQueued(_ ticket: Ticket, _ effects: [Effect]) {
        guard let login = logins.logins[ticket] else { return }
        let answered = effects.contains { effect in
            switch effect {
            case .send(.hasher(.verify(ticket, _, _))), .send(.session(login.session, _)): return true
            default: return false
            }
        }
        if !answered { hazards.insert(.loginQueued) }
    }

    /// A check goes out: count it, with every other check of its pair and of its address
    /// that is in flight or failed within the window.
    private mutating func checked(_ ticket: Ticket) {
        guard let login = logins.logins[ticket] else {
            return fail(.failedLoginBound, "the Gate checked a password for ticket \(ticket), which no login holds")
        }
        let window = limits.failedLoginWindow
        var pair = 0, pairOpen = 0, address = 0
        for check in logins.checks where check.address == login.address {
            guard check.open || (!check.matched && now - check.sent < window) else { continue }
            address += 1
            if check.account == login.account {
                pair += 1
                if check.open { pairOpen += 1 }
            }
        }
        pair += 1
        address += 1
        pairOpen += 1
        logins.checkIndex[ticket] = logins.checks.count
        logins.checks.append(LoginLedger.Check(account: login.account, address: login.address, sent: now))
        let key = LoginLedger.pair(login.account, login.address)
        if let filled = logins.filled[key], now - filled >= window { hazards.insert(.guessWindowReopened) }
        if pair >= limits.maxFailedLogins { logins.filled[key] = now }
        if pair > limits.maxFailedLogins {
            return fail(.failedLoginBound, "\(pair) checks of \(login.account) from \(login.address) within \(window) (\(pairOpen) in flight); the limit is \(limits.maxFailedLogins)")
        }
        if address > limits.maxFailedLoginsPerAddress, !exempt(login.address) {
            fail(.failedLoginBound, "\(address) checks from \(login.address) within \(window); the limit is \(limits.maxFailedLoginsPerAddress)")
        }
    }

    /// `wrong-credentials` must answer the check of this session's login.
    private mutating func requireCheck(before session: SessionID, _ message: GateMessage) {
        if case .verified(let ticket, _, _) = message, logins.logins[ticket]?.session == session { return }
        fail(.wrongCredentialsChecked, "\(label(session)) was told wrong-credentials on \(describe(.gate(message))), with no password check")
    }

    private mutating func closeLogin(_ session: SessionID) {
        guard let address = logins.openLogins.removeValue(forKey: session) else { return }
        logins.openPerAddress[address, default: 1] -= 1
    }

    private func exempt(_ address: String) -> Bool {
        limits.exemptLoopback && (address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127."))
    }
}
