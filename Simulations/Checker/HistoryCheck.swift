import ChatCore

/// What the checker knows of room histories, from what it saw stored and delivered: the
/// store's order of each room life's messages (its own count), the reads rooms asked
/// for, who waits for one, and where each session's history ended.
struct HistoryBook: Sendable {
    /// A history read a room asked for.
    struct Read: Hashable, Sendable {
        let slot: Int
        /// On entering the room (else `/history`).
        let arrival: Bool
        /// How many lines a `/history` asked for (nil on arrival).
        var lines: Int?
        /// How many of the room's messages the store held when it served the read.
        var point: Int?
        /// A `/history` its member left the room before it came back: answered at the leave.
        var abandoned = false
    }

    /// Room messages (no whispers) stored per room life, in the store's order.
    var stored: [RoomID: [TextTag]] = [:]
    var position: [TextTag: Int] = [:]
    var reads: [StoreTicket: Read] = [:]
    /// Sessions (by slot) on their way into a room, waiting for its history.
    var awaiting: [Int: RoomID] = [:]
    /// Per waiting slot: the store position of the oldest message its room delivered while
    /// it waited. It got none of them live, so its history must hold them all.
    var missed: [Int: Int] = [:]
    /// Per slot: the room it entered with a history, and the store position that history
    /// ended before: it is owed every later message live, and none before.
    var from: [Int: (room: RoomID, position: Int)] = [:]
}

extension World {
    /// A room asked the store for a history: note whose and why.
    mutating func noteHistoryReads<Output: MailingOutput>(_ room: RoomID, _ input: RoomInput, _ effects: [Output]) {
        for case .store(.readHistory(let ticket, _, _, _))? in effects.lazy.map({ $0.mail }) {
            let session: SessionID?
            var lines: Int?
            if let arriving = input.arriving {
                session = arriving
            } else if case .history(let id, let asked)? = input.request {
                (session, lines) = (id, asked)
            } else {
                session = nil
            }
            guard let session, let slot = slot(session) else {
                return fail(.historyOnce, "\(roomName(room)) read its history for no session that asked")
            }
            let arrival = input.arriving != nil
            observed.history.reads[StoreTicket(room: room, ticket: ticket)] = .init(
                slot: slot, arrival: arrival, lines: lines)
            if arrival { observed.history.awaiting[slot] = room }
        }
    }

    /// Members that went from `room` in this step: each `/history` of theirs still out is
    /// answered now, `ERR no-such-room`, while they are here to hear it (PROTOCOL.md).
    mutating func checkHistoriesAbandoned<Output: MailingOutput>(
        _ room: RoomID, gone: [Int], _ effects: [Output]
    ) {
        for slot in gone {
            var out = 0
            for (key, read) in observed.history.reads
            where key.room == room && read.slot == slot && !read.arrival && !read.abandoned {
                observed.history.reads[key]?.abandoned = true
                out += 1
            }
            guard out > 0 else { continue }
            var told = 0
            for case .session(let id, .deliver(.error(.noSuchRoom, _)))? in effects.lazy.map({ $0.mail })
            where self.slot(id) == slot {
                told += 1
            }
            if told < out {
                fail(
                    .answerCodes,
                    "\(sessions[slot].name) went from \(roomName(room)) with \(out) /history out and got \(told) no-such-room"
                )
            }
        }
    }

    /// The store kept a room message or served a read: the checker's own count of the order.
    /// A history holds room messages only: no whisper, no `/me` action (PROTOCOL.md, HISTORY).
    mutating func noteHistoryStore(_ request: StoreRequest, owner: RoomID, tag: TextTag?, stored: Bool) {
        switch request {
        case .appendMessage(_, let record, _) where stored && record.recipient == nil && !record.isAction:
            guard let tag else { return }
            observed.history.position[tag] = observed.history.stored[owner, default: []].count
            observed.history.stored[owner, default: []].append(tag)
        case .readHistory(let ticket, _, _, _):
            let key = StoreTicket(room: owner, ticket: ticket)
            observed.history.reads[key]?.point = observed.history.stored[owner]?.count ?? 0
        default:
            break
        }
    }

