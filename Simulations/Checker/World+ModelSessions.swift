import ChatCore

/// What reached a session in one step, as the reference model tells steps apart.
enum SessionInput {
    /// Bytes from the network.
    case bytes(ArraySlice<UInt8>)
    case tick
    case lost
    case mail(SessionMessage)

    var isKick: Bool {
        if case .mail(.kicked) = self { return true }
        return false
    }
}

// The reference model's policies of one connection (ReferenceModel.swift): the token
// bucket (flood bound), the outbox (slow-reader bound), the login deadline, and the
// answers the Gate gives a login, all from what the client sent and read, what the store
// did, and what the session and the Gate emitted.
extension World {
    mutating func modelOpened(_ slot: Int) {
        precondition(slot == model.sessions.count, "sessions open in slot order")
        model.sessions.append(SessionModel(connected: now, deadline: limits.loginDeadline))
    }

    /// The client read a line: its bytes leave the outbox.
    mutating func modelRead(_ line: ServerLine, on slot: Int) {
        if case .bye = line { return }
        model.sessions[slot].read += line.wireSize
    }

    mutating func modelSession(_ slot: Int, wasClosing: Bool, _ input: SessionInput, _ effects: [SessionEffect]) {
        if case .mail(let notice) = input { judgeNoticeHeeded(notice, slot, effects) }
        judgeWayOut(slot, input, effects)
        if sessions[slot].actor.speaksIRC { return modelIRCSession(slot, wasClosing: wasClosing, input, effects) }
        judgeSlowReaderCut(slot, wasClosing: wasClosing, input, effects)
        var explained: ServerLine?
        switch input {
        case .bytes(let chunk):
            let lines = noteArrived(chunk, on: slot, overlongEndsEarly: true)
            // PROTOCOL.md: a line that goes on without a newline past the bound ends the
            // connection, `BYE line-too-long`, once what has arrived of it is past the bound.
            let overflow = model.sessions[slot].droppedRun.map { $0 > limits.maxUnterminatedBytes } ?? false
            if !wasClosing { judgeOverflow(slot, owed: overflow, effects) }
            if lines > 0, !wasClosing, !overflow { judgeFlood(slot, effects) }
        case .tick:
            if !wasClosing { judgeDeadlineKept(slot, effects) }
        case .lost:
            break
        case .mail(let message):
            explained = noteLoginAnswer(message, on: slot)
            judgeMoveAnswer(message, effects, on: slot)
        }
        var taken = 0
        for effect in effects {
            switch effect {
            case .closeConnection:
                model.sessions[slot].closed = true
            case .write(let line) where !model.sessions[slot].closed:
                if let line2 = explained, line2.rendered == line.rendered {
                    explained = nil
                } else if ReferenceModel.isAnswerToALine(line) {
                    taken += 1
                    judgeTaken(effect, on: slot)
                }
                noteWrite(line, on: slot)
            case .send(let mail) where !model.sessions[slot].closed:
                // A kicked member's leave acknowledges the kick: no line asked for it.
                if ReferenceModel.isRequestFromALine(mail), !input.isKick {
                    taken += 1
                    judgeTaken(effect, on: slot)
                }
                noteLoginSent(mail, on: slot)
            case .write, .send, .retire:
                break
            case .writeIRC:
                break  // The simulator's sessions speak Parley's protocol.
            }
        }
        model.sessions[slot].linesTaken += taken
        judgeBucket(slot, taking: taken)
        judgeDeadlineArmed(slot)
    }

