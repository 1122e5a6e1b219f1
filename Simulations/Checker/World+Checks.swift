import ChatCore

// The invariants checked after every step. Each check looks only at what the step
// changed (its actor, its input, its effects), so checking costs about as much as the
// step itself; the global ones wait for quiescence (World+Quiescence).
extension World {
    // MARK: - Sessions

    /// `wasClosing`: the session was closing before the step (only that is needed of before).
    mutating func checkSession(_ slot: Int, wasClosing: Bool, message: SessionMessage?, _ effects: [SessionEffect]) {
        let account = sessions[slot].actor.account
        if account != observed.sessions[slot].account { hold(account, by: slot) }
        guard let message else { return }
        noteKickRacingLeave(message, effects)
        switch message {
        case .deliver(let line):
            // A line for a session reaches its connection, unless the session is closing.
            // An IRC session's rendering of the line is judged in World+IRCSessions.swift.
            if !wasClosing, !sessions[slot].actor.isClosing, !sessions[slot].actor.speaksIRC,
                !effects.contains(.write(line))
            {
                fail(
                    .linesReachConnection,
                    "\(sessions[slot].name) was sent \"\(line.rendered.dropLast())\" and did not write it")
            }
            if let text = line.roomText, let tag = TextTag(text),
                observed.messages[tag].room != observed.sessions[slot].memberOf
            {
                hazards.insert(.messageAfterLeaving)
            }
        case .entered(let room) where !room.isGlobal:
            if let index = roomIndex[room.id] { observed.rooms[index].creatorPending = false }
        case .kicked
        where effects.contains(where: { if case .write(.bye(.slowReader, _)) = $0 { true } else { false } }):
            hazards.insert(.kickedSlowReader)
        default:
            break
        }
    }

    /// An account has at most one live session: the holder lets go before another takes it.
    private mutating func hold(_ account: Name?, by slot: Int) {
        if let old = observed.sessions[slot].account, observed.holders[old.key] == slot {
            observed.holders[old.key] = nil
        }
        observed.sessions[slot].account = account
        guard let account else { return }
        if let other = observed.holders[account.key], other != slot {
            fail(
                .oneSessionPerAccount,
                "\(sessions[slot].name) logged in as \(account) while \(sessions[other].name) still holds it")
        }
        observed.holders[account.key] = slot
    }

    // MARK: - The Gate

    mutating func checkGate(_ message: GateMessage, _ effects: [GateEffect]) {
        checkLoginWaits(message, effects)
        checkLoginPolicy(message, effects)
        checkPasswordChange(message, effects)
        checkBans(message, effects)
        modelGate(effects)
        checkAbandonedLogins(message, effects)
        for case .session(_, let answer) in effects {
            switch answer {
            case .replaced: hazards.insert(.secondLogin)
            case .loginRefused(.superseded, _): hazards.insert(.logoutRacingLogin)
            case .loginRefused(.banned, _): hazards.insert(.bannedLogin)
            case .loggedIn(let name, _, _):
                if case .logout = message { hazards.insert(.logoutRacingLogin) }
                if setup.isBanned(name.key),
                    !observed.chatUnbanned.contains(name.key)
                {
                    fail(.bannedNeverLogsIn, "the Gate logged \(name) in, and \(name) is banned")
                }
            default: break
            }
        }
    }

    /// After a session abandons its login, the Gate gives the hashing pool no new job for it.
    private mutating func checkAbandonedLogins(_ message: GateMessage, _ effects: [GateEffect]) {
        if case .loginAbandoned(let session) = message, let slot = slot(session) {
            observed.abandonedLogins.insert(slot)
            if ticketOwners.contains(where: { $0.value == slot && !observed.ticketsHashed.contains($0.key) }) {
                hazards.insert(.loginAbandoned)
            }
        }
        for case .hasher(let request) in effects {
            let ticket: Ticket
            switch request {
            case .hash(let t, _), .verify(let t, _, _): ticket = t
            }
            if let owner = ticketOwners[ticket], observed.abandonedLogins.contains(owner),
                !observed.ticketsHashed.contains(ticket)
            {
                fail(
                    .abandonedLoginDropped,
                    "the Gate sent the hashing pool \(ticket) for \(sessions[owner].name), whose login was abandoned")
            }
            observed.ticketsHashed.insert(ticket)
        }
    }

    // MARK: - The Lobby and rooms

