/// The Gate: registration, login, and which accounts are online.
///
/// A login is a small pipeline the Gate steers by tickets: fetch the account from the
/// store, verify the password on the hashing pool, then claim the account. A claim on
/// an account that is online sends the older session `replaced`; the newer one waits
/// until the older has left its room and logged out, so an account never has two live
/// sessions and the newcomer finds `global` without its ghost. Registration hashes
/// first, then lets the store's unique index decide who gets the name.
public struct Gate: ChatActor {
    private let limits: Limits
    private var tickets = TicketCounter()
    private var inFlight: [Ticket: Attempt] = [:]
    /// Accounts held by a session, from the grant until that session logs out.
    private var online: [String: SessionID] = [:]
    /// A login that has proved itself and waits for the account's older session to go.
    private var waiting: [String: Claim] = [:]
    private var failures = FailureCounter()

    /// A login or registration between its request and its answer.
    private struct Attempt: Sendable {
        enum Kind: Sendable { case register, login }
        let kind: Kind
        let session: SessionID
        let name: Name
        let password: Password
        let address: String
    }

    private struct Claim: Sendable {
        let session: SessionID
        let name: Name
        let registered: Bool
    }

    public init(limits: Limits = .standard) {
        self.limits = limits
    }

    // MARK: - What others may read

    /// Which session holds each online account (keys are name keys).
    public var onlineAccounts: [String: SessionID] { online }
    public var attemptsInFlight: Int { inFlight.count }

    // MARK: - Mail

    public mutating func receive(_ message: GateMessage, now: Instant, into effects: inout [GateEffect]) {
        switch message {
        case .register(let session, let name, let password, let address):
            begin(Attempt(kind: .register, session: session, name: name, password: password, address: address), now: now, &effects)
        case .login(let session, let name, let password, let address):
            begin(Attempt(kind: .login, session: session, name: name, password: password, address: address), now: now, &effects)
        case .hashed(let ticket, let hash):
            guard let attempt = inFlight[ticket] else { break }
            effects.append(.store(.createAccount(ticket, attempt.name, hash, at: now, replyTo: .gate)))
        case .hashFailed(let ticket):
            guard let attempt = inFlight.removeValue(forKey: ticket) else { break }
            refuse(attempt.session, .serverBusy, "the server could not hash your password; try again", &effects)
        case .verified(let ticket, let matches, let rehashed):
            verified(ticket, matches: matches, rehashed: rehashed, now: now, &effects)
        case .store(let reply):
            stored(reply, now: now, &effects)
        case .logout(let session, let name, let reason):
            logout(session, name, reason: reason, now: now, &effects)
        }
    }

    private mutating func begin(_ attempt: Attempt, now: Instant, _ effects: inout [GateEffect]) {
        if attempt.kind == .login, failures.isLockedOut(account: attempt.name.key, address: attempt.address, now: now, limits: limits) {
            return refuse(attempt.session, .rateLimited, "too many failed logins; wait a minute", &effects)
        }
        guard inFlight.count < limits.maxPendingLogins else {
            return refuse(attempt.session, .serverBusy, "too many logins at once; try again soon", &effects)
        }
        let ticket = tickets.take()
        inFlight[ticket] = attempt
        switch attempt.kind {
        case .register: effects.append(.hasher(.hash(ticket, attempt.password)))
        case .login: effects.append(.store(.fetchAccount(ticket, attempt.name, replyTo: .gate)))
        }
    }

    private mutating func stored(_ reply: StoreReply, now: Instant, _ effects: inout [GateEffect]) {
        switch reply {
        case .accountFound(let ticket, let name, let hash):
            guard let attempt = inFlight[ticket] else { return }
            inFlight[ticket] = Attempt(kind: .login, session: attempt.session, name: name, password: attempt.password, address: attempt.address)
            effects.append(.hasher(.verify(ticket, attempt.password, against: hash)))
        case .accountMissing(let ticket):
            guard let attempt = inFlight.removeValue(forKey: ticket) else { return }
            failed(attempt, now: now, &effects)
        case .accountCreated(let ticket, let name):
            guard let attempt = inFlight.removeValue(forKey: ticket) else { return }
            audit(.registered, name, attempt.address, now, &effects)
            claim(Claim(session: attempt.session, name: name, registered: true), address: attempt.address, now: now, &effects)
        case .accountNameTaken(let ticket):
            guard let attempt = inFlight.removeValue(forKey: ticket) else { return }
            refuse(attempt.session, .nameTaken, "\(attempt.name) is taken", &effects)
        case .failed(let ticket):
            guard let attempt = inFlight.removeValue(forKey: ticket) else { return }
            refuse(attempt.session, .storeFailed, "the server could not reach its database; try again", &effects)
        case .messageStored:
            break // Not the Gate's business.
        }
    }