    /// A session's way out of a room says how it goes, by what the model saw of its
    /// connection: a quit once it ended (lost, or closed by the session), a leave before
    /// (a /leave, a PART, a JOIN from a room, a kick's acknowledgement). The room's event
    /// is judged against the request (World+ModelRooms.swift).
    private mutating func judgeWayOut(_ slot: Int, _ input: SessionInput, _ effects: [SessionEffect]) {
        switch input {
        case .lost: noteConnectionEnded(slot)
        case .mail(.left): model.sessions[slot].leaveInFlight = false
        case .bytes, .tick, .mail: break
        }
        for effect in effects {
            switch effect {
            case .closeConnection:
                noteConnectionEnded(slot)
            case .send(let mail):
                let quitting = model.sessions[slot].quitting
                switch mail.memberRequest {
                case .leave?:
                    model.sessions[slot].leaveInFlight = true
                    if quitting {
                        fail(
                            .answerContents,
                            "\(sessions[slot].name) left its room with /leave after its connection ended")
                    }
                case .quit?:
                    if !quitting {
                        fail(.answerContents, "\(sessions[slot].name) quit its room while its connection was open")
                    }
                case .say?, .act?, .whisper?, .users?, .kick?, .help?, .leaveAtShutdown?, .history?, nil:
                    break
                }
            case .write, .writeIRC, .retire:
                break
            }
        }
    }

    /// `BYE line-too-long` exactly when the line still arriving has run past the bound.
    private mutating func judgeOverflow(_ slot: Int, owed: Bool, _ effects: [SessionEffect]) {
        let said = effects.contains { if case .write(.bye(.lineTooLong, _)) = $0 { true } else { false } }
        guard said != owed else { return }
        let run = model.sessions[slot].droppedRun ?? model.sessions[slot].partialLine.count
        fail(
            .answerCodes,
            "\(sessions[slot].name) \(said ? "said" : "did not say") BYE line-too-long with \(run) bytes of one line without a newline (the bound is \(limits.maxUnterminatedBytes))"
        )
    }

    /// A notice that ends what a session holds is carried out in the step that reads it,
    /// while its connection is open as the model sees it: a ban or a takeover of the account
    /// it logged in as closes the connection (PROTOCOL.md: `BYE banned`, `BYE replaced`);
    /// a kick from the room it is in, moving from or leaving is shown to its client (the
    /// room sends it to no one else), unless that very line overflows a slow reader.
    private mutating func judgeNoticeHeeded(_ notice: SessionMessage, _ slot: Int, _ effects: [SessionEffect]) {
        let session = model.sessions[slot]
        guard !session.quitting, !session.closed, let account = session.granted else { return }
        let closes = effects.contains { if case .closeConnection = $0 { return true } else { return false } }
        switch notice {
        case .banned, .replaced:
            let bye: ByeReason = if case .banned = notice { .banned } else { .replaced }
            let said = effects.contains { effect in
                switch effect {
                case .write(.bye(let reason, _)): return reason == bye
                case .writeIRC(let message): return message.command == "ERROR"
                default: return false
                }
            }
            guard !closes || !said else { return }
            fail(
                bye == .banned ? .bannedHasNoSession : .oneSessionPerAccount,
                "\(sessions[slot].name), logged in as \(account), was told it was \(bye.rawValue) and \(closes ? "said no BYE \(bye.rawValue)" : "kept its connection")"
            )
        case .kicked(let room, let line):
            guard session.presentIn == room else { return }
            let shown = effects.contains { effect in
                switch effect {
                case .write(let written): return written == line
                case .writeIRC(let message): return message.command == "KICK" || message.command == "ERROR"
                default: return false
                }
            }
            let slowReaderCut = effects.contains { if case .write(.bye(.slowReader, _)) = $0 { true } else { false } }
            guard !shown, !slowReaderCut else { return }
            fail(
                .linesReachConnection,
                "\(sessions[slot].name) was kicked from \(roomName(room)) and did not show its client \"\(line.rendered.prefix(80))\""
            )
        default:
            return
        }
    }

    private mutating func noteConnectionEnded(_ slot: Int) {
        if !model.sessions[slot].quitting, model.sessions[slot].leaveInFlight { hazards.insert(.leaveRacingQuit) }
        model.sessions[slot].quitting = true
    }

    /// `BYE flood` exactly when more lines wait than the limit, counted when bytes arrive.
    private mutating func judgeFlood(_ slot: Int, _ effects: [SessionEffect]) {
        let held = model.sessions[slot].held
        let flooded = effects.contains {
            if case .write(.bye(.flood, _)) = $0 { return true }
            return false
        }
        if flooded != (held > limits.maxHeldLines) {
            fail(
                .floodBound,
                "\(sessions[slot].name) had \(held) lines waiting (the limit is \(limits.maxHeldLines)) and was \(flooded ? "" : "not ")cut off for flooding"
            )
        }
    }