    mutating func checkLobby(_ message: LobbyMessage, _ effects: [LobbyEffect]) {
        noteKickRacingMove(message)
        switch message {
        case .create(let session, let name): noteCreateRace(session, name, effects)
        case .admitRefused(_, let session, _):
            hazards.insert(.joinRacingLastLeave)
            // The room it was sent to closed first: back in global, told `no-such-room`.
            let told = effects.contains {
                if case .session(session, .moveRefused(.noSuchRoom, _)) = $0 { return true } else { return false }
            }
            if !told { fail(.answerCodes, "\(label(session))'s join bounced off a closed room without no-such-room") }
        default: break
        }
        var book = observed.global
        checkRoomStep(.global, lobby.globalMembers, &book, RoomInput(message), effects)
        observed.global = book
        modelLobby(message, effects)
    }

    /// A create refused for a name whose room's creator has not even entered it yet.
    private mutating func noteCreateRace(_ session: SessionID, _ name: Name, _ effects: [LobbyEffect]) {
        guard effects.contains(.session(session, .moveRefused(.nameTaken, "a room named \(name) already exists")))
        else { return }
        if rooms.indices.contains(where: {
            !rooms[$0].retired && observed.rooms[$0].creatorPending && rooms[$0].actor.ref.name == name
        }) {
            hazards.insert(.createRacingCreate)
        }
    }

    mutating func checkRoom(_ index: Int, _ message: RoomMessage, _ effects: [RoomEffect]) {
        // Who may kick is decided by the owner before this step, not the heir it makes.
        let ownerBefore = observed.rooms[index].owner ?? observed.rooms[index].book.members.first
        var book = observed.rooms[index].book
        checkRoomStep(rooms[index].actor.ref.id, rooms[index].actor.members, &book, RoomInput(message), effects)
        observed.rooms[index].book = book
        checkOwnership(index, message, effects)
        modelRoom(rooms[index].actor.ref.id, message, effects, owner: ownerBefore)
    }

    private mutating func checkRoomStep<Output: MailingOutput>(
        _ room: RoomID, _ members: [SessionID: Name], _ book: inout RoomBook,
        _ input: RoomInput, _ effects: [Output]
    ) {
        let before = book.members
        if input.moves || members.count != book.members.count { sync(&book, room, members) }
        checkHistoriesAbandoned(room, gone: before.filter { !book.members.contains($0) }, effects)
        checkKicks(room, input, members, effects)
        noteHistoryReads(room, input, effects)
        let missedLive = checkHistoryReply(room, input.reply, effects)
        switch input.request {
        case .say(let id, let text)?: accept(text, target: nil, from: id, in: room, effects)
        case .act(let id, let text)?: accept(text, target: nil, action: true, from: id, in: room, effects)
        case .whisper(let id, let to, let text)?:
            accept(text, target: to.key, from: id, in: room, effects)
            storedOnlyForMember(to, text, in: room, members, effects)
        default: break
        }
        let resolving = input.reply.flatMap {
            observed.storeTickets.removeValue(forKey: StoreTicket(room: room, ticket: $0.ticket))
        }
        resolve(resolving, in: room, &book, members, effects, missedLive: missedLive)
    }

    /// Brings the checker's member list in line with the room's own; joining a second
    /// room, or a room after retiring, is a broken invariant.
    private mutating func sync(_ book: inout RoomBook, _ room: RoomID, _ members: [SessionID: Name]) {
        var kept: [Int] = []
        for slot in book.members {
            if members[sessions[slot].id] != nil { kept.append(slot) } else { observed.sessions[slot].memberOf = nil }
        }
        var added: [Int] = []
        for id in members.keys {
            guard let slot = slot(id) else {
                return fail(.membershipAgrees, "\(roomName(room)) lists \(id), which never existed")
            }
            if observed.sessions[slot].memberOf != room { added.append(slot) }
        }
        for slot in added.sorted() {
            if let other = observed.sessions[slot].memberOf {
                fail(
                    .oneRoomAtATime, "\(sessions[slot].name) joined \(roomName(room)) while still in \(roomName(other))"
                )
            }
            if sessions[slot].retired {
                fail(.membershipAgrees, "\(sessions[slot].name) joined \(roomName(room)) after it retired")
            }
            observed.sessions[slot].memberOf = room
            observed.sessions[slot].joinedStep = steps
            kept.append(slot)
        }
        book.members = kept
    }

