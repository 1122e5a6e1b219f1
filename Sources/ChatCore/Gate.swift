/// The Gate: registration, login, and which accounts are online.
///
/// A login is a small pipeline the Gate steers by tickets: fetch the account from the
/// store, verify the password on the hashing pool (against a dummy hash when there is no
/// such account, so that both answers take one path and one time), then claim the
/// account. A claim on an account that is online sends the older session `replaced`; the
/// newer one waits until the older has left its room and logged out, so an account never
/// has two live sessions and the newcomer finds `global` without its ghost. Registration
/// asks the store whether the name is free, hashes, then lets the store's unique index
/// decide who gets the name.
///
/// The login policy (`LoginThrottle`): a login takes its places in the limits when it is
/// accepted, so logins in flight count; failures are counted per (account, address) with
/// a growing backoff and per address; registrations per address. Hashing jobs wait in the
/// Gate's `HashQueue`, in turn by address, one at a time per address and per account.
public struct Gate: ChatActor {
    private let limits: Limits
    private var tickets = TicketCounter()
    private var inFlight: [Ticket: Attempt] = [:]
    /// The ticket of each session's attempt in flight (a session has one at a time).
    private var attemptOf: [SessionID: Ticket] = [:]
    /// Accounts held by a session, from the grant until that session logs out.
    private var online: [String: SessionID] = [:]
    /// A login that has proved itself and waits for the account's older session to go.
    private var waiting: [String: Claim] = [:]
    private var throttle: LoginThrottle
    private var queue = HashQueue()

    /// A login or registration between its request and its answer.
    private struct Attempt: Sendable {
        enum Kind: Sendable { case register, login }
        enum Stage: Sendable {
            /// Asked the store for the account.
            case fetching
            /// In the Gate's queue for the hashing pool.
            case queued
            /// At the hashing pool.
            case hashing
            /// A registration, asking the store to create the account.
            case creating
        }

        let kind: Kind
        let session: SessionID
        var name: Name
        let password: Password
        let address: String
        var stage = Stage.fetching
        /// What a login's password is checked against: the account's hash, or the dummy.
        var against: PasswordHash?
        /// The session closed while the store was looking the account up.
        var abandoned = false

        var job: HashQueue.Job.Kind { kind == .login ? .verify(name.key) : .hash }
    }

    private struct Claim: Sendable {
        let session: SessionID
        let name: Name
        let registered: Bool
    }

    public init(limits: Limits = .standard) {
        self.limits = limits
        self.throttle = LoginThrottle(limits: limits)
    }

    // MARK: - What others may read

    /// Which session holds each online account (keys are name keys).
    public var onlineAccounts: [String: SessionID] { online }
    public var attemptsInFlight: Int { inFlight.count }

    // MARK: - Mail

    public mutating func receive(_ message: GateMessage, now: Instant, into effects: inout [GateEffect]) {
        switch message {
        case .register(let session, let name, let password, let address):
            if let refusal = throttle.refusal(registrationFrom: address, now: now) {
                refuse(session, .rateLimited, refusal, &effects)
            } else if admit(session, &effects) {
                throttle.recordRegistration(from: address, now: now)
                begin(
                    Attempt(kind: .register, session: session, name: name, password: password, address: address),
                    &effects)
            }
        case .login(let session, let name, let password, let address):
            guard admit(session, &effects) else { break }
            if let refusal = throttle.admit(login: name, from: address, now: now) {
                refuse(session, .rateLimited, refusal, &effects)
            } else {
                begin(
                    Attempt(kind: .login, session: session, name: name, password: password, address: address), &effects)
            }
        case .hashed(let ticket, let hash):
            guard let attempt = fromPool(ticket) else { break }
            inFlight[ticket]?.stage = .creating
            effects.append(.store(.createAccount(ticket, attempt.name, hash, at: now, replyTo: .gate)))
        case .hashFailed(let ticket):
            guard let attempt = fromPool(ticket) else { break }
            end(ticket)
            refuse(attempt.session, .serverBusy, "the server could not hash your password; try again", &effects)
        case .verified(let ticket, let matches, let rehashed):
            verified(ticket, matches: matches, rehashed: rehashed, now: now, &effects)
        case .store(let reply):
            stored(reply, now: now, &effects)
        case .logout(let session, let name, let reason):
            logout(session, name, reason: reason, now: now, &effects)
        case .loginAbandoned(let session):
            abandoned(session, &effects)
        }
        pump(&effects)
    }

