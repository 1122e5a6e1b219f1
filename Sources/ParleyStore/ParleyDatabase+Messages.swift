enum MessageSQL {
    static let insert = """
        INSERT INTO messages (room, sender, recipient, body, sent_at_ms, room_life, kind)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        """
    static let byRoom = """
        SELECT id, room, sender, recipient, body, sent_at_ms FROM messages WHERE room = ?1 ORDER BY id
        """
    // The newest `limit` rows via the (room, id) index, returned oldest first.
    static let recentByRoom = """
        SELECT id, room, sender, recipient, body, sent_at_ms FROM (
            SELECT id, room, sender, recipient, body, sent_at_ms FROM messages
            WHERE room = ?1 ORDER BY id DESC LIMIT ?2
        ) ORDER BY id
        """
    static let count = "SELECT count(*) FROM messages"
    // A batch of the oldest messages, found through the sent_at_ms index.
    static let deleteOlder = """
        DELETE FROM messages WHERE id IN (
            SELECT id FROM messages WHERE sent_at_ms < ?1 ORDER BY sent_at_ms LIMIT ?2
        )
        """
}

extension ParleyDatabase {
    /// Stores a chat message.
    /// - Parameters:
    ///   - room: The room it was sent in.
    ///   - life: Which life of that room (`RoomID`; global is 0); -1, no room's history.
    ///   - sender: The sender's account name.
    ///   - recipient: The whisper recipient, or nil for a room message.
    ///   - body: The text.
    ///   - atMs: Send time, milliseconds since the Unix epoch.
    ///   - isAction: A `/me` line (its `kind` is `action`) rather than a plain message.
    /// - Returns: The new row id.
    @discardableResult
    public func appendMessage(
        room: String, life: Int64 = -1, sender: String, recipient: String?, body: String, atMs: Int64,
        isAction: Bool = false
    ) throws -> Int64 {
        try withStatement(MessageSQL.insert) { statement in
            try statement.bind(room, at: 1)
            try statement.bind(sender, at: 2)
            try statement.bind(recipient, at: 3)
            try statement.bind(body, at: 4)
            try statement.bind(atMs, at: 5)
            try statement.bind(life, at: 6)
            try statement.bind(isAction ? "action" : "message", at: 7)
            try statement.run()
            return connection.lastInsertRowID
        }
    }

    /// Every message of `room` (whispers included), oldest first. Intended for tests and tools.
    public func messages(room: String) throws -> [StoredMessage] {
        try withStatement(MessageSQL.byRoom) { statement in
            try statement.bind(room, at: 1)
            return try readMessages(statement)
        }
    }

    /// The newest `limit` messages of `room` (whispers included), oldest first.
    public func recentMessages(room: String, limit: Int) throws -> [StoredMessage] {
        try withStatement(MessageSQL.recentByRoom) { statement in
            try statement.bind(room, at: 1)
            try statement.bind(Int64(max(0, limit)), at: 2)
            return try readMessages(statement)
        }
    }

    /// Deletes every message sent before `cutoffMs` (milliseconds since the Unix epoch),
    /// `batchSize` rows per transaction, so a writer on another connection waits at most
    /// one batch. Not inside ``withTransaction(_:)``: it commits its own batches.
    /// - Returns: How many messages were deleted.
    @discardableResult
    public func deleteMessages(sentBefore cutoffMs: Int64, batchSize: Int = 1_000) throws -> Int {
        precondition(!transactionIsOpen, "deleteMessages commits its own batches")
        let size = max(1, batchSize)
        var deleted = 0
        while true {
            let batch = try withStatement(MessageSQL.deleteOlder) { statement in
                try statement.bind(cutoffMs, at: 1)
                try statement.bind(Int64(size), at: 2)
                try statement.run()
                return connection.changes
            }
            deleted += batch
            if batch < size { return deleted }
        }
    }

    /// The total number of stored messages.
    public func messageCount() throws -> Int {
        try count(MessageSQL.count)
    }

    private func readMessages(_ statement: Statement) throws -> [StoredMessage] {
        var messages: [StoredMessage] = []
        while try statement.step() {
            messages.append(
                StoredMessage(
                    id: statement.int64(at: 0),
                    room: statement.string(at: 1) ?? "",
                    sender: statement.string(at: 2) ?? "",
                    recipient: statement.string(at: 3),
                    body: statement.string(at: 4) ?? "",
                    sentAtMs: statement.int64(at: 5)))
        }
        return messages
    }
}
