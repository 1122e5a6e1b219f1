import Testing

@testable import ParleyStore

@Suite("Failure modes")
struct FailureModeTests {
    /// Creates a migrated database holding one account and one message, then closes it.
    private func seed(_ path: String) throws {
        let db = try ParleyDatabase.open(path: path)
        _ = try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 1)
        try db.appendMessage(room: "lobby", sender: "Ann", recipient: nil, body: "hello", atMs: 2)
    }

    // chmod 0444 would not stop these tests: they run as root, and root ignores permission
    // bits. Opening with SQLITE_OPEN_READONLY is enforced by SQLite itself, for every user.
    @Test("Writes to a database opened read-only throw a read-only error and reads keep working")
    func readOnlyOpen() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            try seed(path)
            let db = try ParleyDatabase.open(path: path, access: .readOnly)
            #expect(db.connection.isReadOnly)

            let writes: [() throws -> Void] = [
                { _ = try db.createAccount(name: "Bob", nameKey: "bob", passwordHash: "h", atMs: 3) },
                { try db.appendMessage(room: "lobby", sender: "Bob", recipient: nil, body: "x", atMs: 3) },
                { try db.appendAudit(kind: "login", account: "Bob", address: nil, detail: nil, atMs: 3) },
                { try db.updatePasswordHash(nameKey: "ann", hash: "other") },
            ]
            for write in writes {
                let error = #expect(throws: SQLiteError.self) { try write() }
                #expect(error?.isReadOnly == true)
                #expect(error?.isBusyOrLocked == false)
                #expect(error?.isFull == false)
            }
            // The connection is still usable for reads after the failed writes.
            #expect(try db.accountCount() == 1)
            #expect(try db.account(nameKey: "ann")?.passwordHash == "h")
            #expect(try db.messages(room: "lobby").map(\.body) == ["hello"])
        }
    }

    @Test("With PRAGMA query_only on, writes fail as read-only and the connection still reads")
    func queryOnlyConnection() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            try seed(path)
            let db = try ParleyDatabase.open(path: path)
            try db.connection.execute("PRAGMA query_only = 1")
            let error = #expect(throws: SQLiteError.self) {
                try db.withTransaction {
                    try db.appendMessage(room: "lobby", sender: "Ann", recipient: nil, body: "x", atMs: 3)
                }
            }
            #expect(error?.isReadOnly == true)
            #expect(!db.connection.isInTransaction)
            #expect(try db.messageCount() == 1)
        }
    }

    @Test("A read-only open of a file that still needs migrations is refused")
    func readOnlyOutdated() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            _ = try SQLiteConnection(path: path)  // creates an empty file at user_version 0
            #expect(
                throws: ParleyDatabaseError.schemaOutdated(
                    fileVersion: 0, latestKnownVersion: ParleySchema.latestVersion)
            ) {
                try ParleyDatabase.open(path: path, access: .readOnly)
            }
        }
    }

    // A genuinely full disk cannot be arranged in a unit test; max_page_count makes SQLite
    // fail the same way (SQLITE_FULL) once the file would need to grow.
    @Test("A full database reports a disk-full error, keeps its data and recovers when space returns")
    func diskFull() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            try seed(path)
            let db = try ParleyDatabase.open(path: path)
            let pages = try #require(try db.connection.scalarInt64("PRAGMA page_count"))
            _ = try db.connection.scalarInt64("PRAGMA max_page_count = \(pages)")

            let big = String(repeating: "z", count: 64 * 1024)
            let error = #expect(throws: SQLiteError.self) {
                try db.appendMessage(room: "lobby", sender: "Ann", recipient: nil, body: big, atMs: 3)
            }
            #expect(error?.isFull == true)
            #expect(error?.isReadOnly == false)
            #expect(try db.messageCount() == 1)

            _ = try db.connection.scalarInt64("PRAGMA max_page_count = 1000000")
            try db.appendMessage(room: "lobby", sender: "Ann", recipient: nil, body: big, atMs: 4)
            #expect(try db.messageCount() == 2)
        }
    }

    @Test("A write while another connection holds the write lock fails as busy")
    func busy() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            let holder = try ParleyDatabase.open(path: path)
            let waiter = try ParleyDatabase.open(path: path, busyTimeoutMilliseconds: 20)
            try holder.withTransaction {
                try holder.appendMessage(room: "r", sender: "a", recipient: nil, body: "held", atMs: 1)
                let error = #expect(throws: SQLiteError.self) {
                    try waiter.appendMessage(room: "r", sender: "b", recipient: nil, body: "blocked", atMs: 2)
                }
                #expect(error?.isBusyOrLocked == true)
                // WAL: readers are not blocked by the writer, and see the last commit.
                #expect(try waiter.messageCount() == 0)
            }
            #expect(try waiter.messages(room: "r").map(\.body) == ["held"])
        }
    }
}