    /// The server-wide bound on attempts in flight.
    private func admit(_ session: SessionID, _ effects: inout [GateEffect]) -> Bool {
        guard inFlight.count < limits.maxPendingLogins else {
            refuse(session, .serverBusy, "too many logins at once; try again soon", &effects)
            return false
        }
        return true
    }

    /// Both pipelines start at the store: is there such an account?
    private mutating func begin(_ attempt: Attempt, _ effects: inout [GateEffect]) {
        let ticket = tickets.take()
        inFlight[ticket] = attempt
        attemptOf[attempt.session] = ticket
        effects.append(.store(.fetchAccount(ticket, attempt.name, replyTo: .gate)))
    }

    private mutating func end(_ ticket: Ticket) {
        guard let attempt = inFlight.removeValue(forKey: ticket) else { return }
        if attemptOf[attempt.session] == ticket { attemptOf[attempt.session] = nil }
    }

    private mutating func stored(_ reply: StoreReply, now: Instant, _ effects: inout [GateEffect]) {
        switch reply {
        case .accountFound(let ticket, let name, let hash):
            guard var attempt = inFlight[ticket] else { return }
            if attempt.abandoned { return drop(ticket, &effects) }
            guard attempt.kind == .login else {
                end(ticket)
                return refuse(attempt.session, .nameTaken, "\(attempt.name) is taken", &effects)
            }
            attempt.name = name
            attempt.against = hash
            enqueue(ticket, attempt)
        case .accountMissing(let ticket):
            guard var attempt = inFlight[ticket] else { return }
            if attempt.abandoned { return drop(ticket, &effects) }
            if attempt.kind == .login { attempt.against = PasswordHash.noAccount }
            enqueue(ticket, attempt)
        case .accountBanned(let ticket):
            guard let attempt = inFlight[ticket] else { return }
            guard attempt.kind == .login else {
                end(ticket)
                return refuse(attempt.session, .nameTaken, "\(attempt.name) is taken", &effects)
            }
            // No password was checked: the attempt gives its places back.
            throttle.release(login: attempt.name.key, from: attempt.address)
            end(ticket)
            audit(.loginBanned, attempt.name, attempt.address, now, &effects)
            refuse(attempt.session, .banned, "\(attempt.name) is banned from this server", &effects)
        case .accountCreated(let ticket, let name):
            guard let attempt = inFlight[ticket] else { return }
            end(ticket)
            audit(.registered, name, attempt.address, now, &effects)
            claim(
                Claim(session: attempt.session, name: name, registered: true), address: attempt.address, now: now,
                &effects)
        case .accountNameTaken(let ticket):
            guard let attempt = inFlight[ticket] else { return }
            end(ticket)
            refuse(attempt.session, .nameTaken, "\(attempt.name) is taken", &effects)
        case .failed(let ticket):
            guard let attempt = inFlight[ticket] else { return }
            if attempt.kind == .login { throttle.release(login: attempt.name.key, from: attempt.address) }
            end(ticket)
            refuse(attempt.session, .storeFailed, "the server could not reach its database; try again", &effects)
        case .messageStored:
            break  // Not the Gate's business.
        }
    }

    private mutating func enqueue(_ ticket: Ticket, _ attempt: Attempt) {
        var attempt = attempt
        attempt.stage = .queued
        inFlight[ticket] = attempt
        queue.add(HashQueue.Job(ticket: ticket, kind: attempt.job), from: attempt.address)
    }

