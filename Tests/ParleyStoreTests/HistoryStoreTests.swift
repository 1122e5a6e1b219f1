import Testing

@testable import ParleyStore

@Suite("Room history in SQLite")
struct HistoryStoreTests {
    @Test("a history is one room life's newest messages, oldest first, without whispers or /me actions")
    func newestOfOneLife() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            for n in 1...5 {
                try db.appendMessage(
                    room: "lounge", life: 7, sender: "ann", recipient: nil, body: "m\(n)", atMs: Int64(n))
            }
            try db.appendMessage(room: "lounge", life: 7, sender: "ann", recipient: "bob", body: "secret", atMs: 6)
            try db.appendMessage(
                room: "lounge", life: 7, sender: "ann", recipient: nil, body: "waves", atMs: 6, isAction: true)
            try db.appendMessage(room: "lounge", life: 8, sender: "ann", recipient: nil, body: "next life", atMs: 7)
            #expect(try db.history(life: 7, limit: 3).map(\.body) == ["m3", "m4", "m5"])
            #expect(try db.history(life: 7, limit: 3).map(\.sentAtMs) == [3, 4, 5])
            #expect(try db.history(life: 8, limit: 50).map(\.body) == ["next life"])
            #expect(try db.history(life: 9, limit: 50).isEmpty)
            #expect(try db.latestRoomLife() == 8)
        }
    }

    @Test("a join's history read walks back the history index and never scans the table")
    func boundedRead() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            let plan = try db.historyQueryPlan()
            #expect(plan.contains { $0.contains("USING INDEX messages_history (room_life=?)") }, "\(plan)")
            #expect(!plan.contains { $0.hasPrefix("SCAN messages") }, "\(plan)")
            let latest = try db.latestRoomLifeQueryPlan()
            #expect(latest.contains { $0.contains("messages_history") }, "\(latest)")
            #expect(!latest.contains { $0.hasPrefix("SCAN messages") }, "\(latest)")
        }
    }

    @Test("migrating a file from before room lives keeps global's messages in its history and no other room's")
    func migrationKeepsGlobal() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            do {
                let raw = try SQLiteConnection(path: path)
                for migration in ParleySchema.migrations where migration.version <= 2 { try migration.apply(raw) }
                try raw.execute(
                    """
                    INSERT INTO messages (room, sender, recipient, body, sent_at_ms) VALUES
                        ('global', 'ann', NULL, 'old global', 1), ('lounge', 'ann', NULL, 'old lounge', 2);
                    PRAGMA user_version = 2;
                    """)
            }
            let db = try ParleyDatabase.open(path: path)
            #expect(db.appliedMigrationVersions == [3, 4])
            #expect(try db.history(life: 0, limit: 50).map(\.body) == ["old global"])
            #expect(try db.latestRoomLife() == 0)
        }
    }
}
