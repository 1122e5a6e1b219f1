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

/// What the checker knows of logins and password checks. A run meets a handful of
/// accounts and addresses; each gets a small number, so a step hashes no strings.
struct LoginLedger: Sendable {
    /// A login the Gate took on (it asked the store for the account).
    struct Login: Hashable, Sendable {
        let account: Int
        /// The address's key (an IPv6 /64 as one), for the address-wide counts, and the
        /// address itself, for the (account, address) pair.
        let address: Int
        let exact: Int
        let session: SessionID
    }

    /// A password check: a verify the Gate sent the hashing pool for a login.
    struct Check: Hashable, Sendable {
        let account: Int
        let exact: Int
        let sent: Instant
        var open = true
        var matched = false
    }

    /// Account name keys and addresses by number.
    var accounts: [String] = []
    var addresses: [String] = []
    var logins: [Ticket: Login] = [:]
    var checks: [Check] = []
    /// Where each check in flight is in `checks`.
    var checkIndex: [Ticket: (check: Int, address: Int)] = [:]
    /// Per address: the checks that may still count (in flight, or failed within the
    /// window; one that matched or left its window never counts again), whether one ever
    /// failed, and how many logins it has at the Gate unanswered.
    var live: [[Int]] = []
    var failedFrom: [Bool] = []
    var openPerAddress: [Int] = []
    /// The address of each session's login at the Gate, by session number (-1: none).
    var openLogins: [Int] = []
    /// When each (account, address) pair last had as many checks as its limit.
    var filled: [Int: Instant] = [:]
    /// The registrations the Gate took on, by address key, the latest few (never more than
    /// the limit plus one).
    var registrations: [String: [Instant]] = [:]
    /// A job at the hashing pool: the exact address's number and, for a login's check, the
    /// account's (nil: a registration's hash); a `/passwd`'s check and new hash are its account's.
    struct PoolJob: Hashable, Sendable {
        let address: Int
        let account: Int?
    }

    /// The jobs the Gate has sent the hashing pool and the pool has not answered.
    var atPool: [Ticket: PoolJob] = [:]
    /// The exact address (its number) each session last asked the Gate from, by slot.
    var slotAddresses: [Int: Int] = [:]
    /// The jobs waiting for the pool, and the order they must leave in.
    var queue = HashQueueModel()
    /// The Gate's attempts in flight (logins, registrations, `/passwd`), from the
    /// store fetch that starts one to the step that ends it, and whose each is.
    var gateAttempts: [Ticket: SessionID] = [:]
    /// Each `/passwd` the Gate took on, by ticket: whether its old password was the account's.
    var passwordChanges: [Ticket: Bool] = [:]

    mutating func account(_ key: String) -> Int {
        if let index = accounts.firstIndex(of: key) { return index }
        accounts.append(key)
        return accounts.count - 1
    }

    mutating func address(_ address: String) -> Int {
        if let index = addresses.firstIndex(of: address) { return index }
        addresses.append(address)
        live.append([])
        failedFrom.append(false)
        openPerAddress.append(0)
        return addresses.count - 1
    }

    mutating func open(_ session: SessionID, at address: Int) {
        let slot = Int(session.rawValue)
        while openLogins.count <= slot { openLogins.append(-1) }
        openLogins[slot] = address
        openPerAddress[address] += 1
    }

    mutating func close(_ session: SessionID) {
        let slot = Int(session.rawValue)
        guard slot < openLogins.count, openLogins[slot] >= 0 else { return }
        openPerAddress[openLogins[slot]] -= 1
        openLogins[slot] = -1
    }
}

