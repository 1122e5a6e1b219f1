/// One connection's actor: it frames lines, rate-limits them, knows which room it
/// believes it is in, and turns commands into mail for the Gate, the Lobby or its room.
///
/// A session reads lines only when it is settled (`anonymous` or `present` in a room);
/// while a login or a move is in flight its lines wait, in order, so every command is
/// answered in the context its user saw. When the connection ends, the session stays
/// alive until whatever it had in flight has settled, it is out of its room, and the
/// Gate knows the account is free: only then does it retire.
public struct Session: ChatActor, Hashable {
    public let id: SessionID
    /// The peer's address, for the audit log and failed-login limits.
    public let address: String

    private let limits: Limits
    private var framer: LineFramer
    private var bucket: TokenBucket?
    private var held: [LineFramer.Output] = []
    private var state: State = .anonymous
    private var outboxBytes = 0
    /// When the session wants `tick`: the one timer both drivers read (`pendingWake`).
    private var timer: Instant?
    /// Moves later by the time a login spends with the Gate: the server's own queue is
    /// not the client's delay.
    private var loginDeadline: Instant
    /// The account's operator flag, as the Gate read it at login: may kick anywhere and ban.
    private var isOperator = false
    /// Leaving a room because it kicked this session: the return to `global` answers no
    /// command, so it says nothing (the kick's notice has said it).
    private var leavingKicked = false
    /// What `/quit MESSAGE` asked the room to tell the others as the session goes.
    private var quitMessage: String?

    enum State: Hashable, Sendable {
        case anonymous
        /// A login or registration is with the Gate, sent at this instant.
        case authenticating(since: Instant)
        case entering(Name, Entry)
        case present(Name, RoomRef)
        case moving(Name, Move)
        case leaving(Name, RoomRef)
        case closing(Name?, Unwind, LogoutReason)
        case finished
    }

    /// Why the session is entering `global`, so it can say so when it arrives.
    enum Entry: Hashable, Sendable {
        case login(registered: Bool)
        case returning(from: Name)
        /// Kicked out of a room: the kick's notice said so, so the arrival says nothing more
        /// (an `OK` answers a command, and the user typed none).
        case kicked
    }

    enum Move: Hashable, Sendable {
        case create(Name)
        case join(Name)
    }

    /// What a closing session still waits for before it can log out.
    enum Unwind: Hashable, Sendable {
        case awaitLogin
        case awaitEntry
        case awaitLeft(RoomID)
    }

    public init(id: SessionID, address: String, limits: Limits = .standard, now: Instant) {
        self.id = id
        self.address = address
        self.limits = limits
        self.framer = LineFramer(maxUnterminatedBytes: limits.maxUnterminatedBytes)
        self.bucket = limits.rate.map { TokenBucket(limit: $0, now: now) }
        self.loginDeadline = now + limits.loginDeadline
    }

    // MARK: - What others may read (the simulator's invariants, the shell's bookkeeping)

    /// The account this session holds, once logged in and until it has logged out.
    public var account: Name? {
        switch state {
        case .anonymous, .authenticating, .finished: return nil
        case .entering(let name, _), .present(let name, _), .moving(let name, _), .leaving(let name, _):
            return name
        case .closing(let name, _, _): return name
        }
    }

    /// The room this session is settled in; nil while it is between rooms or not logged in.
    public var room: RoomRef? {
        if case .present(_, let room) = state { return room }
        return nil
    }

    /// Whether the account logged in as an operator.
    public var holdsOperator: Bool { isOperator }

    /// True once the session has retired: nothing of it is left anywhere.
    public var isFinished: Bool { state == .finished }

    /// True once the connection is gone or going (the session may still be unwinding).
    public var isClosing: Bool {
        switch state {
        case .closing, .finished: return true
        case .anonymous, .authenticating, .entering, .present, .moving, .leaving: return false
        }
    }

    /// When the session wants its `tick`, if at all: the login deadline while it is not
    /// logged in, the next token while lines wait for the bucket. Both drivers read this
    /// after every event and honour its latest value, "no timer" included; a shell may
    /// sleep as long as it likes when it is nil.
    public var pendingWake: Instant? { timer }

    // MARK: - Events from the shell

    /// The connection is open: arm the login deadline.
    public mutating func opened(now: Instant) -> [SessionEffect] {
        refreshTimer(now: now)
        return []
    }

