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
public struct Gate: ChatActor, Hashable {
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
    /// Name keys of online accounts that logged in as operators.
    private var operators: Set<String> = []
    /// Accounts banned or unbanned by `/ban` and `/unban` since start, as the store
    /// acknowledged them: a login whose account was fetched before the ban is refused at
    /// its grant. (Bans from before start are the store's word at `fetchAccount`.)
    private var bannedHere: Set<String> = []
    /// `/ban` and `/unban` orders the store has not acknowledged yet.
    private var banOrders: [Ticket: BanOrder] = [:]

    private struct BanOrder: Hashable, Sendable {
        let session: SessionID
        let by: Name
        let target: Name
        let reason: String?
        let banning: Bool
    }

    /// A login or registration between its request and its answer.
    private struct Attempt: Hashable, Sendable {
        /// `passwd` carries the new password; its old one is `password`.
        enum Kind: Hashable, Sendable { case register, login, passwd(new: Password) }
        enum Stage: Hashable, Sendable {
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
        /// The account's operator flag, from the store.
        var isOperator = false
        /// A `/passwd` whose old password matched: its next job hashes the new one.
        var oldPasswordMatched = false

        var job: HashQueue.Job.Kind {
            switch kind {
            case .register: return .hash
            case .login: return .verify(name.key)
            case .passwd: return oldPasswordMatched ? .hash : .verify(name.key)
            }
        }

        /// A login or a `/passwd`: it takes places in the login limits and checks a password.
        var checksPassword: Bool {
            switch kind {
            case .register: return false
            case .login, .passwd: return true
            }
        }

        /// A login or registration is answered as such; a `/passwd` with a line.
        var isPasswordChange: Bool {
            switch kind {
            case .passwd: return true
            case .register, .login: return false
            }
        }
    }

    private struct Claim: Hashable, Sendable {
        let session: SessionID
        let name: Name
        let registered: Bool
        var isOperator = false
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
            // Either way the pool has a free slot: the queue is pumped below.
            if attempt.isPasswordChange {
                passwordHashed(ticket, attempt, hash, now: now, &effects)
            } else {
                inFlight[ticket]?.stage = .creating
                effects.append(.store(.createAccount(ticket, attempt.name, hash, at: now, replyTo: .gate)))
            }
        case .hashFailed(let ticket):
            guard let attempt = fromPool(ticket) else { break }
            end(ticket)
            answer(attempt, .serverBusy, "the server could not hash your password; try again", &effects)
        case .verified(let ticket, let matches, let rehashed):
            verified(ticket, matches: matches, rehashed: rehashed, now: now, &effects)
        case .store(let reply):
            stored(reply, now: now, &effects)
        case .logout(let session, let name, let reason):
            logout(session, name, reason: reason, now: now, &effects)
        case .loginAbandoned(let session):
            abandoned(session, &effects)
        case .setBanned(let session, let by, let target, let reason, let banning):
            orderBan(BanOrder(session: session, by: by, target: target, reason: reason, banning: banning), &effects)
        case .changePassword(let session, let name, let old, let new, let address):
            guard admit(session, loggedIn: true, &effects) else { break }
            if let refusal = throttle.admit(login: name, from: address, now: now) {
                turnAway(session, loggedIn: true, .rateLimited, refusal, &effects)
            } else {
                begin(
                    Attempt(kind: .passwd(new: new), session: session, name: name, password: old, address: address),
                    &effects)
            }
        }
        pump(&effects)
    }