    /// No session takes more lines than a token bucket of the seed's rate and burst allows:
    /// full at connect, refilled at the rate up to the burst, one line's worth a line (lines
    /// held through a login or a move count when taken). The actor refills only when it
    /// takes, and a refill that fails to take never reaches the cap, so the model's credit
    /// is exactly the one the limits promise; a bucket that keeps one line too many is caught.
    private mutating func judgeBucket(_ slot: Int, taking taken: Int) {
        guard let rate = limits.rate, taken > 0 else { return }
        let cost = Int64(1_000_000_000 / rate.linesPerSecond)
        let capacity = Int64(rate.burst) * cost
        let connected = model.sessions[slot].connected
        var (credit, updated) = model.sessions[slot].bucket ?? (capacity, connected)
        precondition(now >= updated, "the simulated clock only moves forward")
        credit = min(capacity, credit + (now - updated).nanoseconds) - Int64(taken) * cost
        model.sessions[slot].bucket = (credit, now)
        if credit < 0 {
            fail(
                .floodBound,
                "\(sessions[slot].name) took \(taken) line(s) at \(now) with \((credit + Int64(taken) * cost) / cost) in its bucket (burst \(rate.burst), \(rate.linesPerSecond) a second; \(model.sessions[slot].linesTaken) taken since \(connected))"
            )
        }
    }

    /// A line a session is sent fits if the bytes unread and the line are at most the limit:
    /// exactly full is still within it, so `BYE slow-reader` for such a line is a broken bound.
    private mutating func judgeSlowReaderCut(
        _ slot: Int, wasClosing: Bool, _ input: SessionInput, _ effects: [SessionEffect]
    ) {
        // Judged only when the cut is the step's first write: after the delivered line, the
        // session may write answers to lines it held, and one of those may be what overflowed.
        guard case .mail(.deliver(let line)) = input, !wasClosing, !model.sessions[slot].closed,
            case .write(.bye(.slowReader, _))? = effects.first(where: {
                if case .write = $0 { true } else { false }
            })
        else { return }
        let unread = model.sessions[slot].outbox
        if unread + line.wireSize <= limits.maxOutboxBytes {
            fail(
                .slowReaderBound,
                "\(sessions[slot].name) was cut off as a slow reader for a line of \(line.wireSize) bytes with \(unread) unread of \(limits.maxOutboxBytes): it fits"
            )
        } else if unread + line.wireSize == limits.maxOutboxBytes + 1 {
            hazards.insert(.outboxEdge)
        }
    }

    /// The outbox never holds more than the limit, and a slow reader is cut off only when
    /// the next line could not fit.
    private mutating func noteWrite(_ line: ServerLine, on slot: Int) {
        // Every line reads back as itself (docs/PROTOCOL.md: parsing is the inverse of
        // rendering), and its counted size is its rendered size, not a second formula.
        let wire = line.rendered
        if wire.utf8.count != line.wireSize {
            return fail(
                .answerContents,
                "\(sessions[slot].name) was written \"\(wire.dropLast())\" of \(wire.utf8.count) bytes, counted as \(line.wireSize)"
            )
        }
        if ServerLine(parsing: wire) != line {
            return fail(
                .answerContents,
                "\(sessions[slot].name) was written \"\(wire.dropLast())\", which reads back as \(ServerLine(parsing: wire).map { "\($0)" } ?? "nothing"), not \(line)"
            )
        }
        let outbox = model.sessions[slot].outbox
        switch line {
        case .bye(.slowReader, _):
            if outbox + Limits.maxLineBytes + 256 <= limits.maxOutboxBytes {
                fail(
                    .slowReaderBound,
                    "\(sessions[slot].name) was cut off as a slow reader with \(outbox) bytes unread of \(limits.maxOutboxBytes)"
                )
            }
        case .bye(.loginTimeout, _):
            hazards.insert(.loginTimeout)
            let deadline = model.sessions[slot].loginDeadline
            if model.sessions[slot].login != .awaiting || now < deadline {
                fail(
                    .loginDeadline,
                    "\(sessions[slot].name) was timed out at \(now) (\(model.sessions[slot].login)); its deadline is \(deadline)"
                )
            }
        case .bye:
            break
        default:
            model.sessions[slot].written += line.wireSize
            if model.sessions[slot].outbox == limits.maxOutboxBytes { hazards.insert(.outboxEdge) }
            if model.sessions[slot].outbox > limits.maxOutboxBytes {
                fail(
                    .slowReaderBound,
                    "\(sessions[slot].name) holds \(model.sessions[slot].outbox) bytes unread, over the limit of \(limits.maxOutboxBytes)"
                )
            }
        }
    }

