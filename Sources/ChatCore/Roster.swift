/// The members of one room and what they say there: the chat mechanics that the global
/// room (in the Lobby) and every temporary Room share.
///
/// A message is stored before anyone sees it: `say` and `whisper` go to the store
/// first and are delivered when the store acknowledges them. The store answers in
/// order, so every member sees the room's messages in the order the room took them.
struct Roster: Hashable, Sendable {
    let room: RoomRef
    /// Where the store sends its acknowledgements: the actor that owns this roster.
    let owner: Address
    /// A temporary room has an owner: its creator, then whoever has been there longest
    /// (`order.first`, so there is at most one and it is a member). `global` has none.
    let hasOwner: Bool
    /// Messages a session gets on entering (0: none); `HistoryReads` settles the race.
    let historyLines: Int
    private(set) var members: [SessionID: Name] = [:]
    /// Members in the order they came. Dictionaries iterate in a per-process order;
    /// fan-out must not, or a seed would not replay.
    private(set) var order: [SessionID] = []
    private var byName: [String: SessionID] = [:]
    private var awaitingStore: [Ticket: Pending] = [:]
    /// Messages and actions of members since kicked, still at the store: whatever the
    /// store says, their senders hear nothing of them, neither an error nor, back in the
    /// room by then, the echo (the kick notice was the room's last word on them).
    private var silencedTickets: Set<Ticket> = []
    /// Kicked sessions whose `leave` has not arrived yet: their mail may still be on its
    /// way here, so a temporary room does not empty (and retire) before it has.
    private(set) var departing: Set<SessionID> = []
    private var tickets = TicketCounter()
    private var history = HistoryReads()

    /// A message the store has not acknowledged yet.
    private enum Pending: Hashable, Sendable {
        case message(from: SessionID, sender: Name, text: String)
        case action(from: SessionID, sender: Name, text: String)
        case whisper(from: SessionID, sender: Name, to: Name, text: String)

        var sender: SessionID {
            switch self {
            case .message(let from, _, _), .action(let from, _, _), .whisper(let from, _, _, _): return from
            }
        }
    }

    init(room: RoomRef, owner: Address, hasOwner: Bool, historyLines: Int) {
        precondition(historyLines >= 0, "a history of no lines is 0")
        self.room = room
        self.owner = owner
        self.hasOwner = hasOwner
        self.historyLines = historyLines
    }

    /// The member who owns the room, if it has owners and members.
    var roomOwner: SessionID? { hasOwner ? order.first : nil }

    /// No members, nobody on the way in, and no kicked session still to acknowledge its kick.
    var isEmpty: Bool { members.isEmpty && !history.hasArrivals && departing.isEmpty }
    var hasPendingStores: Bool { !awaitingStore.isEmpty || !history.isEmpty }
    func contains(_ session: SessionID) -> Bool { members[session] != nil }

    /// Sorted without regard to case, for `/users`.
    var memberNames: [Name] { members.values.sorted { $0.key < $1.key } }

    /// Adds a member and tells the others; the caller tells the member why it is here.
    mutating func add<Output: RosterOutput>(_ session: SessionID, _ name: Name, _ effects: inout [Output]) {
        if let previous = members[session] {
            byName[previous.key] = nil
        } else {
            order.append(session)
        }
        members[session] = name
        byName[name.key] = session
        broadcast(.event(room: room.name, text: "\(name) joined"), except: session, &effects)
    }

    /// A session enters: with history on, it waits out the room's history read and becomes
    /// a member with the answer (`greeting`, then the history); otherwise it is in at once.
    mutating func enter<Output: RosterOutput>(
        _ session: SessionID, _ name: Name, greeting: SessionMessage, _ effects: inout [Output]
    ) {
        guard historyLines > 0 else {
            add(session, name, &effects)
            effects.append(.session(session, greeting))
            return
        }
        // Messages still being written are in the history too (they precede the read);
        // a burst of more than `historyLines` of them must not fall out of it.
        let writing = awaitingStore.values.count { if case .message = $0 { true } else { false } }
        readHistory(historyLines + writing, for: session, arriving: .init(name: name, greeting: greeting), &effects)
    }