    /// The server-wide bound on attempts in flight; `loggedIn`: a `/passwd`'s.
    private func admit(_ session: SessionID, loggedIn: Bool = false, _ effects: inout [GateEffect]) -> Bool {
        guard inFlight.count < limits.maxPendingLogins else {
            turnAway(session, loggedIn: loggedIn, .serverBusy, "too many logins at once; try again soon", &effects)
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
        case .accountFound(let ticket, let name, let hash, let isOperator):
            guard var attempt = inFlight[ticket] else { return }
            if attempt.abandoned { return drop(ticket, &effects) }
            if case .register = attempt.kind {
                end(ticket)
                return refuse(attempt.session, .nameTaken, "\(attempt.name) is taken", &effects)
            }
            attempt.name = name
            attempt.against = hash
            attempt.isOperator = isOperator
            enqueue(ticket, attempt)
        case .accountMissing(let ticket):
            if let order = banOrders.removeValue(forKey: ticket) {
                let line = ServerLine.error(.noSuchUser, "no account named \(order.target)")
                return effects.append(.session(order.session, .deliver(line)))
            }
            guard var attempt = inFlight[ticket] else { return }
            if attempt.abandoned { return drop(ticket, &effects) }
            if case .register = attempt.kind {} else { attempt.against = PasswordHash.noAccount }
            enqueue(ticket, attempt)
        case .accountBanned(let ticket):
            guard let attempt = inFlight[ticket] else { return }
            switch attempt.kind {
            case .register:
                end(ticket)
                return refuse(attempt.session, .nameTaken, "\(attempt.name) is taken", &effects)
            case .login, .passwd:
                break
            }
            // No password was checked: the attempt gives its places back.
            throttle.release(login: attempt.name.key, from: attempt.address)
            end(ticket)
            audit(.loginBanned, attempt.name, attempt.address, now, &effects)
            answer(attempt, .banned, "\(attempt.name) is banned from this server", &effects)
        case .banChanged(let ticket):
            guard let order = banOrders.removeValue(forKey: ticket) else { return }
            banChanged(order, now: now, &effects)
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
            if let order = banOrders.removeValue(forKey: ticket) {
                let line = ServerLine.error(.storeFailed, "the ban could not be saved; nothing changed")
                return effects.append(.session(order.session, .deliver(line)))
            }
            guard let attempt = inFlight[ticket] else { return }
            if attempt.checksPassword { throttle.release(login: attempt.name.key, from: attempt.address) }
            end(ticket)
            answer(attempt, .storeFailed, "the server could not reach its database; try again", &effects)
        case .messageStored, .history:
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
            case .passwd(let new) where attempt.oldPasswordMatched:
                effects.append(.hasher(.hash(job.ticket, new)))
            case .login, .passwd:
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
        guard var attempt = fromPool(ticket) else { return }
        // A dummy hash never lets anyone in, whatever the pool says.
        let matched = matches && attempt.against != PasswordHash.noAccount
        throttle.checked(login: attempt.name.key, from: attempt.address, matched: matched, now: now)
        guard matched else {
            end(ticket)
            audit(.loginFailed, attempt.name, attempt.address, now, &effects)
            let text = attempt.isPasswordChange ? "wrong password; it is unchanged" : "wrong name or password"
            return answer(attempt, .wrongCredentials, text, &effects)
        }
        if attempt.isPasswordChange {
            // The old one is right: hash the new one, in the queue like any other job.
            attempt.oldPasswordMatched = true
            return enqueue(ticket, attempt)
        }
        end(ticket)
        if let rehashed { effects.append(.store(.updatePasswordHash(attempt.name, rehashed))) }
        let claim = Claim(
            session: attempt.session, name: attempt.name, registered: false, isOperator: attempt.isOperator)
        self.claim(claim, address: attempt.address, now: now, &effects)
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
        if attempt.checksPassword { throttle.release(login: attempt.name.key, from: attempt.address) }
        end(ticket)
        answer(attempt, .serverBusy, "the login was abandoned", &effects)
    }

    /// The new password is hashed: the store takes it (in order, so the next login's fetch
    /// reads it) and the old one stops working.
    private mutating func passwordHashed(
        _ ticket: Ticket, _ attempt: Attempt, _ hash: PasswordHash, now: Instant, _ effects: inout [GateEffect]
    ) {
        end(ticket)
        effects.append(.store(.updatePasswordHash(attempt.name, hash)))
        audit(.passwordChanged, attempt.name, attempt.address, now, &effects)
        effects.append(.session(attempt.session, .deliver(.ok(.passwordChanged))))
    }

    /// `/ban` or `/unban`: from an online operator, about someone else; the store first.
    private mutating func orderBan(_ order: BanOrder, _ effects: inout [GateEffect]) {
        let line: ServerLine
        if online[order.by.key] != order.session || !operators.contains(order.by.key) {
            line = .error(.notOperator, "only an operator can /\(order.banning ? "ban" : "unban")")
        } else if order.target.key == order.by.key {
            line = .error(.noSuchUser, "you cannot ban yourself")
        } else {
            let ticket = tickets.take()
            banOrders[ticket] = order
            return effects.append(.store(.setBanned(ticket, order.target, order.banning, replyTo: .gate)))
        }
        effects.append(.session(order.session, .deliver(line)))
    }

    /// The store holds the ban: the account's live session goes (`BYE banned`), a login
    /// waiting for it is refused, and later grants are refused too.
    private mutating func banChanged(_ order: BanOrder, now: Instant, _ effects: inout [GateEffect]) {
        let key = order.target.key
        let detail = order.target.text + (order.reason.map { " because \($0)" } ?? "")
        effects.append(
            .store(.audit(AuditRecord(order.banning ? .ban : .unban, account: order.by, detail: detail, at: now))))
        guard order.banning else {
            bannedHere.remove(key)
            return effects.append(.session(order.session, .deliver(.ok(.unbanned(order.target)))))
        }
        bannedHere.insert(key)
        if let holder = online[key] { effects.append(.session(holder, .banned)) }
        if let claim = waiting.removeValue(forKey: key) {
            refuse(claim.session, .banned, "\(claim.name) is banned from this server", &effects)
        }
        effects.append(.session(order.session, .deliver(.ok(.banned(order.target)))))
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
        guard !bannedHere.contains(claim.name.key) else {
            // Fetched before a `/ban` the store has since acknowledged.
            return refuse(claim.session, .banned, "\(claim.name) is banned from this server", &effects)
        }
        online[claim.name.key] = claim.session
        if claim.isOperator { operators.insert(claim.name.key) }
        if !claim.registered { audit(.login, claim.name, address, now, &effects) }
        effects.append(
            .session(claim.session, .loggedIn(claim.name, registered: claim.registered, isOperator: claim.isOperator)))
    }

    private mutating func logout(
        _ session: SessionID, _ name: Name, reason: LogoutReason, now: Instant, _ effects: inout [GateEffect]
    ) {
        let key = name.key
        guard online[key] == session else { return }  // Stale: this session no longer holds it.
        online[key] = nil
        operators.remove(key)
        effects.append(.store(.audit(AuditRecord(.logout, account: name, detail: reason.rawValue, at: now))))
        if let next = waiting.removeValue(forKey: key) {
            grant(next, address: nil, now: now, &effects)
        }
    }

    /// Answers an attempt that failed.
    private func answer(_ attempt: Attempt, _ code: ErrorCode, _ text: String, _ effects: inout [GateEffect]) {
        turnAway(attempt.session, loggedIn: attempt.isPasswordChange, code, text, &effects)
    }

    /// A login or registration is refused; a logged-in session (a `/passwd`) gets an `ERR`
    /// line, since it takes no login refusal and the command would go unanswered.
    private func turnAway(
        _ session: SessionID, loggedIn: Bool, _ code: ErrorCode, _ text: String, _ effects: inout [GateEffect]
    ) {
        if loggedIn {
            effects.append(.session(session, .deliver(.error(code, text))))
        } else {
            refuse(session, code, text, &effects)
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