    /// A room took a member's text: it must ask the store first; a whisper it turns away
    /// gets exactly one error to its sender.
    private mutating func accept<Output: MailingOutput>(
        _ text: String, target: String?, action: Bool = false, from id: SessionID, in room: RoomID,
        _ effects: [Output]
    ) {
        guard let tag = TextTag(text), tag.whisper == (target != nil), let sender = slot(id) else { return }
        var entry = observed.messages[tag]
        let asked = effects.contains { effect in
            if case .store(.appendMessage(_, let record, _))? = effect.mail { return record.text == text }
            return false
        }
        if asked {
            guard entry.stage == .typed else {
                return fail(
                    .storeMatchesDeliveries, "\(roomName(room)) took \(text), which was not waiting to be taken")
            }
            entry.stage = .accepted
            entry.sender = sender
            entry.room = room
            entry.acceptStep = steps
            entry.isAction = action
            if target == nil { observed.sessions[sender].audit.saysAccepted += 1 }
        } else if target != nil {
            let (errors, oks, whispers) = answers(to: sender, effects)
            guard errors == 1, oks == 0, whispers == 0 else {
                return fail(
                    .whisperOutcome,
                    "\(roomName(room)) turned \(text) away with \(errors) errors, \(oks) confirmations and \(whispers) whispers"
                )
            }
            entry.stage = .refused
        }
        observed.messages[tag] = entry
    }

    /// None invented: a room keeps a whisper only if its target is in the room when the
    /// room takes it. (A target who leaves while the store writes is the race the room
    /// answers with an error afterwards; one who was never there must be refused at once.)
    private mutating func storedOnlyForMember<Output: MailingOutput>(
        _ target: Name, _ text: String, in room: RoomID, _ members: [SessionID: Name], _ effects: [Output]
    ) {
        let stored = effects.contains { effect in
            if case .store(.appendMessage(_, let record, _))? = effect.mail { return record.text == text }
            return false
        }
        guard stored, !members.values.contains(where: { $0.key == target.key }) else { return }
        fail(
            .storeMatchesDeliveries, "\(roomName(room)) asked the store to keep \(text) for \(target), who is not in it"
        )
    }

    private func answers<Output: MailingOutput>(
        to sender: Int, _ effects: [Output]
    ) -> (errors: Int, oks: Int, whispers: Int) {
        var errors = 0, oks = 0, whispers = 0
        for case .session(let id, .deliver(let line))? in effects.lazy.map({ $0.mail }) {
            switch line {
            case .error where slot(id) == sender: errors += 1
            case .ok where slot(id) == sender: oks += 1
            case .whisper: whispers += 1
            default: break
            }
        }
        return (errors, oks, whispers)
    }

    /// The store answered for a text: now, and only now, may it be delivered.
    private mutating func resolve<Output: MailingOutput>(
        _ tag: TextTag?, in room: RoomID, _ book: inout RoomBook, _ members: [SessionID: Name], _ effects: [Output],
        missedLive: Int?
    ) {
        var recipients: [Int] = [], whispered: [Int] = []
        // An arrival whose history read failed gets what it missed live (checked with the read).
        for case .session(let id, .deliver(let line))? in effects.lazy.map({ $0.mail }) where slot(id) != missedLive {
            let text: String
            switch line {
            case .message(_, _, let said), .action(_, _, let said), .whisper(_, _, let said): text = said
            default: continue
            }
            guard let tag, TextTag(text) == tag, let slot = slot(id) else {
                return fail(
                    .storeMatchesDeliveries,
                    "\(roomName(room)) delivered \(text) to \(label(id)) without the store's word for it")
            }
            if case .whisper = line { whispered.append(slot) } else { recipients.append(slot) }
        }
        guard let tag else { return }
        var entry = observed.messages[tag]
        for case .session(let id, .deliver(let line))? in effects.lazy.map({ $0.mail }) {
            judgeDelivered(line, of: entry, in: room, to: id)
        }
        let (errors, oks, _) = answers(to: entry.sender, effects)
        switch (tag.whisper, entry.stage) {
        case (false, .stored):
            guard whispered.isEmpty else { return fail(.roomDelivery, "\(tag.text) was delivered as a whisper") }
            deliver(tag, &entry, in: room, &book, members, to: recipients)
        case (false, .failed):
            // A sender kicked while the store had it hears nothing of it (the kick was the last word).
            let owed = entry.senderKicked ? 0 : 1
            if entry.senderKicked { hazards.insert(.kickedSenderStoreFailed) }
            guard recipients.isEmpty, errors == owed else {
                return fail(
                    .storeMatchesDeliveries,
                    "the store failed \(tag.text), yet \(recipients.count) got it and its sender \(errors) errors (owed \(owed))"
                )
            }
            observed.sessions[entry.sender].audit.sayFailuresOwed += owed
        case (true, .stored):
            whisper(tag, entry, in: room, to: whispered, errors: errors, oks: oks)
        case (true, .failed):
            guard whispered.isEmpty, errors == 1, oks == 0 else {
                return fail(
                    .whisperOutcome,
                    "the store failed \(tag.text), yet it reached \(whispered.count) and its sender got \(errors) errors"
                )
            }
        default:
            return fail(.storeMatchesDeliveries, "\(roomName(room)) settled \(tag.text) before the store had answered")
        }
        entry.stage = .settled
        observed.messages[tag] = entry
    }