    /// A tick at or past the deadline of a session still waiting to log in closes it.
    private mutating func judgeDeadlineKept(_ slot: Int, _ effects: [SessionEffect]) {
        guard model.sessions[slot].login == .awaiting, now >= model.sessions[slot].loginDeadline else { return }
        let timedOut = effects.contains {
            if case .write(.bye(.loginTimeout, _)) = $0 { return true }
            return false
        }
        if !timedOut {
            fail(
                .loginDeadline,
                "\(sessions[slot].name) was still waiting to log in at \(now), past its deadline \(model.sessions[slot].loginDeadline)"
            )
        }
    }

    /// A session waiting to log in has its timer set no later than its deadline.
    mutating func judgeDeadlineArmed(_ slot: Int) {
        guard model.sessions[slot].login == .awaiting, !model.sessions[slot].closed else { return }
        let deadline = model.sessions[slot].loginDeadline
        if let wake = sessions[slot].actor.pendingWake, wake <= deadline { return }
        fail(
            .loginDeadline,
            "\(sessions[slot].name) waits to log in with its timer at \(sessions[slot].actor.pendingWake.map { "\($0)" } ?? "nothing"), after its deadline \(deadline)"
        )
    }

    /// A login or registration on its way to the Gate pauses the deadline.
    mutating func noteLoginSent(_ mail: SessionMail, on slot: Int) {
        switch mail {
        case .gate(.login(_, let name, let password, _)), .gate(.register(_, let name, let password, _)):
            var register = false
            if case .gate(.register) = mail { register = true }
            let right = password.secret == WorldSetup.password(for: Substring(name.text))
            model.sessions[slot].pendingLogin = (name, right, register)
            model.sessions[slot].accountFound = nil
            model.sessions[slot].login = .authenticating(since: now)
        default:
            break
        }
    }

    /// The Gate's answer as the session took it: the deadline resumes, moved by the time
    /// spent with the Gate, or stops. Returns the line the answer explains.
    mutating func noteLoginAnswer(_ message: SessionMessage, on slot: Int) -> ServerLine? {
        switch message {
        case .loginRefused(let code, let text):
            if case .authenticating(let since) = model.sessions[slot].login, !model.sessions[slot].closed {
                model.sessions[slot].login = .awaiting
                model.sessions[slot].loginDeadline = model.sessions[slot].loginDeadline + (now - since)
            }
            return .error(code, text)
        case .loggedIn(let name, _, let isOperator):
            if case .authenticating = model.sessions[slot].login { model.sessions[slot].login = .done }
            if !model.sessions[slot].closed { model.sessions[slot].granted = name }
            model.sessions[slot].isOperator = isOperator
            return nil
        case .moveRefused(let code, let text):
            if model.sessions[slot].presentIn != nil { model.sessions[slot].presentIn = .global }
            return .error(code, text)
        case .deliver(let line):
            return line
        case .entered(let room):
            model.sessions[slot].presentIn = room.id
            return nil
        case .left, .replaced, .banned, .kicked:
            return nil
        }
    }

    // MARK: - The Gate and the store

    /// The store's word on an account, for the login whose ticket asked.
    mutating func modelStore(_ request: StoreRequest, reply: Mail?) {
        switch (request, reply) {
        case (.fetchAccount(let ticket, _, _), .gate(.store(let answer))?):
            guard let slot = ticketOwners[ticket] else { return }
            switch answer {
            // A banned account exists too: a /register of its name is name-taken.
            case .accountFound, .accountBanned: model.sessions[slot].accountFound = true
            default: model.sessions[slot].accountFound = false
            }
        case (.createAccount(let ticket, let name, _, _, _), .gate(.store(let answer))?):
            switch answer {
            case .accountCreated:
                if model.accounts[name.key] == nil { model.accounts[name.key] = name }
                if let slot = ticketOwners[ticket] { model.sessions[slot].accountFound = false }
            case .accountNameTaken:
                if let slot = ticketOwners[ticket] { model.sessions[slot].accountFound = true }
            default:
                break
            }
        default:
            break
        }
    }

