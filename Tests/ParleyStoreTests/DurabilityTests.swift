import Foundation
import Testing

@testable import ParleyStore

@Suite("Durability")
struct DurabilityTests {
    @Test(
        "Data committed through one connection is visible after closing and reopening the file",
        arguments: [ParleyDatabase.SynchronousMode.normal, .full])
    func visibleAfterReopen(synchronous: ParleyDatabase.SynchronousMode) throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            do {
                let db = try ParleyDatabase.open(path: path, synchronous: synchronous)
                try db.withTransaction {
                    _ = try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 1)
                    try db.appendMessage(room: "r", sender: "Ann", recipient: nil, body: "batched", atMs: 2)
                }
                try db.appendMessage(room: "r", sender: "Ann", recipient: "Bob", body: "autocommit", atMs: 3)
                try db.appendAudit(kind: "login", account: "Ann", address: "10.0.0.1", detail: nil, atMs: 4)
            }  // the connection is closed here
            let db = try ParleyDatabase.open(path: path, synchronous: synchronous)
            #expect(try db.account(nameKey: "ann")?.name == "Ann")
            #expect(try db.messages(room: "r").map(\.body) == ["batched", "autocommit"])
            #expect(try db.auditEntries().map(\.address) == ["10.0.0.1"])
        }
    }

    // What a kill -9 leaves behind is whatever the process had written to its files; the
    // connection never closes and never checkpoints. Copying the database and its WAL while
    // the writer is still open captures exactly that state.
    @Test("Committed data survives a simulated kill -9 of the writing process")
    func survivesSimulatedCrash() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            let crashed = databasePath(in: dir, "crashed.sqlite")
            let db = try ParleyDatabase.open(path: path, synchronous: .normal)
            try db.withTransaction {
                _ = try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 1)
                for index in 0..<10 {
                    try db.appendMessage(
                        room: "r", sender: "Ann", recipient: nil, body: "m\(index)", atMs: Int64(index))
                }
            }
            let files = FileManager.default
            // The commit lives in the WAL, not yet in the main file.
            let walSize = try files.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
            #expect(walSize > 0)
            try files.copyItem(atPath: path, toPath: crashed)
            try files.copyItem(atPath: path + "-wal", toPath: crashed + "-wal")
            // No -shm copy: recovery rebuilds the WAL index from the WAL file alone.

            // The main file alone does not hold the commit: it is the WAL that makes it durable.
            let mainOnly = databasePath(in: dir, "main-only.sqlite")
            try files.copyItem(atPath: path, toPath: mainOnly)
            #expect(try ParleyDatabase.open(path: mainOnly).accountCount() == 0)

            let recovered = try ParleyDatabase.open(path: crashed)
            #expect(recovered.appliedMigrationVersions.isEmpty)
            #expect(try recovered.accountCount() == 1)
            #expect(try recovered.messages(room: "r").map(\.body) == (0..<10).map { "m\($0)" })
            _ = db  // the original writer stays open until here, like a killed process
        }
    }
}

@Suite("Checkpoints from a second connection")
struct CheckpointTests {
    @Test(
        "with automatic checkpoints off, a passive checkpoint from another connection copies the WAL and a restart lets it start over"
    )
    func backgroundCheckpoints() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            let writer = try ParleyDatabase.open(path: path)
            try writer.setAutomaticCheckpoints(false)
            let checkpointer = try ParleyDatabase.open(path: path)
            for index in 0..<1_500 {  // more pages than SQLite's automatic threshold (1000)
                try writer.appendMessage(
                    room: "r", sender: "Ann", recipient: nil, body: "m\(index)", atMs: Int64(index))
            }
            let progress = try checkpointer.checkpoint(.passive)
            #expect(progress.walPages > 1_000)  // nothing checkpointed it behind our back
            #expect(progress.isComplete)  // the writer was quiet meanwhile
            try checkpointer.checkpoint(.restart)
            try writer.appendMessage(room: "r", sender: "Ann", recipient: nil, body: "after", atMs: 9_999)
            #expect(try checkpointer.checkpoint(.passive).walPages < 10)  // the WAL started over
            let reader = try ParleyDatabase.open(path: path)
            #expect(try reader.messages(room: "r").count == 1_501)
        }
    }
}
