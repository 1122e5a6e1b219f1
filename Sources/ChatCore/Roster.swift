/// The members of one room and what they say there: the chat mechanics that the global
/// room (in the Lobby) and every temporary Room share.
///
/// A message is stored before anyone sees it: `say` and `whisper` go to the store
/// first and are delivered when the store acknowledges them. The store answers in
/// order, so every member sees the room's messages in the order the room took them.
struct Roster: Sendable {
    let room: RoomRef
    /// Where the store sends its acknowledgements: the actor that owns this roster.
    let owner: Address
    private(set) var members: [SessionID: Name] = [:]
    /// Members in the order they came. Dictionaries iterate in a per-process order;
    /// fan-out must not, or a seed would not replay.
    private(set) var order: [SessionID] = []
    private var byName: [String: SessionID] = [:]
    private var awaitingStore: [Ticket: Pending] = [:]
    private var tickets = TicketCounter()

    /// A message the store has not acknowledged yet.
    private enum Pending: Sendable {
        case message(from: SessionID, sender: Name, text: String)
        case action(from: SessionID, sender: Name, text: String)
        case whisper(from: SessionID, sender: Name, to: Name, text: String)

        var sender: SessionID {
            switch self {
            case .message(let from, _, _), .action(let from, _, _), .whisper(let from, _, _, _): return from
            }
        }
    }

    init(room: RoomRef, owner: Address) {
        self.room = room
        self.owner = owner
    }

    var isEmpty: Bool { members.isEmpty }
    var hasPendingStores: Bool { !awaitingStore.isEmpty }
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

    /// Removes the session (if it is a member) and confirms to it that it is out.
    mutating func remove<Output: RosterOutput>(_ session: SessionID, _ effects: inout [Output]) {
        if contains(session) { _ = release(session, &effects) }
        effects.append(.session(session, .left(room.id)))
    }

    /// Takes a member out silently: it is moving to another room, which will answer it.
    mutating func release<Output: RosterOutput>(_ session: SessionID, _ effects: inout [Output]) -> Name {
        guard let name = members.removeValue(forKey: session) else {
            preconditionFailure("\(session) is not a member of \(room.name): callers check `contains` first")
        }
        byName[name.key] = nil
        order.removeAll { $0 == session }
        broadcast(.event(room: room.name, text: "\(name) left"), except: nil, &effects)
        return name
    }

    mutating func handle<Output: RosterOutput>(_ request: MemberRequest, now: Instant, _ effects: inout [Output]) {
        switch request {
        case .say(let session, let text):
            guard let sender = members[session] else { return notMember(session, &effects) }
            let record = ChatRecord(room: room.name, sender: sender, recipient: nil, text: text, at: now)
            store(record, .message(from: session, sender: sender, text: text), &effects)
        case .act(let session, let text):
            guard let sender = members[session] else { return notMember(session, &effects) }
            let record = ChatRecord(
                room: room.name, sender: sender, recipient: nil, text: text, at: now, isAction: true)
            store(record, .action(from: session, sender: sender, text: text), &effects)
        case .whisper(let session, let target, let text):
            guard let sender = members[session] else { return notMember(session, &effects) }
            guard byName[target.key] != nil else {
                let line = ServerLine.error(.noSuchUser, "\(target) is not in \(room.name)")
                effects.append(.session(session, .deliver(line)))
                return
            }
            let record = ChatRecord(room: room.name, sender: sender, recipient: target, text: text, at: now)
            store(record, .whisper(from: session, sender: sender, to: target, text: text), &effects)
        case .users(let session):
            let line = ServerLine.users(room: room.name, names: memberNames)
            effects.append(.session(session, .deliver(line)))
        case .leave(let session):
            remove(session, &effects)
        }
    }

    mutating func handle<Output: RosterOutput>(_ reply: StoreReply, _ effects: inout [Output]) {
        switch reply {
        case .messageStored(let ticket):
            guard let pending = awaitingStore.removeValue(forKey: ticket) else { return }
            deliver(pending, &effects)
        case .failed(let ticket):
            guard let pending = awaitingStore.removeValue(forKey: ticket) else { return }
            let line = ServerLine.error(.storeFailed, "your message could not be saved; nobody got it")
            effects.append(.session(pending.sender, .deliver(line)))
        case .accountCreated, .accountNameTaken, .accountFound, .accountMissing, .accountBanned:
            break  // Not a room's business.
        }
    }

    /// A line for every member but one.
    func broadcast<Output: RosterOutput>(_ line: ServerLine, except excluded: SessionID?, _ effects: inout [Output]) {
        effects.reserveCapacity(effects.count + members.count)
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

    private func deliver<Output: RosterOutput>(_ pending: Pending, _ effects: inout [Output]) {
        switch pending {
        case .message(_, let sender, let text):
            broadcast(.message(room: room.name, from: sender, text: text), except: nil, &effects)
        case .action(_, let sender, let text):
            broadcast(.action(room: room.name, from: sender, text: text), except: nil, &effects)
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
