import ChatCore

/// The tag every simulated text carries, so a delivery can be matched to what was typed:
/// "m3.7" is client 3's seventh text, a room message; "w3.8" a whisper. A tag may be
/// followed by a blank (space or tab) and any payload: "m3.7\tcafé ☕".
struct TextTag: Hashable, Sendable {
    let whisper: Bool
    let client: Int
    let number: Int

    init(whisper: Bool, client: Int, number: Int) {
        self.whisper = whisper
        self.client = client
        self.number = number
    }

    init?(_ text: String) {
        var utf8 = text.utf8[...]
        guard let first = utf8.popFirst(), first == UInt8(ascii: "m") || first == UInt8(ascii: "w") else { return nil }
        var client = 0, number = 0, seenDot = false, digits = 0
        for byte in utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t"), seenDot, digits > 0 {
                break
            } else if byte == UInt8(ascii: "."), !seenDot, digits > 0 {
                seenDot = true
                digits = 0
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits < 9 {
                if seenDot { number = number * 10 + Int(byte - 48) } else { client = client * 10 + Int(byte - 48) }
                digits += 1
            } else {
                return nil
            }
        }
        guard seenDot, digits > 0, client > 0, number > 0 else { return nil }
        self.init(whisper: first == UInt8(ascii: "w"), client: client, number: number)
    }

    var text: String { "\(whisper ? "w" : "m")\(client).\(number)" }
}

/// The life of one tagged text, from typing to its delivery or its error.
struct MessageEntry: Hashable, Sendable {
    enum Stage: Sendable, Hashable {
        /// No such text was typed.
        case unused
        case typed
        /// A room took it and asked the store to keep it.
        case accepted
        case stored
        case failed
        /// A room refused it (whisper to someone not there) with an error to the sender.
        case refused
        /// It reached the people it was for (or, for a whisper, the sender's error).
        case settled
    }

    var stage = Stage.unused
    /// For a whisper, the target's name key.
    var target: String?
    var sender = -1
    var room = RoomID.global
    var acceptStep = 0
    var seq = 0
    /// A room message whose sender the room kicked while the store had it: whatever the
    /// store says, the sender is owed no answer for it.
    var senderKicked = false
    /// A `/me` action, not a message: it is delivered as `ACTION`.
    var isAction = false
}

/// Every tagged text of the run, by client and number: arrays, not dictionaries, so
/// a look-up is an index and nothing depends on hashing.
struct MessageLedger: Sendable {
    private var entries: [[MessageEntry]] = []

    init(clients: Int) {
        entries = Array(repeating: [], count: clients)
    }

    subscript(tag: TextTag) -> MessageEntry {
        get {
            guard tag.client <= entries.count, tag.number <= entries[tag.client - 1].count else {
                return MessageEntry()
            }
            return entries[tag.client - 1][tag.number - 1]
        }
        set {
            precondition(tag.client <= entries.count, "a tag names a client of this world")
            while entries[tag.client - 1].count < tag.number { entries[tag.client - 1].append(MessageEntry()) }
            entries[tag.client - 1][tag.number - 1] = newValue
        }
    }

    /// The room messages `sender` (a slot) had in `room` at the store when the room kicked
    /// it: taken, and the store's answer not yet back at the room (it may have answered).
    mutating func noteKicked(sender: Int, from room: RoomID) {
        for client in entries.indices {
            for index in entries[client].indices {
                let entry = entries[client][index]
                guard entry.sender == sender, entry.room == room, entry.target == nil,
                    [.accepted, .stored, .failed].contains(entry.stage)
                else { continue }
                entries[client][index].senderKicked = true
            }
        }
    }

    /// Every text that reached a stage, in a fixed order (client, then number).
    func tags(where stage: MessageEntry.Stage) -> [TextTag] {
        var found: [TextTag] = []
        for (client, list) in entries.enumerated() {
            for (index, entry) in list.enumerated() where entry.stage == stage {
                found.append(TextTag(whisper: entry.target != nil, client: client + 1, number: index + 1))
            }
        }
        return found
    }
}

/// A store request a room is waiting on: which room, which ticket.
struct StoreTicket: Hashable, Sendable {
    let room: RoomID
    let ticket: Ticket
}

extension MessageLedger {
    /// The steps at which rooms accepted texts (0: not accepted), by room, for `StateDigest` to rank.
    var acceptSteps: [(room: RoomID, step: Int)] { entries.flatMap { $0.map { ($0.room, $0.acceptStep) } } }

    /// For `StateDigest`: every entry, in order, with its accept step replaced by its rank
    /// among its room's steps (`StepRanks` says why that is all the numbers say).
    func digest(into hasher: inout Hasher, rank: (Int, RoomID) -> Int) {
        for list in entries {
            hasher.combine(list.count)
            for var entry in list {
                entry.acceptStep = rank(entry.acceptStep, entry.room)
                hasher.combine(entry)
            }
        }
    }
}
