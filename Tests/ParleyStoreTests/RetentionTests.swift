import Foundation
import Testing

@testable import ParleyStore

/// `parley serve --keep-days`: deleting old messages, on a real file.
@Suite("Message retention")
struct RetentionTests {
    @Test("messages sent before the cutoff are deleted and newer ones kept, however many batches it takes")
    func deletesOlderOnly() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            for at in Int64(1)...7 {
                try db.appendMessage(room: "global", sender: "alice", recipient: nil, body: "old \(at)", atMs: at)
            }
            try db.appendMessage(room: "global", sender: "alice", recipient: nil, body: "at the cutoff", atMs: 100)
            try db.appendMessage(room: "lounge", sender: "bob", recipient: "alice", body: "new", atMs: 200)
            #expect(try db.deleteMessages(sentBefore: 100, batchSize: 3) == 7)
            #expect(try db.messages(room: "global").map(\.body) == ["at the cutoff"])
            #expect(try db.messages(room: "lounge").map(\.body) == ["new"])
            #expect(try db.deleteMessages(sentBefore: 100) == 0)
        }
    }

    @Test("the deletion finds old messages through the time index rather than reading the whole table")
    func usesTheTimeIndex() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            let plan = try db.connection.prepare("EXPLAIN QUERY PLAN " + MessageSQL.deleteOlder)
            try plan.bind(Int64(0), at: 1)
            try plan.bind(Int64(1000), at: 2)
            var steps: [String] = []
            while try plan.step() { steps.append(plan.string(at: 3) ?? "") }
            #expect(steps.contains { $0.contains("INDEX messages_sent_at") }, "\(steps)")
            #expect(!steps.contains { $0.hasPrefix("SCAN messages") }, "\(steps)")
        }
    }

    @Test("a file made before retention existed gains the time index when opened, keeping its messages")
    func migratesOldFile() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            do {
                let old = try ParleyDatabase.open(path: path, migrations: Array(ParleySchema.migrations.prefix(1)))
                // The row as that schema wrote it, in its own columns (no room life or kind yet).
                try old.connection.execute(
                    "INSERT INTO messages (room, sender, recipient, body, sent_at_ms) VALUES ('global', 'alice', NULL, 'kept', 5)"
                )
            }
            let db = try ParleyDatabase.open(path: path)
            #expect(db.appliedMigrationVersions == [2, 3, 4])
            #expect(try schemaObjects(db.connection).contains("messages_sent_at"))
            #expect(try db.messages(room: "global").map(\.body) == ["kept"])
        }
    }
}