    /// A room message reaches every member present from before it was taken until now,
    /// once, and no one outside; it gets the room's next number; a sender's keep their order.
    private mutating func deliver(
        _ tag: TextTag, _ entry: inout MessageEntry, in room: RoomID, _ book: inout RoomBook,
        _ members: [SessionID: Name], to recipients: [Int]
    ) {
        let mark = steps
        for slot in recipients {
            guard observed.sessions[slot].memberOf == room else {
                return fail(
                    .roomDelivery,
                    "\(roomName(room)) delivered \(tag.text) to \(sessions[slot].name), which is not in it")
            }
            guard observed.stamps[slot] != mark else {
                return fail(.roomDelivery, "\(roomName(room)) delivered \(tag.text) to \(sessions[slot].name) twice")
            }
            observed.stamps[slot] = mark
        }
        var missed: Int?
        for id in members.keys {
            guard let slot = slot(id), observed.sessions[slot].joinedStep < entry.acceptStep,
                observed.stamps[slot] != mark
            else { continue }
            missed = min(missed ?? slot, slot)
        }
        if let missed {
            return fail(
                .roomDelivery,
                "\(sessions[missed].name) was in \(roomName(room)) from before \(tag.text) was sent and did not get it")
        }
        checkHistoryDelivery(tag, in: room, members, to: recipients)
        entry.seq = book.nextSeq
        book.nextSeq += 1
        keepSenderOrder(tag, sender: entry.sender, in: room)
        for slot in recipients { observed.sessions[slot].audit.messagesOwed += 1 }
    }

    private mutating func keepSenderOrder(_ tag: TextTag, sender: Int, in room: RoomID) {
        if let index = observed.sessions[sender].audit.lastDelivered.firstIndex(where: { $0.room == room }) {
            let last = observed.sessions[sender].audit.lastDelivered[index].number
            guard last < tag.number else {
                return fail(
                    .roomOrder,
                    "\(roomName(room)) delivered \(tag.text) after m\(tag.client).\(last), which was sent later")
            }
            observed.sessions[sender].audit.lastDelivered[index].number = tag.number
        } else {
            observed.sessions[sender].audit.lastDelivered.append((room, tag.number))
        }
    }

    /// A stored text is delivered as what it was, in the words of PROTOCOL.md: a message as
    /// `MSG ROOM FROM TEXT`, an action as `ACTION ROOM FROM TEXT` (the room as it was made,
    /// the sender as its account is spelled), a whisper as `WHISPER FROM TO TEXT` to its
    /// target. Judged once per line (the first wrong one fails the run).
    private mutating func judgeDelivered(_ line: ServerLine, of entry: MessageEntry, in room: RoomID, to id: SessionID)
    {
        guard entry.sender >= 0, let sender = model.sessions[entry.sender].granted else { return }
        let roomName = model.madeName(of: room)
        let fits: Bool
        switch line {
        case .message(let name, let from, _):
            fits = entry.target == nil && !entry.isAction && name.text == roomName && from.text == sender.text
        case .action(let name, let from, _):
            fits = entry.target == nil && entry.isAction && name.text == roomName && from.text == sender.text
        case .whisper(let from, let to, _): fits = entry.target == to.key && from.text == sender.text
        case .ok(.whisperSent(let to)): fits = entry.target == to.key
        default: fits = true
        }
        if !fits {
            fail(
                .answerContents,
                "\(self.roomName(room)) delivered \"\(line.rendered.dropLast())\" to \(label(id)); it was \(entry.isAction ? "an action" : entry.target != nil ? "a whisper" : "a message") from \(sender)"
            )
        }
    }