    /// A login is granted only for an account the store found and the right password, as
    /// the account is spelled; `wrong-credentials` never answers a right one.
    mutating func modelGate(_ effects: [GateEffect]) {
        for case .session(let id, let answer) in effects {
            guard let slot = slot(id), let pending = model.sessions[slot].pendingLogin else { continue }
            let found = model.sessions[slot].accountFound
            switch answer {
            case .loggedIn(let name, let registered, let isOperator):
                model.sessions[slot].pendingLogin = nil
                // Operators are the world's (the store's flag); a new account is never one.
                let operatorAccount = !registered && setup.isOperator(name.key)
                if isOperator != operatorAccount {
                    fail(
                        .answerCodes,
                        "\(label(id)) was logged in as \(name) \(isOperator ? "as" : "not as") an operator; it \(operatorAccount ? "is" : "is not") one"
                    )
                }
                let account = model.accounts[name.key]
                let fits =
                    registered
                    ? pending.register && found == false && name.text == pending.name.text
                    : !pending.register && found == true && pending.rightPassword && name.key == pending.name.key
                        && name.text == account?.text
                if !fits {
                    fail(
                        .answerCodes,
                        "\(label(id)) was logged in as \(name) for \(pending.register ? "/register" : "/login") \(pending.name) (account \(account?.text ?? "missing"), store found it: \(found.map { "\($0)" } ?? "not asked"), right password: \(pending.rightPassword))"
                    )
                }
            case .loginRefused(let code, _):
                model.sessions[slot].pendingLogin = nil
                if code == .wrongCredentials, pending.register || (found == true && pending.rightPassword) {
                    fail(
                        .answerCodes,
                        "\(label(id)) was refused wrong-credentials for /login \(pending.name) with the right password for an account the store found"
                    )
                } else if code == .nameTaken, !pending.register || found != true {
                    fail(
                        .answerCodes,
                        "\(label(id)) was refused name-taken for \(pending.name), which the store did not hold")
                }
            case .replaced, .entered, .moveRefused, .left, .deliver, .banned, .kicked:
                break
            }
        }
    }
}

extension SessionMail {
    /// The request to its room this mail carries, if it is one.
    var memberRequest: MemberRequest? {
        switch self {
        case .lobby(.member(let request)), .room(_, .member(let request)): return request
        case .gate, .lobby, .room: return nil
        }
    }
}

extension ReferenceModel {
    /// Whether an EVENT's text is a member's arrival or departure (`NAME joined`, `NAME
    /// left`, `NAME quit`, `NAME quit: MESSAGE`), and whose name it starts with.
    static func comingOrGoing(_ text: String) -> Substring? {
        let words = text.split(separator: " ", maxSplits: 2)
        guard words.count >= 2 else { return nil }
        switch words[1] {
        case "joined", "left", "quit": return words.count == 2 ? words[0] : nil
        case "quit:": return words.count == 3 ? words[0] : nil
        default: return nil
        }
    }

    /// A line a session writes as the answer to one line it took (not to mail).
    static func isAnswerToALine(_ line: ServerLine) -> Bool {
        switch line {
        case .ok(.help), .error, .bye(.goodbye, _): return true
        case .ok, .message, .action, .whisper, .event, .users, .rooms, .bye, .history, .historyEnd: return false
        }
    }

    /// Mail a session sends for one line it took.
    static func isRequestFromALine(_ mail: SessionMail) -> Bool {
        switch mail {
        case .gate(.login), .gate(.register), .gate(.setBanned), .gate(.changePassword), .lobby(.create),
            .lobby(.join), .lobby(.listRooms),
            .lobby(.member), .room(_, .member):
            return true
        case .gate, .lobby, .room:
            return false
        }
    }
}