    private mutating func readHistory<Output: RosterOutput>(
        _ lines: Int, for session: SessionID, arriving: HistoryReads.Arrival?, _ effects: inout [Output]
    ) {
        let ticket = tickets.take()
        history.begin(ticket, for: session, arriving: arriving)
        effects.append(.store(.readHistory(ticket, room: room.id, limit: lines, replyTo: owner)))
    }

    /// Removes the session (if it is a member) and confirms to it that it is out.
    mutating func remove<Output: RosterOutput>(
        _ session: SessionID, event: String? = nil, announced: Bool = true, _ effects: inout [Output]
    ) {
        if contains(session) { _ = release(session, event: event, announced: announced, &effects) }
        effects.append(.session(session, .left(room.id)))
    }

    /// Takes a member out; the others hear `event` (by default that it left) unless
    /// `announced` is false (at shutdown), and, if it owned the room, who owns it now.
    /// The member is not told: it is moving to another room, which will answer it.
    mutating func release<Output: RosterOutput>(
        _ session: SessionID, event: String? = nil, announced: Bool = true, _ effects: inout [Output]
    ) -> Name {
        guard let name = members.removeValue(forKey: session) else {
            preconditionFailure("\(session) is not a member of \(room.name): callers check `contains` first")
        }
        let wasOwner = roomOwner == session
        // Each `/history` it has out is answered before it goes: every command gets an answer.
        for _ in 0..<history.abandonCommands(of: session) {
            let line = ServerLine.error(.noSuchRoom, "you left \(room.name) before its history was read")
            effects.append(.session(session, .deliver(line)))
        }
        byName[name.key] = nil
        order.removeAll { $0 == session }
        if announced {
            broadcast(.event(room: room.name, text: event ?? "\(name) left"), except: nil, &effects)
            if wasOwner, let heir = roomOwner, let heirName = members[heir] {
                broadcast(.event(room: room.name, text: "\(heirName) now owns \(room.name)"), except: nil, &effects)
            }
        }
        return name
    }

    mutating func handle<Output: RosterOutput>(_ request: MemberRequest, now: Instant, _ effects: inout [Output]) {
        switch request {
        case .say(let session, let text):
            guard let sender = members[session] else { return notMember(session, &effects) }
            let record = ChatRecord(
                room: room.name, life: room.id, sender: sender, recipient: nil, text: text, at: now)
            store(record, .message(from: session, sender: sender, text: text), &effects)
        case .act(let session, let text):
            guard let sender = members[session] else { return notMember(session, &effects) }
            let record = ChatRecord(
                room: room.name, life: room.id, sender: sender, recipient: nil, text: text, at: now, isAction: true)
            store(record, .action(from: session, sender: sender, text: text), &effects)
        case .whisper(let session, let target, let text):
            guard let sender = members[session] else { return notMember(session, &effects) }
            guard byName[target.key] != nil else {
                let line = ServerLine.error(.noSuchUser, "\(target) is not in \(room.name)")
                effects.append(.session(session, .deliver(line)))
                return
            }
            let record = ChatRecord(
                room: room.name, life: room.id, sender: sender, recipient: target, text: text, at: now)
            store(record, .whisper(from: session, sender: sender, to: target, text: text), &effects)
        case .users(let session):
            let line = ServerLine.users(room: room.name, names: memberNames)
            effects.append(.session(session, .deliver(line)))
        case .leave(let session):
            departing.remove(session)
            remove(session, &effects)
        case .kick(let session, let kicker, let target, let reason, let asOperator):
            kick(target, by: session, kicker, reason: reason, asOperator: asOperator, now: now, &effects)
        case .help(let session, let asOperator):
            let line = ServerLine.ok(.help(help(for: session, asOperator: asOperator)))
            effects.append(.session(session, .deliver(line)))
        case .quit(let session, let message):
            departing.remove(session)
            let name = members[session].map { "\($0) quit" + (message.map { ": \($0)" } ?? "") }
            remove(session, event: name, &effects)
        case .leaveAtShutdown(let session):
            remove(session, announced: false, &effects)
        case .history(let session, let lines):
            guard contains(session) else { return notMember(session, &effects) }
            readHistory(lines, for: session, arriving: nil, &effects)
        }
    }