    private mutating func verified(_ ticket: Ticket, matches: Bool, rehashed: PasswordHash?, now: Instant, _ effects: inout [GateEffect]) {
        guard let attempt = inFlight.removeValue(forKey: ticket) else { return }
        guard matches else { return failed(attempt, now: now, &effects) }
        if let rehashed { effects.append(.store(.updatePasswordHash(attempt.name, rehashed))) }
        failures.forget(account: attempt.name.key)
        claim(Claim(session: attempt.session, name: attempt.name, registered: false), address: attempt.address, now: now, &effects)
    }

    private mutating func failed(_ attempt: Attempt, now: Instant, _ effects: inout [GateEffect]) {
        failures.record(account: attempt.name.key, address: attempt.address, now: now, limits: limits)
        audit(.loginFailed, attempt.name, attempt.address, now, &effects)
        refuse(attempt.session, .wrongCredentials, "wrong name or password", &effects)
    }

    /// Grants the account, or, if a session holds it, asks that session to go first.
    private mutating func claim(_ claim: Claim, address: String, now: Instant, _ effects: inout [GateEffect]) {
        let key = claim.name.key
        guard let holder = online[key] else {
            return grant(claim, address: address, now: now, &effects)
        }
        if let overtaken = waiting[key] {
            refuse(overtaken.session, .superseded, "a newer login for \(claim.name) took over", &effects)
        } else {
            effects.append(.session(holder, .replaced))
        }
        waiting[key] = claim
    }

    private mutating func grant(_ claim: Claim, address: String?, now: Instant, _ effects: inout [GateEffect]) {
        online[claim.name.key] = claim.session
        if !claim.registered { audit(.login, claim.name, address, now, &effects) }
        effects.append(.session(claim.session, .loggedIn(claim.name, registered: claim.registered)))
    }

    private mutating func logout(_ session: SessionID, _ name: Name, reason: LogoutReason, now: Instant, _ effects: inout [GateEffect]) {
        let key = name.key
        guard online[key] == session else { return } // Stale: this session no longer holds it.
        online[key] = nil
        effects.append(.store(.audit(AuditRecord(.logout, account: name, detail: reason.rawValue, at: now))))
        if let next = waiting.removeValue(forKey: key) {
            grant(next, address: nil, now: now, &effects)
        }
    }

    private func refuse(_ session: SessionID, _ code: ErrorCode, _ text: String, _ effects: inout [GateEffect]) {
        effects.append(.session(session, .loginRefused(code, text)))
    }

    private func audit(_ kind: AuditRecord.Kind, _ name: Name, _ address: String?, _ now: Instant, _ effects: inout [GateEffect]) {
        effects.append(.store(.audit(AuditRecord(kind, account: name, address: address, at: now))))
    }
}

/// Failed logins per account and per address, in fixed windows.
struct FailureCounter: Sendable {
    private struct Window: Sendable {
        var start: Instant
        var count: Int
    }

    private var byAccount: [String: Window] = [:]
    private var byAddress: [String: Window] = [:]

    func isLockedOut(account: String, address: String, now: Instant, limits: Limits) -> Bool {
        FailureCounter.exceeded(byAccount[account], now: now, limits: limits)
            || FailureCounter.exceeded(byAddress[address], now: now, limits: limits)
    }

    mutating func record(account: String, address: String, now: Instant, limits: Limits) {
        FailureCounter.bump(&byAccount[account], now: now, limits: limits)
        FailureCounter.bump(&byAddress[address], now: now, limits: limits)
        if byAccount.count + byAddress.count > 10_000 { prune(now: now, limits: limits) }
    }

    mutating func forget(account: String) {
        byAccount[account] = nil
    }

    private static func exceeded(_ window: Window?, now: Instant, limits: Limits) -> Bool {
        guard let window, now - window.start < limits.failedLoginWindow else { return false }
        return window.count >= limits.maxFailedLogins
    }

    private static func bump(_ window: inout Window?, now: Instant, limits: Limits) {
        if let current = window, now - current.start < limits.failedLoginWindow {
            window = Window(start: current.start, count: current.count + 1)
        } else {
            window = Window(start: now, count: 1)
        }
    }

    /// Forgets windows that have run out, so an attacker cannot grow this without bound.
    private mutating func prune(now: Instant, limits: Limits) {
        byAccount = byAccount.filter { now - $0.value.start < limits.failedLoginWindow }
        byAddress = byAddress.filter { now - $0.value.start < limits.failedLoginWindow }
    }
}