    /// A history came back to its room: what the session got must be exactly the room's
    /// newest messages up to the read, in the store's order (at least `historyLines` of
    /// them on arrival, when there are that many), and nothing it had live already. A read
    /// the store failed is `failedHistory`'s. Returns the slot of an arrival whose read
    /// failed: the room messages it gets in this step are the ones it missed, live.
    @discardableResult
    mutating func checkHistoryReply<Output: MailingOutput>(
        _ room: RoomID, _ reply: StoreReply?, _ effects: [Output]
    )
        -> Int?
    {
        guard let reply,
            let read = observed.history.reads.removeValue(forKey: StoreTicket(room: room, ticket: reply.ticket))
        else { return nil }
        let missed = read.arrival ? observed.history.missed.removeValue(forKey: read.slot) : nil
        if read.arrival { observed.history.awaiting[read.slot] = nil }
        guard case .history = reply else {
            failedHistory(read, of: room, missed: missed, effects)
            return read.arrival ? read.slot : nil
        }
        checkServedHistory(read, of: room, missed: missed, effects)
        return nil
    }

    private mutating func checkServedHistory<Output: MailingOutput>(
        _ read: HistoryBook.Read, of room: RoomID, missed: Int?, _ effects: [Output]
    ) {
        guard let point = read.point else {
            return fail(
                .historyOnce,
                "\(roomName(room)) got a history for \(sessions[read.slot].name) that the store never served it")
        }
        var tags: [TextTag] = []
        var ends = 0, heads = 0
        // Every line of it names the room as it was made, and each message its sender as
        // the sender's account is spelled.
        let made = model.madeName(of: room)
        for case .session(let id, .deliver(let line))? in effects.lazy.map({ $0.mail }) where slot(id) == read.slot {
            let named: Name
            switch line {
            case .ok(.history(let name)):
                heads += 1
                named = name
            case .history(let name, _, let from, let text):
                guard let tag = TextTag(text) else {
                    return fail(.historyOnce, "\(sessions[read.slot].name) got \(text) in history, which nobody said")
                }
                let sender = observed.messages[tag].sender
                if sender >= 0, let account = model.sessions[sender].granted, account.text != from.text {
                    return fail(
                        .answerContents,
                        "\(sessions[read.slot].name) got \(text) in history from \(from); \(account) said it")
                }
                tags.append(tag)
                named = name
            case .historyEnd(let name):
                ends += 1
                named = name
            default: continue
            }
            if named.text != made {
                return fail(
                    .answerContents,
                    "\(sessions[read.slot].name)'s history of \(roomName(room)) came as \"\(line.rendered.dropLast())\""
                )
            }
        }
        if read.abandoned || (!read.arrival && ends == 0 && tags.isEmpty) {
            // A `/history` whose member left meanwhile: answered at its leave, nothing more now.
            hazards.insert(.historyOutAtLeave)
            if ends > 0 || heads > 0 || !tags.isEmpty {
                fail(
                    .historyOnce,
                    "\(sessions[read.slot].name) left \(roomName(room)) before its /history came back, and got it after all"
                )
            }
            return
        }
        let newest = observed.history.stored[room, default: []][..<point].suffix(tags.count)
        // On arrival at least the room's history length, and every message the room delivered
        // while it waited; for `/history N` exactly the newest N, after one `OK history`.
        let owed = min(read.lines ?? max(setup.historyLines ?? 0, missed.map { point - $0 } ?? 0), point)
        let asked = read.lines != nil ? heads == 1 && tags.count == owed : heads == 0 && tags.count >= owed
        guard ends == 1, Array(newest) == tags, asked else {
            return fail(
                .historyOnce,
                "\(sessions[read.slot].name)'s history of \(roomName(room)) was [\(tags.map(\.text).joined(separator: " "))] with \(heads) OKs and \(ends) ends\(read.lines.map { " for /history \($0)" } ?? ""); the store's newest \(owed) before the read were [\(observed.history.stored[room, default: []][..<point].suffix(owed).map(\.text).joined(separator: " "))]"
            )
        }
        if read.arrival { observed.history.from[read.slot] = (room, point) }
    }

