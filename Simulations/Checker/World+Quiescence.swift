import ChatCore

// Once faults stop: let everything drain in a fixed order, then check what must hold
// when nothing is left to happen.
extension World {
    /// Stops the faults (the store recovers, every client reads), runs every lane in a
    /// fixed order (mail before connections, by whose it is) and every wake as its time comes, then checks
    /// quiescence. Not recorded as decisions: it is the same for every run.
    public mutating func settle(maxSteps: Int = 50_000) {
        guard violation == nil else { return }
        settling = true
        if storeFailing { apply(.storeFailing(false)) }
        for client in clients where !client.reading { apply(.resumeReading(client: client.number)) }
        var budget = maxSteps
        while violation == nil {
            if let lane = lanes.firstToSettle {
                run(lane: lane)
            } else if let wake = earliestWake {
                let wait = wake.nanoseconds - now.nanoseconds
                apply(.advanceClock(milliseconds: Int(max(1, (wait + 999_999) / 1_000_000))))
            } else {
                break
            }
            budget -= 1
            if budget == 0 {
                return fail(.liveness, "the world was still busy \(maxSteps) steps after faults stopped")
            }
        }
        if violation == nil { checkQuiescence() }
    }

    private mutating func checkQuiescence() {
        for slot in sessions.indices where violation == nil { checkSettled(slot) }
        if violation == nil { checkGateAgrees() }
        if violation == nil { checkRooms() }
        if violation == nil { checkMessagesSettled() }
    }

    /// Every live session is settled: logged in and in a room that lists it, or not
    /// logged in and in none; its connection has every answer and every message it is owed.
    private mutating func checkSettled(_ slot: Int) {
        let session = sessions[slot]
        let seen = observed.sessions[slot]
        let name = session.name
        if session.retired {
            guard session.serverClosed else { return fail(.liveness, "\(name) retired and left its connection open") }
            return
        }
        guard !session.actor.isClosing else {
            return fail(.liveness, "\(name) is still closing after everything drained")
        }
        if let account = session.actor.account {
            guard let room = session.actor.room else {
                return fail(.liveness, "\(name) is logged in as \(account) but stuck between rooms")
            }
            guard seen.memberOf == room.id, members(of: room.id)?[session.id] == account else {
                return fail(
                    .membershipAgrees,
                    "\(name) believes it is in \(room.name), but \(seen.memberOf.map(roomName) ?? "no room") lists it")
            }
        } else if let room = seen.memberOf {
            return fail(.membershipAgrees, "\(name) is not logged in, yet \(roomName(room)) lists it")
        }
        guard session.isOpen else { return }
        let audit = seen.audit
        // An IRC connection's answers are judged as its session writes them (World+IRCSessions.swift).
        guard session.actor.speaksIRC || audit.answersRead == audit.answersOwed else {
            return fail(.liveness, "\(name) got \(audit.answersRead) answers for \(audit.answersOwed) owed")
        }
        // An IRC message that must be answered (echo-message on), by its echo or a numeric
        // the checker knows (World+IRCAnswers.swift), was: an answer in a wrong numeric is none.
        let client = name.client - 1
        if session.actor.speaksIRC, clients[client].current == slot,
            let unanswered = clients[client].irc.typed.first(where: { !$0.notice && !$0.mayGoUnanswered })
        {
            return fail(.liveness, "\(name) never had an answer to \(unanswered.tag.text) to \(unanswered.target)")
        }
        if session.actor.speaksIRC, let owed = model.sessions[slot].ircRepliesOwed.first {
            return fail(.liveness, "\(name) is still owed \(owed)")
        }
        guard audit.messagesRead == audit.messagesOwed else {
            return fail(
                .roomDelivery,
                "\(name) read \(audit.messagesRead) room messages of the \(audit.messagesOwed) delivered to it")
        }
    }

    private func members(of room: RoomID) -> [SessionID: Name]? {
        if room == .global { return lobby.globalMembers }
        guard let index = roomIndex[room], !rooms[index].retired else { return nil }
        return rooms[index].actor.members
    }

    /// The Gate's list of who is online is exactly the live sessions' accounts.
    private mutating func checkGateAgrees() {
        guard gate.attemptsInFlight == 0 else {
            return fail(.liveness, "the Gate still has \(gate.attemptsInFlight) logins in flight")
        }
        let online = gate.onlineAccounts
        for key in online.keys.sorted() {
            let id = online[key]!
            guard let slot = slot(id), !sessions[slot].retired, sessions[slot].actor.account?.key == key else {
                return fail(.membershipAgrees, "the Gate says \(key) is online at \(label(id)), which does not hold it")
            }
        }
        for session in sessions where !session.retired {
            if let account = session.actor.account, online[account.key] != session.id {
                return fail(.membershipAgrees, "\(session.name) holds \(account), but the Gate does not know")
            }
        }
    }

    /// Every live room has members, is in the directory under its own name, and the
    /// directory holds nothing else; every member of a room believes it is there.
    private mutating func checkRooms() {
        var directory = lobby.rooms
        for room in rooms where !room.retired {
            let ref = room.actor.ref
            guard !room.actor.members.isEmpty, room.actor.isOpen else {
                return fail(.emptyRoomsGone, "\(ref.name) (\(ref.id)) is still there with nobody in it")
            }
            guard let listed = directory.firstIndex(of: ref) else {
                return fail(.membershipAgrees, "\(ref.name) (\(ref.id)) has members but the Lobby does not list it")
            }
            directory.remove(at: listed)
        }
        if let stray = directory.first {
            return fail(.emptyRoomsGone, "the Lobby lists \(stray.name) (\(stray.id)), which is gone")
        }
        let names = rooms.filter { !$0.retired }.map(\.actor.ref.name.key).sorted()
        if let twin = zip(names, names.dropFirst()).first(where: { $0 == $1 }) {
            return fail(.uniqueRoomNames, "two live rooms are named \(twin.0)")
        }
        for id in [RoomID.global] + rooms.filter({ !$0.retired }).map(\.actor.ref.id) {
            for member in (members(of: id) ?? [:]).keys.sorted() {
                guard let slot = slot(member), sessions[slot].actor.room?.id == id else {
                    return fail(
                        .membershipAgrees, "\(roomName(id)) lists \(label(member)), which believes it is elsewhere")
                }
            }
        }
    }

    /// Every text the store kept was delivered; none is still waiting on the store.
    private mutating func checkMessagesSettled() {
        if let tag = observed.messages.tags(where: .stored).first {
            return fail(.storeMatchesDeliveries, "the store kept \(tag.text), but it was never delivered")
        }
        if let tag = (observed.messages.tags(where: .accepted) + observed.messages.tags(where: .failed)).first {
            return fail(.liveness, "\(tag.text) is still waiting for the store")
        }
    }
}