    /// `/kick`: the owner in its own room, an operator anywhere. The target is out of the
    /// room before anyone hears of it, so it gets nothing more from here.
    private mutating func kick<Output: RosterOutput>(
        _ target: Name, by session: SessionID, _ kicker: Name, reason: String?, asOperator: Bool, now: Instant,
        _ effects: inout [Output]
    ) {
        guard contains(session) else { return notMember(session, &effects) }
        guard asOperator || (hasOwner && roomOwner == session) else {
            let line =
                hasOwner
                ? ServerLine.error(.notOwner, "only the owner of \(room.name) or an operator can kick here")
                : ServerLine.error(.notOperator, "only an operator can kick in \(room.name)")
            return effects.append(.session(session, .deliver(line)))
        }
        guard let victim = byName[target.key], victim != session else {
            let text =
                byName[target.key] == session ? "you cannot kick yourself; /leave" : "\(target) is not in \(room.name)"
            return effects.append(.session(session, .deliver(.error(.noSuchUser, text))))
        }
        guard let spelled = members[victim] else { preconditionFailure("byName names members only") }
        let why = reason.map { ": \($0)" } ?? ""
        // The member's name as its account spells it, not as the kicker typed it.
        let name = release(victim, event: "\(spelled) was kicked by \(kicker)\(why)", &effects)
        departing.insert(victim)
        for (ticket, pending) in awaitingStore where pending.sender == victim {
            switch pending {
            case .message, .action: silencedTickets.insert(ticket)
            // A whisper is answered whatever happens (sent, no such user, not stored).
            case .whisper: continue
            }
        }
        let whereTo = room.isGlobal ? "" : "; you are in global"
        let notice = ServerLine.event(
            room: room.name, text: "you were kicked from \(room.name) by \(kicker)\(why)\(whereTo)")
        effects.append(.session(victim, .kicked(room.id, notice)))
        effects.append(.session(session, .deliver(.ok(.kicked(name)))))
        let detail = "\(name) from \(room.name)" + (reason.map { " because \($0)" } ?? "")
        effects.append(.store(.audit(AuditRecord(.kick, account: kicker, detail: detail, at: now))))
    }

    /// What this member may do here: everyone's commands, then the owner's and the operator's.
    private func help(for session: SessionID, asOperator: Bool) -> String {
        var commands = ["MESSAGE", "/me ACTION", "/users", "/whisper NAME MESSAGE", "/history [N]"]
        if room.isGlobal { commands += ["/createchatroom ROOM", "/join ROOM", "/chatrooms"] }
        if asOperator || roomOwner == session { commands.append("/kick NAME [REASON]") }
        if asOperator { commands += ["/ban NAME [REASON]", "/unban NAME"] }
        commands += ["/passwd OLD NEW", "/leave", "/help", "/quit [MESSAGE]"]
        var text = "commands: " + commands.joined(separator: ", ")
        if roomOwner == session { text += " (you own \(room.name))" }
        if asOperator { text += " (you are an operator)" }
        return text
    }

