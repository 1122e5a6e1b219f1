import Foundation
import Testing

@testable import ParleyStore

@Suite("Schema and migrations")
struct SchemaMigrationTests {
    @Test("Opening a new file creates the schema at the latest user_version in WAL mode")
    func newFileGetsLatestSchemaInWAL() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            #expect(db.appliedMigrationVersions == ParleySchema.migrations.map(\.version))
            #expect(try db.schemaVersion() == ParleyDatabase.latestSchemaVersion)
            #expect(ParleyDatabase.latestSchemaVersion == 4)
            #expect(try db.journalMode() == "wal")
            #expect(try db.connection.scalarInt64("PRAGMA foreign_keys") == 1)
            #expect(try db.connection.scalarInt64("PRAGMA synchronous") == 1)
            let objects = try schemaObjects(db.connection)
            #expect(
                objects == [
                    "accounts", "messages", "audit", "messages_room_id", "messages_sent_at", "messages_history",
                    "reserved_names",
                ])
        }
    }

    @Test("Opening with synchronous FULL sets it on the connection")
    func synchronousFull() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir), synchronous: .full)
            #expect(try db.connection.scalarInt64("PRAGMA synchronous") == 2)
        }
    }

    @Test("Reopening an up-to-date file applies no migration and keeps accounts and messages")
    func reopenAppliesNothing() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            do {
                let db = try ParleyDatabase.open(path: path)
                #expect(try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h1", atMs: 1) == .created)
                try db.appendMessage(room: "lobby", sender: "Ann", recipient: nil, body: "hi", atMs: 2)
            }
            let reopened = try ParleyDatabase.open(path: path)
            #expect(reopened.appliedMigrationVersions.isEmpty)
            #expect(try reopened.schemaVersion() == ParleyDatabase.latestSchemaVersion)
            #expect(try reopened.account(nameKey: "ann")?.passwordHash == "h1")
            #expect(try reopened.messages(room: "lobby").map(\.body) == ["hi"])
        }
    }

    @Test("A file whose user_version is newer than the code knows is refused and left untouched")
    func newerSchemaIsRefused() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            _ = try ParleyDatabase.open(path: path)
            do {
                let raw = try SQLiteConnection(path: path)
                try raw.execute("PRAGMA user_version = 99")
            }
            let expected = ParleyDatabaseError.schemaTooNew(
                fileVersion: 99, latestKnownVersion: ParleySchema.latestVersion)
            #expect(throws: expected) { try ParleyDatabase.open(path: path) }
            #expect(throws: expected) { try ParleyDatabase.open(path: path, access: .readOnly) }
            #expect(expected.description.contains("newer"))
            let raw = try SQLiteConnection(path: path, mode: .readOnly)
            #expect(try raw.scalarInt64("PRAGMA user_version") == 99)
        }
    }

    @Test("Pending migrations above the file's version are applied in order")
    func laterMigrationsApply() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            _ = try ParleyDatabase.open(path: path)
            let next = ParleySchema.latestVersion + 1
            let v2 = Migration(version: next, summary: "extra table", sql: "CREATE TABLE extra (x INTEGER)")
            let v3 = Migration(version: next + 1, summary: "extra column") { connection in
                try connection.execute("ALTER TABLE extra ADD COLUMN y TEXT")
            }
            let db = try ParleyDatabase.open(path: path, migrations: ParleySchema.migrations + [v2, v3])
            #expect(db.appliedMigrationVersions == [next, next + 1])
            #expect(try db.schemaVersion() == next + 1)
            #expect(try schemaObjects(db.connection).contains("extra"))
        }
    }

    @Test("A failing migration step is rolled back and leaves the file at the previous version")
    func failingMigrationRollsBack() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            let broken = Migration(
                version: ParleySchema.latestVersion + 1, summary: "broken",
                sql: """
                    CREATE TABLE half_done (x INTEGER);
                    INSERT INTO no_such_table VALUES (1);
                    """)
            #expect(throws: SQLiteError.self) {
                try ParleyDatabase.open(path: path, migrations: ParleySchema.migrations + [broken])
            }
            let db = try ParleyDatabase.open(path: path)
            #expect(db.appliedMigrationVersions.isEmpty)
            #expect(try db.schemaVersion() == ParleySchema.latestVersion)
            #expect(!(try schemaObjects(db.connection).contains("half_done")))
        }
    }

    @Test("A migration list with a gap in its versions is rejected")
    func gappedMigrationListRejected() throws {
        try withTemporaryDirectory { dir in
            let gap = Migration(
                version: ParleySchema.latestVersion + 2, summary: "skips one", sql: "CREATE TABLE t (x)")
            #expect(throws: ParleyDatabaseError.self) {
                try ParleyDatabase.open(path: databasePath(in: dir), migrations: ParleySchema.migrations + [gap])
            }
        }
    }

    @Test("A file that is not an SQLite database is refused with a recognisable SQLiteError")
    func notADatabase() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            let garbage = String(repeating: "this is not a database\n", count: 100)
            try garbage.write(toFile: path, atomically: true, encoding: .utf8)
            let error = #expect(throws: SQLiteError.self) { try ParleyDatabase.open(path: path) }
            #expect(error?.isCorrupt == true)
        }
    }
}