    /// The store failed a history read (PROTOCOL.md, HISTORY). A `/history` gets `ERR
    /// store-failed` and nothing else (nothing at all if its member left meanwhile). An
    /// arrival gets an empty history, its `HISTORY-END`, and then, live and in the store's
    /// order, every room message the room delivered while it waited (none of which it had).
    private mutating func failedHistory<Output: MailingOutput>(
        _ read: HistoryBook.Read, of room: RoomID, missed: Int?, _ effects: [Output]
    ) {
        hazards.insert(.historyReadFailed)
        let name = sessions[read.slot].name
        var lines: [ServerLine] = []
        for case .session(let id, .deliver(let line))? in effects.lazy.map({ $0.mail }) where slot(id) == read.slot {
            lines.append(line)
        }
        let shown = lines.map { "\"\($0.rendered.dropLast())\"" }.joined(separator: ", ")
        guard read.arrival else {
            // Its member went meanwhile and was answered then: nothing more.
            let answered: Bool
            switch lines.first {
            case .error(.storeFailed, _)? where lines.count == 1: answered = !read.abandoned
            case nil: answered = read.abandoned || observed.sessions[read.slot].memberOf != room
            default: answered = false
            }
            if !answered {
                fail(.answerContents, "\(name)'s /history of \(roomName(room)) failed at the store; it got [\(shown)]")
            }
            return
        }
        guard let point = read.point else {
            return fail(.historyOnce, "\(roomName(room)) got a failed read for \(name) that the store never served")
        }
        let stored = observed.history.stored[room, default: []]
        let owed = missed.map { Array(stored[min($0, point)..<point]) } ?? []
        var live: [TextTag] = []
        var ends = 0, early = false
        let made = model.madeName(of: room)
        for line in lines {
            switch line {
            case .historyEnd(let named) where named.text == made:
                ends += 1
            case .message(let named, _, let text) where named.text == made:
                if ends == 0 { early = true }
                guard let tag = TextTag(text) else { continue }
                live.append(tag)
            default:
                continue
            }
        }
        guard ends == 1, !early, live == owed else {
            return fail(
                .historyOnce,
                "\(name)'s history of \(roomName(room)) failed at the store; it got [\(shown)], owed one end and then [\(owed.map(\.text).joined(separator: " "))] live"
            )
        }
        if !live.isEmpty { hazards.insert(.missedLiveAfterFailedRead) }
        observed.sessions[read.slot].audit.messagesOwed += live.count
        observed.history.from[read.slot] = (room, point)
    }

    /// A room message delivered live: not to a session still waiting for that room's
    /// history (it is in the history: that would be twice), not to one whose history
    /// already held it, and to every member whose history ended before it.
    mutating func checkHistoryDelivery(
        _ tag: TextTag, in room: RoomID, _ members: [SessionID: Name], to recipients: [Int]
    ) {
        if observed.history.awaiting.values.contains(room) { hazards.insert(.storedWhileJoining) }
        let position = observed.history.position[tag] ?? Int.max
        for (slot, waiting) in observed.history.awaiting where waiting == room {
            observed.history.missed[slot] = min(observed.history.missed[slot] ?? position, position)
        }
        for slot in recipients {
            if observed.history.awaiting[slot] == room {
                return fail(
                    .historyOnce,
                    "\(sessions[slot].name) got \(tag.text) live while its history of \(roomName(room)) was being read, which holds it too"
                )
            }
            if let from = observed.history.from[slot], from.room == room, position < from.position {
                return fail(
                    .historyOnce,
                    "\(sessions[slot].name) got \(tag.text) live after its history of \(roomName(room)) held it")
            }
        }
        for id in members.keys {
            guard let slot = slot(id), let from = observed.history.from[slot], from.room == room,
                observed.sessions[slot].memberOf == room, position >= from.position, !recipients.contains(slot)
            else { continue }
            return fail(
                .historyOnce,
                "\(sessions[slot].name) got \(tag.text) neither in its history of \(roomName(room)) nor live")
        }
    }
}