    mutating func handle<Output: RosterOutput>(_ reply: StoreReply, _ effects: inout [Output]) {
        switch reply {
        case .messageStored(let ticket):
            guard let pending = awaitingStore.removeValue(forKey: ticket) else { return }
            let silenced = silencedTickets.remove(ticket) != nil
            deliver(pending, except: silenced ? pending.sender : nil, &effects)
        case .history(let ticket, let entries):
            historyRead(ticket, entries, &effects)
        case .failed(let ticket) where history.isRead(ticket):
            historyRead(ticket, nil, &effects)
        case .failed(let ticket):
            guard let pending = awaitingStore.removeValue(forKey: ticket) else { return }
            if silencedTickets.remove(ticket) != nil { return }
            let line = ServerLine.error(.storeFailed, "your message could not be saved; nobody got it")
            effects.append(.session(pending.sender, .deliver(line)))
        case .accountCreated, .accountNameTaken, .accountFound, .accountMissing, .accountBanned, .banChanged:
            break  // Not a room's business.
        }
    }

    /// A history read came back (nil: the store failed it).
    private mutating func historyRead<Output: RosterOutput>(
        _ ticket: Ticket, _ entries: [HistoryEntry]?, _ effects: inout [Output]
    ) {
        guard let (purpose, arrival) = history.finish(ticket) else { return }
        switch purpose {
        case .arrival(let session):
            guard let arrival else { preconditionFailure("an arrival's read has its arrival") }
            add(session, arrival.name, &effects)
            effects.append(.session(session, arrival.greeting))
            if let entries {
                replay(entries.suffix(max(historyLines, arrival.missed.count))[...], to: session, &effects)
            } else {
                // No history: what was delivered while it waited comes live, after the marker.
                replay([], to: session, &effects)
                for line in arrival.missed { effects.append(.session(session, .deliver(line))) }
            }
        case .abandoned:
            break  // Its member left, and was answered then.
        case .command(let session):
            assert(contains(session), "a member's going abandons its reads")
            if let entries {
                effects.append(.session(session, .deliver(.ok(.history(room.name)))))
                replay(entries[...], to: session, &effects)
            } else {
                let line = ServerLine.error(.storeFailed, "the history could not be read")
                effects.append(.session(session, .deliver(line)))
            }
        }
    }

    /// A line for every member but one.
    func broadcast<Output: RosterOutput>(_ line: ServerLine, except excluded: SessionID?, _ effects: inout [Output]) {
        effects.reserveRoom(for: members.count)
        for session in order where session != excluded {
            effects.append(.session(session, .deliver(line)))
        }
    }

    private mutating func store<Output: RosterOutput>(
        _ record: ChatRecord, _ pending: Pending, _ effects: inout [Output]
    ) {
        let ticket = tickets.take()
        awaitingStore[ticket] = pending
        effects.append(.store(.appendMessage(ticket, record, replyTo: owner)))
    }

    /// A stored text reaches its room (but `silenced`, a sender kicked while it was stored).
    private mutating func deliver<Output: RosterOutput>(
        _ pending: Pending, except silenced: SessionID?, _ effects: inout [Output]
    ) {
        switch pending {
        case .message(_, let sender, let text):
            let line = ServerLine.message(room: room.name, from: sender, text: text)
            broadcast(line, except: silenced, &effects)
            history.delivered(line)
        case .action(_, let sender, let text):
            // Not in a room history (which holds messages only), so not kept for arrivals.
            broadcast(.action(room: room.name, from: sender, text: text), except: silenced, &effects)
        case .whisper(let from, let sender, let target, let text):
            // The target may have left while the store was writing: then only the sender hears.
            if let recipient = byName[target.key] {
                effects.append(.session(recipient, .deliver(.whisper(from: sender, to: target, text: text))))
                effects.append(.session(from, .deliver(.ok(.whisperSent(to: target)))))
            } else {
                let line = ServerLine.error(.noSuchUser, "\(target) left \(room.name) before it arrived")
                effects.append(.session(from, .deliver(line)))
            }
        }
    }

    /// A request from a session that is not here: answer, so no command goes unanswered.
    private func notMember<Output: RosterOutput>(_ session: SessionID, _ effects: inout [Output]) {
        let line = ServerLine.error(.noSuchRoom, "you are not in \(room.name)")
        effects.append(.session(session, .deliver(line)))
    }
}
