enum HistorySQL {
    // The newest `limit` room messages (not /me actions) of one life, walked back from the end of the
    // messages_history index (a bounded read however many rows the table holds), oldest first.
    static let recent = """
        SELECT sender, body, sent_at_ms FROM (
            SELECT id, sender, body, sent_at_ms FROM messages
            WHERE room_life = ?1 AND recipient IS NULL AND kind = 'message' ORDER BY id DESC LIMIT ?2
        ) ORDER BY id
        """
    // The last entry of the same index: one step, not a scan.
    static let latestLife = "SELECT max(room_life) FROM messages WHERE recipient IS NULL"
}

/// One message of a room's history as stored.
public struct StoredHistoryLine: Sendable, Equatable {
    public let sender: String
    public let body: String
    /// Milliseconds since the Unix epoch.
    public let sentAtMs: Int64

    public init(sender: String, body: String, sentAtMs: Int64) {
        self.sender = sender
        self.body = body
        self.sentAtMs = sentAtMs
    }
}

extension ParleyDatabase {
    /// The newest `limit` room messages (never whispers) of room life `life`, oldest first.
    public func history(life: Int64, limit: Int) throws -> [StoredHistoryLine] {
        try withStatement(HistorySQL.recent) { statement in
            try statement.bind(life, at: 1)
            try statement.bind(Int64(max(0, limit)), at: 2)
            var lines: [StoredHistoryLine] = []
            while try statement.step() {
                lines.append(
                    StoredHistoryLine(
                        sender: statement.string(at: 0) ?? "", body: statement.string(at: 1) ?? "",
                        sentAtMs: statement.int64(at: 2)))
            }
            return lines
        }
    }

    /// The highest room life any stored room message has (0, global's, when there is none):
    /// a server starts numbering its temporary rooms above it, so a new room never inherits
    /// an old one's history.
    public func latestRoomLife() throws -> Int64 {
        try withStatement(HistorySQL.latestLife) { statement in
            try statement.step() && !statement.isNull(at: 0) ? max(0, statement.int64(at: 0)) : 0
        }
    }

    /// SQLite's plan for the history read, one detail per line: what a test checks to
    /// know that a join never scans the table.
    public func historyQueryPlan() throws -> [String] {
        try queryPlan(HistorySQL.recent) { statement in
            try statement.bind(Int64(0), at: 1)
            try statement.bind(Int64(50), at: 2)
        }
    }

    /// SQLite's plan for ``latestRoomLife()``.
    public func latestRoomLifeQueryPlan() throws -> [String] {
        try queryPlan(HistorySQL.latestLife) { _ in }
    }

    private func queryPlan(_ sql: String, bind: (Statement) throws -> Void) throws -> [String] {
        try withStatement("EXPLAIN QUERY PLAN " + sql) { statement in
            try bind(statement)
            var details: [String] = []
            while try statement.step() { details.append(statement.string(at: 3) ?? "") }
            return details
        }
    }
}
