/// A room's history reads in flight, and the sessions waiting on one to come in.
///
/// The race it settles: a message stored while someone is joining must reach them
/// exactly once. A session on its way in is not a member yet: the room asks the store
/// for its history and adds the session only when the answer comes. The store answers
/// in order, so every message the room asked it to keep before the read is in the
/// history, and is acknowledged before it; every message asked for after the read is
/// acknowledged after it, when the session is a member. So what the room delivers while
/// a session waits is exactly what the history will hold; it is kept per arrival (sender
/// and text) only for a read that fails, when it is delivered live instead.
struct HistoryReads: Hashable, Sendable {
    /// Why the room asked.
    enum Purpose: Hashable, Sendable {
        /// A session entering the room: it becomes a member with the answer.
        case arrival(SessionID)
        /// `/history N` from a member.
        case command(SessionID)
        /// A `/history` whose member left before the read came back, and was answered then.
        case abandoned
    }

    /// A session that waits for the history to come in.
    struct Arrival: Hashable, Sendable {
        let name: Name
        /// What the session is told once it is in (`entered`, or back in global).
        let greeting: SessionMessage
        /// Room messages delivered while it waited: all of them are in the history.
        var missed: [ServerLine] = []
    }

    private var reads: [Ticket: Purpose] = [:]
    private var arrivals: [SessionID: Arrival] = [:]

    var isEmpty: Bool { reads.isEmpty }
    var hasArrivals: Bool { !arrivals.isEmpty }
    func isArriving(_ session: SessionID) -> Bool { arrivals[session] != nil }
    func isRead(_ ticket: Ticket) -> Bool { reads[ticket] != nil }

    mutating func begin(_ ticket: Ticket, for session: SessionID, arriving arrival: Arrival?) {
        precondition(reads[ticket] == nil, "one read per ticket")
        if let arrival {
            precondition(arrivals[session] == nil, "a session arrives once at a time: it waits for `entered`")
            arrivals[session] = arrival
            reads[ticket] = .arrival(session)
        } else {
            reads[ticket] = .command(session)
        }
    }

    /// A room message went to the members: every arrival will find it in its history.
    mutating func delivered(_ line: ServerLine) {
        for session in arrivals.keys { arrivals[session]?.missed.append(line) }
    }

    /// A member goes: its `/history` reads still out are answered now (the caller answers
    /// each), while it is here to hear it; their replies will be dropped. How many it had.
    mutating func abandonCommands(of session: SessionID) -> Int {
        var count = 0
        for (ticket, purpose) in reads where purpose == .command(session) {
            reads[ticket] = .abandoned
            count += 1
        }
        return count
    }

    /// The read this ticket answers, and its arrival if it was one.
    mutating func finish(_ ticket: Ticket) -> (Purpose, Arrival?)? {
        guard let purpose = reads.removeValue(forKey: ticket) else { return nil }
        switch purpose {
        case .arrival(let session):
            guard let arrival = arrivals.removeValue(forKey: session) else {
                preconditionFailure("an arrival's read and its arrival end together")
            }
            return (purpose, arrival)
        case .command, .abandoned:
            return (purpose, nil)
        }
    }
}

extension Roster {
    /// The lines a session gets for a room's history: each entry, then the end marker.
    func replay<Output: RosterOutput>(
        _ entries: ArraySlice<HistoryEntry>, to session: SessionID, _ effects: inout [Output]
    ) {
        effects.reserveRoom(for: entries.count + 1)
        for entry in entries {
            let line = ServerLine.history(room: room.name, at: entry.at, from: entry.sender, text: entry.text)
            effects.append(.session(session, .deliver(line)))
        }
        effects.append(.session(session, .deliver(.historyEnd(room: room.name))))
    }
}