extension World {
    /// The login policy's invariants, for one step of the Gate.
    mutating func checkLoginPolicy(_ message: GateMessage, _ effects: [GateEffect]) {
        checkPendingBound(message, effects)
        switch message {
        case .login(let session, _, _, let address), .register(let session, _, _, let address),
            .changePassword(let session, _, _, _, let address):
            if let slot = slot(session) { logins.slotAddresses[slot] = logins.address(address) }
        case .hashed(let ticket, _), .hashFailed(let ticket), .verified(let ticket, _, _):
            if let job = logins.atPool.removeValue(forKey: ticket) {
                let stillThere = logins.atPool.values.contains { $0.address == job.address }
                logins.queue.answered(from: job.address, stillAtPool: stillThere)
            }
        case .store(.accountFound(let ticket, _, _, _)), .store(.accountMissing(let ticket)):
            noteWaiting(ticket, effects)
        case .loginAbandoned(let session):
            let answered = effects.contains { if case .session(session, _) = $0 { true } else { false } }
            if answered, let slot = slot(session),
                let ticket = logins.queue.waiting.keys.first(where: { ticketOwners[$0] == slot }),
                let job = logins.queue.waiting[ticket]
            {
                logins.queue.dropped(ticket, atPool: logins.atPool.values.contains { $0.address == job.address })
            }
        default:
            break
        }
        switch message {
        // A `/passwd` checks its old password like a login, in the same limits.
        case .login(let session, let name, _, let address), .changePassword(let session, let name, _, _, let address):
            let from = logins.address(World.addressKey(address))
            let exact = logins.address(address)
            if refusedAsRateLimited(session, effects) {
                hazards.insert(.loginThrottled)
                if !logins.failedFrom[from], logins.openPerAddress[from] == 0 {
                    fail(
                        .noStrangerLockout,
                        "\(label(session)) logging in as \(name) from \(address), which never failed a check and had nothing else in flight, was refused as rate-limited"
                    )
                }
            }
            logins.open(session, at: from)
            for case .store(.fetchAccount(let ticket, _, _)) in effects {
                logins.logins[ticket] = LoginLedger.Login(
                    account: logins.account(name.key), address: from, exact: exact, session: session)
            }
        case .register(let session, _, _, let address):
            checkRegistration(session, from: address, effects)
        case .verified(let ticket, let matches, _):
            if let (index, address) = logins.checkIndex.removeValue(forKey: ticket) {
                logins.checks[index].open = false
                logins.checks[index].matched = matches
                if !matches { logins.failedFrom[address] = true }
            }
            // Its new password's hash joins the queue (it may leave for the pool in this same
            // step), a job like any other.
            if passwordChangeGoesOn(message, effects), let owner = ticketOwners[ticket],
                let address = logins.slotAddresses[owner]
            {
                logins.queue.enter(ticket, HashQueueModel.Waiting(address: address, account: nil))
            }
        case .store(.accountFound(let ticket, _, _, _)), .store(.accountMissing(let ticket)),
            .store(.accountBanned(let ticket)):
            noteQueued(ticket, effects)
        default:
            break
        }
        for effect in effects {
            switch effect {
            case .hasher(.hash(let ticket, _)):
                takeTurn(ticket)
                toPool(ticket, checksPassword: false)
            case .hasher(.verify(let ticket, _, _)):
                checked(ticket)
                takeTurn(ticket)
                toPool(ticket, checksPassword: true)
            case .session(let id, .loginRefused(let code, _)):
                if code == .wrongCredentials { requireCheck(before: id, message) }
                logins.close(id)
            case .session(let id, .loggedIn):
                logins.close(id)
            case .session(let id, .deliver(.ok(.passwordChanged))):
                logins.close(id)
            case .session(let id, .deliver(.error)) where answersPasswordChange(message):
                // The Gate's answer to a `/passwd` comes as a line (a logged-in session's);
                // so does its answer to a `/ban`, which ends no login.
                logins.close(id)
            default:
                break
            }
        }
    }

    /// A `/passwd`'s old password matched and its session was told nothing: the Gate goes on
    /// to hash the new one, at once or in the queue behind other work.
    func passwordChangeGoesOn(_ message: GateMessage, _ effects: [GateEffect]) -> Bool {
        guard case .verified(let ticket, true, _) = message, logins.passwordChanges[ticket] != nil,
            let owner = ticketOwners[ticket]
        else { return false }
        let session = sessions[owner].id
        return !effects.contains { if case .session(session, _) = $0 { true } else { false } }
    }

    /// Whether the Gate's step on `message` is one of a `/passwd`'s: its request, or the
    /// store's or the pool's answer for its ticket.
    private func answersPasswordChange(_ message: GateMessage) -> Bool {
        switch message {
        case .changePassword: return true
        case .verified(let ticket, _, _), .hashed(let ticket, _), .hashFailed(let ticket):
            return logins.passwordChanges[ticket] != nil
        case .store(let reply): return logins.passwordChanges[reply.ticket] != nil
        default: return false
        }
    }

    /// A registration the Gate took on (it did not refuse it) counts in its address's
    /// window whatever becomes of it; one window never holds more than the limit.
    private mutating func checkRegistration(_ session: SessionID, from address: String, _ effects: [GateEffect]) {
        let key = World.addressKey(address)
        let window = limits.registrationWindow
        let limit = max(1, limits.maxRegistrationsPerAddress)
        var times = logins.registrations[key, default: []].filter { now - $0 < window }
        if refusedAsRateLimited(session, effects) {
            hazards.insert(.loginThrottled)
            guard times.count >= limit, !exempt(address) else {
                return fail(
                    .registrationBound,
                    "\(label(session))'s registration from \(key) was refused as rate-limited with \(times.count) of \(limit) in the window\(exempt(address) ? " (an exempt address)" : "")"
                )
            }
            hazards.insert(.registrationThrottled)
            return
        }
        let refused = effects.contains { effect in
            if case .session(session, .loginRefused) = effect { return true }
            return false
        }
        guard !refused, !exempt(address) else { return }
        times.append(now)
        if times.count > limit {
            fail(
                .registrationBound,
                "the Gate took on \(times.count) registrations from \(key) within \(window); the limit is \(limit)")
        }
        logins.registrations[key] = Array(times.suffix(limit + 1))
    }