    /// Bytes arrived from the client.
    public mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        defer { refreshTimer(now: now) }
        guard !isClosing else { return effects }
        for output in framer.append(bytes) {
            if output == .overflow {
                close(.lineTooLong, "no newline in \(limits.maxUnterminatedBytes) bytes", reason: .flood, &effects)
                return effects
            }
            held.append(output)
        }
        if held.count > limits.maxHeldLines {
            close(.flood, "too many lines too fast", reason: .flood, &effects)
            return effects
        }
        pump(now: now, &effects)
        return effects
    }

    /// The time in `pendingWake` has come (a shell may also call it early: it only looks).
    public mutating func tick(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        defer { refreshTimer(now: now) }
        if isAwaitingLogin, now >= loginDeadline {
            close(.loginTimeout, "no login within \(limits.loginDeadline)", reason: .disconnected, &effects)
            return effects
        }
        pump(now: now, &effects)
        return effects
    }

    /// The shell sent this many bytes of what was written.
    public mutating func outputSent(bytes: Int) {
        outboxBytes = max(0, outboxBytes - bytes)
    }

    /// The peer hung up, or the network failed.
    public mutating func connectionLost(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        defer { refreshTimer(now: now) }
        guard !isClosing else { return effects }
        effects.append(.closeConnection)
        unwind(reason: .disconnected, &effects)
        return effects
    }

    /// The server is shutting down: say goodbye and unwind like any other close.
    public mutating func shutdown(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        defer { refreshTimer(now: now) }
        guard !isClosing else { return effects }
        close(.shutdown, "the server is shutting down", reason: .shutdown, &effects)
        return effects
    }

    /// The server's output budget is spent and this reader is among the slowest: the shell
    /// has dropped what it had unsent but the goodbye's room.
    public mutating func outputBudgetSpent(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        defer { refreshTimer(now: now) }
        guard !isClosing else { return effects }
        outboxBytes = 0
        close(.slowReader, "you are not reading fast enough for the server", reason: .slowReader, &effects)
        return effects
    }

    // MARK: - Mail from other actors

    public mutating func receive(_ message: SessionMessage, now: Instant, into effects: inout [SessionEffect]) {
        defer { refreshTimer(now: now) }
        switch state {
        case .closing(let account, let unwind, let reason):
            settle(message, account: account, unwind: unwind, reason: reason, &effects)
        case .finished:
            break  // Retired: a shell sends nothing more here, and stale mail changes nothing.
        case .anonymous, .authenticating, .entering, .present, .moving, .leaving:
            handle(message, now: now, &effects)
            pump(now: now, &effects)
        }
    }

    /// Mail for a session that is still open.
    private mutating func handle(_ message: SessionMessage, now: Instant, _ effects: inout [SessionEffect]) {
        switch message {
        case .deliver(let line):
            write(line, &effects)
        case .loggedIn(let name, let registered, let asOperator):
            switch state {
            case .authenticating:
                isOperator = asOperator
                effects.append(.send(.lobby(.enter(id, name))))
                state = .entering(name, .login(registered: registered))
            case .anonymous, .entering, .present, .moving, .leaving, .closing, .finished:
                break  // Stale: no login of this session is in flight.
            }
        case .loginRefused(let code, let text):
            switch state {
            case .authenticating(let since):
                state = .anonymous
                loginDeadline = loginDeadline + (now - since)
                write(.error(code, text), &effects)
            case .anonymous, .entering, .present, .moving, .leaving, .closing, .finished:
                break  // Stale: no login of this session is in flight.
            }
        case .entered(let room):
            switch state {
            case .entering(let name, let entry):
                state = .present(name, room)
                if let greeting = entry.greeting(account: name) { write(.ok(greeting), &effects) }
            case .moving(let name, let move):
                state = .present(name, room)
                write(.ok(move.greeting(room: room.name)), &effects)
            case .anonymous, .authenticating, .present, .leaving, .closing, .finished:
                break  // Stale: the session asked for no entry.
            }
        case .moveRefused(let code, let text):
            switch state {
            case .moving(let name, _):
                state = .present(name, .global)
                write(.error(code, text), &effects)
            case .anonymous, .authenticating, .entering, .present, .leaving, .closing, .finished:
                break  // Stale: no move is in flight.
            }
        case .left(let left):
            switch state {
            case .leaving(let name, let room) where room.id == left:
                effects.append(.send(.lobby(.enter(id, name))))
                state = .entering(name, leavingKicked ? .kicked : .returning(from: room.name))
                leavingKicked = false
            case .anonymous, .authenticating, .entering, .present, .moving, .leaving, .closing, .finished:
                break  // Stale: not leaving that room.
            }
        case .replaced:
            switch state {
            case .entering, .present, .moving, .leaving:
                close(.replaced, "your account logged in from elsewhere", reason: .replaced, &effects)
            case .anonymous, .authenticating, .closing, .finished:
                break  // Holds no account: the notice is for a session already gone.
            }
        case .banned:
            switch state {
            case .entering(let name, _), .present(let name, _), .moving(let name, _), .leaving(let name, _):
                close(.banned, "an operator banned \(name)", reason: .banned, &effects)
            case .anonymous, .authenticating, .closing, .finished:
                break  // Holds no account: the notice is for a session already gone.
            }
        case .kicked(let from, let line):
            kicked(from: from, line, &effects)
        }
    }

    /// The room has already put this session out. Out of a temporary room it goes back to
    /// `global`; out of `global` (an operator's kick) it is disconnected.
    private mutating func kicked(from room: RoomID, _ line: ServerLine, _ effects: inout [SessionEffect]) {
        switch state {
        case .present(let name, let current) where current.id == room:
            write(line, &effects)
            // The notice can overflow a slow reader's outbox: then the session closed and its
            // quit, not a leave, tells the room it is gone.
            guard case .present = state else { return }
            if room == .global {
                close(.kicked, "you were kicked from global", reason: .kicked, &effects)
            } else {
                // The leave acknowledges the kick: behind it, this session sends the room nothing.
                effects.append(.send(SessionMail.toRoom(room, .leave(id))))
                state = .leaving(name, current)
                leavingKicked = true
            }
        case .moving where room == .global:
            // Out of global before the Lobby read the move: the move is refused, then unwinds.
            write(line, &effects)
            close(.kicked, "you were kicked from global", reason: .kicked, &effects)
        case .leaving(_, let current) where current.id == room:
            write(line, &effects)  // It left already: the room answers that leave with `left`.
        case .anonymous, .authenticating, .entering, .present, .moving, .leaving, .closing, .finished:
            break  // Stale: not in that room.
        }
    }

    // MARK: - Lines

    /// Handles waiting lines while the session is settled and the bucket allows.
    private mutating func pump(now: Instant, _ effects: inout [SessionEffect]) {
        while !held.isEmpty, isSettled {
            if bucket != nil, !bucket!.take(now: now) { break }
            let output = held.removeFirst()
            switch output {
            case .line(var bytes):
                let parsed = Command.parse(bytes, minPasswordBytes: limits.minPasswordBytes)
                // The line may carry a password: zero it in place (this is its only copy).
                bytes.withUnsafeMutableBytes { SecretBytes.zero($0) }
                switch parsed {
                case .none: break
                case .success(let command)?: handle(command, now: now, &effects)
                case .failure(let error)?: write(error.serverLine, &effects)
                }
            case .tooLong, .overflow:
                write(CommandError.lineTooLong.serverLine, &effects)
            }
        }
    }

    private var isSettled: Bool {
        switch state {
        case .anonymous, .present: return true
        case .authenticating, .entering, .moving, .leaving, .closing, .finished: return false
        }
    }

    /// Not logged in and not waiting for the Gate: the login deadline runs.
    private var isAwaitingLogin: Bool {
        switch state {
        case .anonymous: return true
        case .authenticating, .entering, .present, .moving, .leaving, .closing, .finished: return false
        }
    }

    private mutating func handle(_ command: Command, now: Instant, _ effects: inout [SessionEffect]) {
        switch state {
        case .anonymous:
            handleAnonymous(command, now: now, &effects)
        case .present(let name, let room):
            handlePresent(command, account: name, room: room, &effects)
        case .authenticating, .entering, .moving, .leaving, .closing, .finished:
            preconditionFailure("a session reads lines only when settled (pump checked)")
        }
    }

    private mutating func handleAnonymous(_ command: Command, now: Instant, _ effects: inout [SessionEffect]) {
        switch command {
        case .register(let name, let password):
            guard !name.isReservedForRooms else {
                write(.error(.badName, "\(name) is reserved"), &effects)
                return
            }
            effects.append(.send(.gate(.register(id, name, password, address: address))))
            state = .authenticating(since: now)
        case .login(let name, let password):
            effects.append(.send(.gate(.login(id, name, password, address: address))))
            state = .authenticating(since: now)
        case .help:
            write(.ok(.help("commands: /register NAME PASSWORD, /login NAME PASSWORD, /help, /quit")), &effects)
        case .quit(let message):
            quitMessage = message
            close(.goodbye, "see you", reason: .quit, &effects)
        case .say, .act, .users, .whisper, .createRoom, .join, .listRooms, .leave, .kick, .ban, .unban,
            .changePassword, .history:
            write(.error(.notLoggedIn, "log in first: /register NAME PASSWORD or /login NAME PASSWORD"), &effects)
        }
    }

    private mutating func handlePresent(
        _ command: Command, account: Name, room: RoomRef, _ effects: inout [SessionEffect]
    ) {
        switch command {
        case .say(let text):
            effects.append(.send(SessionMail.toRoom(room.id, .say(id, text: text))))
        case .act(let text):
            effects.append(.send(SessionMail.toRoom(room.id, .act(id, text: text))))
        case .whisper(let target, let text):
            effects.append(.send(SessionMail.toRoom(room.id, .whisper(id, to: target, text: text))))
        case .users:
            effects.append(.send(SessionMail.toRoom(room.id, .users(id))))
        case .history(let lines):
            effects.append(.send(SessionMail.toRoom(room.id, .history(id, lines: lines))))
        case .createRoom(let name), .join(let name):
            guard room.isGlobal else {
                write(.error(.notInGlobal, "rooms are created and joined from global; /leave first"), &effects)
                return
            }
            if case .createRoom = command {
                guard !name.isReservedForRooms else {
                    write(.error(.nameTaken, "global is the global room"), &effects)
                    return
                }
                effects.append(.send(.lobby(.create(id, room: name))))
                state = .moving(account, .create(name))
            } else {
                effects.append(.send(.lobby(.join(id, room: name))))
                state = .moving(account, .join(name))
            }
        case .listRooms:
            guard room.isGlobal else {
                write(.error(.notInGlobal, "/chatrooms works in global; /leave first"), &effects)
                return
            }
            effects.append(.send(.lobby(.listRooms(id))))
        case .leave where room.isGlobal:
            close(.goodbye, "you left global", reason: .quit, &effects)
        case .leave:
            effects.append(.send(SessionMail.toRoom(room.id, .leave(id))))
            state = .leaving(account, room)
        case .help:
            effects.append(.send(SessionMail.toRoom(room.id, .help(id, asOperator: isOperator))))
        case .kick(let target, let reason):
            let request = MemberRequest.kick(id, by: account, target: target, reason: reason, asOperator: isOperator)
            effects.append(.send(SessionMail.toRoom(room.id, request)))
        case .ban(let target, let reason):
            moderate(target, by: account, reason: reason, banning: true, &effects)
        case .unban(let target):
            moderate(target, by: account, reason: nil, banning: false, &effects)
        case .changePassword(let old, let new):
            effects.append(.send(.gate(.changePassword(id, account, old: old, new: new, address: address))))
        case .quit(let message):
            quitMessage = message
            close(.goodbye, "see you", reason: .quit, &effects)
        case .register, .login:
            write(.error(.alreadyLoggedIn, "you are logged in as \(account)"), &effects)
        }
    }

    /// `/ban` and `/unban` go to the Gate, which knows who is online; operators only.
    private mutating func moderate(
        _ target: Name, by account: Name, reason: String?, banning: Bool, _ effects: inout [SessionEffect]
    ) {
        guard isOperator else {
            return write(.error(.notOperator, "only an operator can /\(banning ? "ban" : "unban")"), &effects)
        }
        let request = GateMessage.setBanned(id, by: account, target: target, reason: reason, banning: banning)
        effects.append(.send(.gate(request)))
    }

    // MARK: - Output

    private mutating func write(_ line: ServerLine, _ effects: inout [SessionEffect]) {
        guard !isClosing else { return }
        let size = line.wireSize
        guard outboxBytes + size <= limits.maxOutboxBytes else {
            return close(.slowReader, "you are not reading fast enough", reason: .slowReader, &effects)
        }
        outboxBytes += size
        effects.append(.write(line))
    }

    /// Recomputes the one timer after every event.
    private mutating func refreshTimer(now: Instant) {
        var wanted: Instant? = isAwaitingLogin ? loginDeadline : nil
        if isSettled, !held.isEmpty, let bucket {
            let next = bucket.nextToken(now: now)
            wanted = wanted.map { min($0, next) } ?? next
        }
        timer = wanted
    }

    // MARK: - Closing

    /// Says goodbye, closes the connection, and unwinds.
    private mutating func close(
        _ bye: ByeReason, _ text: String, reason: LogoutReason, _ effects: inout [SessionEffect]
    ) {
        guard !isClosing else { return }
        effects.append(.write(.bye(bye, text)))
        effects.append(.closeConnection)
        unwind(reason: reason, &effects)
    }

    /// Leaves whatever the session is in, or waits for what is in flight to land first.
    private mutating func unwind(reason: LogoutReason, _ effects: inout [SessionEffect]) {
        held.removeAll()
        switch state {
        case .anonymous:
            finish(&effects)
        case .authenticating:
            // The Gate drops the login's queued work; it still answers, which settles this.
            effects.append(.send(.gate(.loginAbandoned(id))))
            state = .closing(nil, .awaitLogin, reason)
        case .entering(let name, _), .moving(let name, _):
            state = .closing(name, .awaitEntry, reason)
        case .present(let name, let room):
            effects.append(.send(SessionMail.toRoom(room.id, leaveRequest(reason))))
            state = .closing(name, .awaitLeft(room.id), reason)
        case .leaving(let name, let room):
            state = .closing(name, .awaitLeft(room.id), reason)
        case .closing, .finished:
            break
        }
    }

    /// Mail while closing: only what settles the unwinding matters.
    private mutating func settle(
        _ message: SessionMessage, account: Name?, unwind: Unwind, reason: LogoutReason,
        _ effects: inout [SessionEffect]
    ) {
        switch message {
        case .loggedIn(let name, _, _):
            switch unwind {
            case .awaitLogin:
                effects.append(.send(.gate(.logout(id, name, reason: reason))))
                finish(&effects)
            case .awaitEntry, .awaitLeft: break  // Stale: no login in flight.
            }
        case .loginRefused:
            switch unwind {
            case .awaitLogin: finish(&effects)
            case .awaitEntry, .awaitLeft: break  // Stale: no login in flight.
            }
        case .entered(let room):
            switch unwind {
            case .awaitEntry:
                effects.append(.send(SessionMail.toRoom(room.id, leaveRequest(reason))))
                state = .closing(account, .awaitLeft(room.id), reason)
            case .awaitLogin, .awaitLeft: break  // Stale: no entry in flight.
            }
        case .moveRefused:
            switch unwind {
            case .awaitEntry:
                effects.append(.send(SessionMail.toRoom(RoomID.global, leaveRequest(reason))))
                state = .closing(account, .awaitLeft(.global), reason)
            case .awaitLogin, .awaitLeft: break  // Stale: no move in flight.
            }
        case .left(let left):
            switch unwind {
            case .awaitLeft(let room) where room == left:
                if let account { effects.append(.send(.gate(.logout(id, account, reason: reason)))) }
                finish(&effects)
            case .awaitLogin, .awaitEntry, .awaitLeft: break  // Stale: not that room.
            }
        case .deliver, .replaced, .banned, .kicked:
            break  // A line for a closed connection, or a notice to go: already going.
        }
    }

    /// A closing session's way out of its room: a quit the others hear (the connection
    /// ended), quiet at shutdown, when everyone goes.
    private func leaveRequest(_ reason: LogoutReason) -> MemberRequest {
        reason == .shutdown ? .leaveAtShutdown(id) : .quit(id, message: quitMessage)
    }

    private mutating func finish(_ effects: inout [SessionEffect]) {
        state = .finished
        effects.append(.retire)
    }
}

extension Session.Entry {
    func greeting(account: Name) -> ServerLine.Outcome? {
        switch self {
        case .login(registered: true): return .registered(account)
        case .login(registered: false): return .loggedIn(account)
        case .returning(let room): return .returnedToGlobal(from: room)
        case .kicked: return nil
        }
    }
}

extension Session.Move {
    func greeting(room: Name) -> ServerLine.Outcome {
        switch self {
        case .create: return .created(room)
        case .join: return .joined(room)
        }
    }
}