    /// A stored whisper reaches its target (a member of the room holding the account) and
    /// the sender hears so, or the target has gone and the sender gets one error.
    private mutating func whisper(
        _ tag: TextTag, _ entry: MessageEntry, in room: RoomID, to whispered: [Int], errors: Int, oks: Int
    ) {
        if whispered.count == 1, errors == 0, oks == 1 {
            let target = whispered[0]
            guard observed.sessions[target].account?.key == entry.target, observed.sessions[target].memberOf == room
            else {
                return fail(.whisperOutcome, "\(tag.text) for \(entry.target ?? "?") reached \(sessions[target].name)")
            }
        } else if whispered.isEmpty, errors == 1, oks == 0 {
            // Refused only if the target is not in the room now, by the room's own events.
            if let target = entry.target, (model.members[room] ?? [:]).values.contains(where: { $0.key == target }) {
                return fail(.whisperOutcome, "\(tag.text) was refused; \(target) is in \(roomName(room))")
            }
            hazards.insert(.whisperTargetLeft)
        } else {
            fail(
                .whisperOutcome,
                "\(tag.text) reached \(whispered.count) sessions; its sender got \(errors) errors and \(oks) confirmations"
            )
        }
    }

    // MARK: - The store

    /// The store keeps only texts a room took, once each, and says which room it was.
    mutating func checkStore(_ request: StoreRequest, reply: Mail?) {
        if case .readHistory(_, let room, _, let replyTo) = request {
            // Keyed by the room that asked (as its read was noted), which must read its own life.
            var owner = RoomID.global
            if case .room(let id) = replyTo { owner = id }
            if room != owner {
                fail(.historyOnce, "\(roomName(owner)) asked the store for the history of \(roomName(room))")
            }
            noteHistoryStore(request, owner: owner, tag: nil, stored: false)
        }
        modelStore(request, reply: reply)
        guard case .appendMessage(let ticket, let record, let replyTo) = request else { return }
        guard let tag = TextTag(record.text), observed.messages[tag].stage == .accepted else {
            return fail(
                .storeMatchesDeliveries, "the store was asked to keep \(record.text), which no room was waiting to keep"
            )
        }
        var entry = observed.messages[tag]
        let owner: RoomID
        switch replyTo {
        case .room(let id): owner = id
        default: owner = .global
        }
        guard owner == entry.room, record.recipient?.key == entry.target else {
            return fail(
                .storeMatchesDeliveries, "the store was asked to keep \(tag.text) for \(replyTo), not as it was sent")
        }
        let stored: Bool
        switch reply {
        case .lobby(.store(.messageStored))?, .room(_, .store(.messageStored))?: stored = true
        default: stored = false
        }
        entry.stage = stored ? .stored : .failed
        if !stored { hazards.insert(.storeFailure) }
        observed.messages[tag] = entry
        observed.storeTickets[StoreTicket(room: owner, ticket: ticket)] = tag
        noteHistoryStore(request, owner: owner, tag: tag, stored: stored)
    }
}

/// What the checker reads of the Lobby's and a room's outputs alike: the mail they send.
protocol MailingOutput {
    var mail: Mail? { get }
}

extension LobbyEffect: MailingOutput {}
extension RoomEffect: MailingOutput {}

/// What the checks need of a message to the Lobby or a room: a member's request, a store
/// reply, and whether the room's members may change.
struct RoomInput {
    var request: MemberRequest?
    var reply: StoreReply?
    var moves = false
    /// A session entering this room (global's `enter`, a room's `admit`).
    var arriving: SessionID?

    init(_ message: LobbyMessage) {
        switch message {
        case .member(let member): (request, moves) = (member, RoomInput.isLeave(member))
        case .store(let answer): reply = answer
        case .enter(let session, _): (moves, arriving) = (true, session)
        case .join, .create, .admitRefused: moves = true
        case .listRooms, .roomEmptied: break
        }
    }

    init(_ message: RoomMessage) {
        switch message {
        case .member(let member): (request, moves) = (member, RoomInput.isLeave(member))
        case .store(let answer): reply = answer
        case .admit(let session, _, _): (moves, arriving) = (true, session)
        case .shutdown: break
        }
    }

    private static func isLeave(_ member: MemberRequest) -> Bool {
        switch member {
        case .leave, .quit, .leaveAtShutdown, .kick: return true
        case .say, .act, .whisper, .users, .help, .history: return false
        }
    }
}

extension StoreReply {
    var ticket: Ticket {
        switch self {
        case .accountCreated(let ticket, _), .accountNameTaken(let ticket), .accountFound(let ticket, _, _, _),
            .accountMissing(let ticket), .accountBanned(let ticket), .messageStored(let ticket), .failed(let ticket),
            .banChanged(let ticket), .history(let ticket, _):
            return ticket
        }
    }
}

extension ServerLine {
    /// The text of a room line (a message or a `/me` action); nil for any other line.
    var roomText: String? {
        switch self {
        case .message(_, _, let text), .action(_, _, let text): return text
        case .ok, .error, .whisper, .event, .users, .rooms, .bye, .history, .historyEnd: return nil
        }
    }
}