    private func refusedAsRateLimited(_ session: SessionID, _ effects: [GateEffect]) -> Bool {
        effects.contains { effect in
            if case .session(session, .loginRefused(.rateLimited, _)) = effect { return true }
            return false
        }
    }

    /// A login whose account the store has answered for, and whose check the Gate holds back.
    private mutating func noteQueued(_ ticket: Ticket, _ effects: [GateEffect]) {
        guard let login = logins.logins[ticket] else { return }
        let answered = effects.contains { effect in
            switch effect {
            case .hasher(.verify(ticket, _, _)), .session(login.session, _): return true
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
        var live: [Int] = []
        for index in logins.live[login.address] {
            let check = logins.checks[index]
            guard check.open || (!check.matched && now - check.sent < window) else { continue }
            live.append(index)
            address += 1
            if check.account == login.account, check.exact == login.exact {
                pair += 1
                if check.open { pairOpen += 1 }
            }
        }
        pair += 1
        address += 1
        pairOpen += 1
        logins.checkIndex[ticket] = (logins.checks.count, login.address)
        live.append(logins.checks.count)
        logins.live[login.address] = live
        logins.checks.append(LoginLedger.Check(account: login.account, exact: login.exact, sent: now))
        let key = login.account << 16 | login.exact
        if let filled = logins.filled[key], now - filled >= window { hazards.insert(.guessWindowReopened) }
        if pair >= limits.maxFailedLogins { logins.filled[key] = now }
        let account = logins.accounts[login.account], from = logins.addresses[login.exact]
        if pair > limits.maxFailedLogins {
            return fail(
                .failedLoginBound,
                "\(pair) checks of \(account) from \(from) within \(window) (\(pairOpen) in flight); the limit is \(limits.maxFailedLogins)"
            )
        }
        if address > limits.maxFailedLoginsPerAddress, !exempt(from) {
            fail(
                .failedLoginBound,
                "\(address) checks from \(logins.addresses[login.address]) within \(window); the limit is \(limits.maxFailedLoginsPerAddress)"
            )
        }
    }

    /// The store's answer for a login or registration leaves the Gate with nothing to say
    /// to its session: its job waits for the pool (it may leave in this same step).
    private mutating func noteWaiting(_ ticket: Ticket, _ effects: [GateEffect]) {
        guard let owner = ticketOwners[ticket], let address = logins.slotAddresses[owner] else { return }
        let session = sessions[owner].id
        guard !effects.contains(where: { if case .session(session, _) = $0 { true } else { false } }) else { return }
        logins.queue.enter(ticket, HashQueueModel.Waiting(address: address, account: logins.logins[ticket]?.account))
    }

    /// A job leaves the queue for the pool: no other address in line may go before it.
    private mutating func takeTurn(_ ticket: Ticket) {
        guard let job = logins.queue.waiting[ticket] else { return }
        let mine = logins.queue.turn(of: job.address)
        for other in Set(logins.queue.waiting.values.map(\.address)) where other != job.address {
            let theirs = logins.queue.turn(of: other)
            guard theirs < mine, inLine(other) else {
                // Waiting longer, but served more recently: the turn goes by service.
                if theirs.began < mine.began, inLine(other) { hazards.insert(.hashQueueTurn) }
                continue
            }
            let from = logins.addresses[job.address], ahead = logins.addresses[other]
            fail(
                .hashingPoolBound,
                "the Gate sent the hashing pool a job from \(from) while \(ahead), served less recently, had one waiting that could go"
            )
            break
        }
        logins.queue.served(ticket, from: job.address)
    }

    /// An address is in line when it has nothing at the pool (or is exempt) and a waiting
    /// job that is not a check of an account already at the pool.
    private func inLine(_ address: Int) -> Bool {
        let jobs = logins.atPool.values
        if !exempt(logins.addresses[address]), jobs.contains(where: { $0.address == address }) { return false }
        return logins.queue.waiting.values.contains { waiting in
            guard waiting.address == address else { return false }
            guard let account = waiting.account else { return true }
            return !jobs.contains { $0.account == account }
        }
    }

    /// A job goes to the hashing pool: within its slots, alone from its address (unless
    /// exempt), and a check of an account's password (a login's, a `/passwd`'s old one)
    /// alone for its account; a new password's hash (a registration's, a `/passwd`'s new
    /// one) checks no account.
    private mutating func toPool(_ ticket: Ticket, checksPassword: Bool) {
        guard let owner = ticketOwners[ticket], let address = logins.slotAddresses[owner] else { return }
        let job = LoginLedger.PoolJob(address: address, account: checksPassword ? logins.logins[ticket]?.account : nil)
        logins.atPool[ticket] = job
        let jobs = logins.atPool.values
        if let slots = limits.hashingSlots, jobs.count > slots {
            return fail(
                .hashingPoolBound, "the Gate sent the hashing pool \(jobs.count) jobs at once; it has \(slots) slots")
        }
        let from = logins.addresses[address]
        if !exempt(from), jobs.count(where: { $0.address == address }) > 1 {
            return fail(
                .hashingPoolBound, "the Gate sent the hashing pool a second job from \(from) before the first came back"
            )
        }
        if let account = job.account, jobs.count(where: { $0.account == account }) > 1 {
            fail(
                .hashingPoolBound,
                "the Gate sent the hashing pool a second password check of \(logins.accounts[account]) before the first came back"
            )
        }
    }

    /// `wrong-credentials` must answer the check of this session's login.
    private mutating func requireCheck(before session: SessionID, _ message: GateMessage) {
        if case .verified(let ticket, _, _) = message, logins.logins[ticket]?.session == session { return }
        fail(
            .wrongCredentialsChecked,
            "\(label(session)) was told wrong-credentials on \(describe(.gate(message))), with no password check")
    }

    func exempt(_ address: String) -> Bool {
        limits.exemptLoopback && (address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127."))
    }

    /// Whom the per-address limits count an address as (PROTOCOL.md, read here and not by
    /// ChatCore's `AddressKey`): an IPv4 address, loopback and an IPv4-mapped one as
    /// themselves; any other IPv6 address by its /64, its first four groups.
    static func addressKey(_ address: String) -> String {
        guard address.contains(":"), address != "::1", !address.lowercased().hasPrefix("::ffff:") else {
            return address
        }
        let halves = address.components(separatedBy: "::")
        let head = halves[0].split(separator: ":").map { String(Int($0, radix: 16) ?? -1, radix: 16) }
        let tail =
            halves.count > 1 ? halves[1].split(separator: ":").map { String(Int($0, radix: 16) ?? -1, radix: 16) } : []
        let groups = head + Array(repeating: "0", count: max(0, 8 - head.count - tail.count)) + tail
        guard groups.count == 8, halves.count <= 2 else { return address }
        return groups.prefix(4).joined(separator: ":") + "::/64"
    }
}

extension World {
    /// The server-wide bound on the Gate's attempts in flight (`maxPendingLogins`):
    /// never more taken on, and `server-busy` for a new one only when that many are out.
    mutating func checkPendingBound(_ message: GateMessage, _ effects: [GateEffect]) {
        func refused(_ session: SessionID, busy: Bool = false) -> Bool {
            effects.contains {
                switch $0 {
                case .session(session, .loginRefused(let code, _)): return !busy || code == .serverBusy
                case .session(session, .deliver(.error(let code, _))): return busy && code == .serverBusy
                default: return false
                }
            }
        }
        let limit = limits.maxPendingLogins
        switch message {
        case .login(let session, _, _, _), .register(let session, _, _, _), .changePassword(let session, _, _, _, _):
            let open = logins.gateAttempts.count
            if refused(session, busy: true), open < limit {
                return fail(
                    .answerCodes,
                    "\(label(session)) was refused server-busy with \(open) attempts in flight at the Gate; the bound is \(limit)"
                )
            }
            for case .store(.fetchAccount(let ticket, _, _)) in effects {
                if open >= limit {
                    return fail(
                        .answerCodes,
                        "the Gate took on \(label(session))'s attempt with \(open) already in flight; the bound is \(limit)"
                    )
                }
                logins.gateAttempts[ticket] = session
            }
        case .verified(let ticket, _, _), .hashed(let ticket, _), .hashFailed(let ticket):
            // Still in flight if it goes on: a `/passwd`'s new hash, a registration's account;
            // a `/passwd` whose old password matched goes on to hash the new one, at once or
            // in the queue behind other work (no answer yet).
            let goesOn = effects.contains {
                switch $0 {
                case .hasher(.hash(ticket, _)), .store(.createAccount(ticket, _, _, _, _)): return true
                default: return false
                }
            }
            if !goesOn, !passwordChangeGoesOn(message, effects) { logins.gateAttempts[ticket] = nil }
        case .store(let reply):
            let ticket = reply.ticket
            guard let session = logins.gateAttempts[ticket] else { return }
            switch reply {
            case .accountFound, .accountMissing:
                if refused(session) { logins.gateAttempts[ticket] = nil }
            default:
                logins.gateAttempts[ticket] = nil
            }
        case .loginAbandoned(let session):
            if refused(session), let ticket = logins.gateAttempts.first(where: { $0.value == session })?.key {
                logins.gateAttempts[ticket] = nil
            }
        default:
            break
        }
    }
}