    /// Sends the hashing pool every job that may go now.
    private mutating func pump(_ effects: inout [GateEffect]) {
        guard !queue.isEmpty else { return }
        let exemptLoopback = limits.exemptLoopback
        while let job = queue.next(
            slots: limits.hashingSlots, exempt: { exemptLoopback && AddressQuota.isLoopback($0) })
        {
            guard let attempt = inFlight[job.ticket] else { continue }
            inFlight[job.ticket]?.stage = .hashing
            switch attempt.kind {
            case .register: effects.append(.hasher(.hash(job.ticket, attempt.password)))
            case .login:
                effects.append(
                    .hasher(.verify(job.ticket, attempt.password, against: attempt.against ?? PasswordHash.noAccount)))
            }
        }
    }

    /// The pool answered a job: its place at the pool is free.
    private mutating func fromPool(_ ticket: Ticket) -> Attempt? {
        guard let attempt = inFlight[ticket], attempt.stage == .hashing else { return nil }
        queue.done(HashQueue.Job(ticket: ticket, kind: attempt.job), from: attempt.address)
        return attempt
    }

    private mutating func verified(
        _ ticket: Ticket, matches: Bool, rehashed: PasswordHash?, now: Instant, _ effects: inout [GateEffect]
    ) {
        guard let attempt = fromPool(ticket) else { return }
        end(ticket)
        // A dummy hash never lets anyone in, whatever the pool says.
        let matched = matches && attempt.against != PasswordHash.noAccount
        throttle.checked(login: attempt.name.key, from: attempt.address, matched: matched, now: now)
        guard matched else {
            audit(.loginFailed, attempt.name, attempt.address, now, &effects)
            return refuse(attempt.session, .wrongCredentials, "wrong name or password", &effects)
        }
        if let rehashed { effects.append(.store(.updatePasswordHash(attempt.name, rehashed))) }
        claim(
            Claim(session: attempt.session, name: attempt.name, registered: false), address: attempt.address, now: now,
            &effects)
    }

    /// The session has gone: drop its work that has not reached the pool, and answer it.
    /// Work at the pool or the store finishes as usual (its answer settles the session).
    private mutating func abandoned(_ session: SessionID, _ effects: inout [GateEffect]) {
        guard let ticket = attemptOf[session], let attempt = inFlight[ticket] else { return }
        switch attempt.stage {
        case .fetching:
            inFlight[ticket]?.abandoned = true
        case .queued:
            _ = queue.remove(ticket, from: attempt.address)
            drop(ticket, &effects)
        case .hashing, .creating:
            break
        }
    }

    /// Ends an attempt whose password was never checked, giving back its places.
    private mutating func drop(_ ticket: Ticket, _ effects: inout [GateEffect]) {
        guard let attempt = inFlight[ticket] else { return }
        if attempt.kind == .login { throttle.release(login: attempt.name.key, from: attempt.address) }
        end(ticket)
        refuse(attempt.session, .serverBusy, "the login was abandoned", &effects)
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

    private mutating func logout(
        _ session: SessionID, _ name: Name, reason: LogoutReason, now: Instant, _ effects: inout [GateEffect]
    ) {
        let key = name.key
        guard online[key] == session else { return }  // Stale: this session no longer holds it.
        online[key] = nil
        effects.append(.store(.audit(AuditRecord(.logout, account: name, detail: reason.rawValue, at: now))))
        if let next = waiting.removeValue(forKey: key) {
            grant(next, address: nil, now: now, &effects)
        }
    }

    private func refuse(_ session: SessionID, _ code: ErrorCode, _ text: String, _ effects: inout [GateEffect]) {
        effects.append(.session(session, .loginRefused(code, text)))
    }

    private func audit(
        _ kind: AuditRecord.Kind, _ name: Name, _ address: String?, _ now: Instant, _ effects: inout [GateEffect]
    ) {
        effects.append(.store(.audit(AuditRecord(kind, account: name, address: address, at: now))))
    }
}

extension PasswordHash {
    /// What a login for a missing account is checked against. No password matches it; the
    /// hashing pool verifies it against a real hash of its own cost, so that a missing
    /// account costs what an existing one does.
    public static let noAccount = PasswordHash("$parley-no-account$")
}
