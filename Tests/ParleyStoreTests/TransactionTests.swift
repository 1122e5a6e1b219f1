import Testing

@testable import ParleyStore

@Suite("Transactions and savepoints")
struct TransactionTests {
    @Test("A group commit keeps every request except the one that failed inside its savepoint")
    func groupCommitWithFailingRequest() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            let db = try ParleyDatabase.open(path: path)
            var failures: [Int: any Error] = [:]
            try db.withTransaction {
                for request in 0..<6 {
                    do {
                        try db.withSavepoint {
                            try db.appendMessage(
                                room: "r", sender: "s", recipient: nil, body: "m\(request)", atMs: Int64(request))
                            if request == 2 { throw RequestFailed() }
                            if request == 4 {
                                // A real SQLite failure after this request already wrote something.
                                try db.connection.execute("INSERT INTO accounts (name) VALUES ('no key, no hash')")
                            }
                        }
                    } catch {
                        failures[request] = error
                    }
                }
            }
            #expect(failures[2] is RequestFailed)
            #expect((failures[4] as? SQLiteError)?.isConstraintViolation == true)
            #expect(failures.count == 2)
            #expect(try db.messages(room: "r").map(\.body) == ["m0", "m1", "m3", "m5"])

            let reopened = try ParleyDatabase.open(path: path)
            #expect(try reopened.messages(room: "r").map(\.body) == ["m0", "m1", "m3", "m5"])
        }
    }

    @Test("A rolled-back transaction leaves nothing behind")
    func rollbackLeavesNothing() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            let db = try ParleyDatabase.open(path: path)
            #expect(throws: RequestFailed.self) {
                try db.withTransaction {
                    _ = try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 1)
                    try db.appendMessage(room: "r", sender: "Ann", recipient: nil, body: "x", atMs: 2)
                    try db.appendAudit(kind: "k", account: "Ann", address: nil, detail: nil, atMs: 3)
                    try db.withSavepoint {
                        try db.appendMessage(room: "r", sender: "Ann", recipient: "Bob", body: "y", atMs: 4)
                    }
                    throw RequestFailed()
                }
            }
            #expect(!db.connection.isInTransaction)
            #expect(try db.accountCount() == 0)
            #expect(try db.messageCount() == 0)
            #expect(try db.auditCount() == 0)

            // The database is still usable, and the name is free.
            let created = try db.withTransaction {
                try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 5)
            }
            #expect(created == .created)
            let reopened = try ParleyDatabase.open(path: path)
            #expect(try reopened.accountCount() == 1)
            #expect(try reopened.messageCount() == 0)
        }
    }

    @Test("Nested savepoints undo only the inner failed work")
    func nestedSavepoints() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            try db.withTransaction {
                try db.withSavepoint {
                    try db.appendMessage(room: "r", sender: "s", recipient: nil, body: "outer", atMs: 1)
                    try? db.withSavepoint {
                        try db.appendMessage(room: "r", sender: "s", recipient: nil, body: "inner", atMs: 2)
                        throw RequestFailed()
                    }
                }
            }
            #expect(try db.messages(room: "r").map(\.body) == ["outer"])
        }
    }

    @Test("A savepoint used outside a transaction commits on its own")
    func savepointOutsideTransaction() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            let id = try db.withSavepoint {
                try db.appendMessage(room: "r", sender: "s", recipient: nil, body: "solo", atMs: 1)
            }
            #expect(id == 1)
            #expect(!db.connection.isInTransaction)
            #expect(try db.messageCount() == 1)
        }
    }

    @Test("withTransaction is not re-entrant")
    func transactionNotReentrant() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            let error = #expect(throws: SQLiteError.self) {
                try db.withTransaction {
                    try db.appendMessage(room: "r", sender: "s", recipient: nil, body: "x", atMs: 1)
                    try db.withTransaction {}
                }
            }
            #expect(error?.code == 21)  // SQLITE_MISUSE
            #expect(try db.messageCount() == 0)
        }
    }

    // SQLite rolls a transaction back by itself after some I/O errors (disk full, I/O error,
    // out of memory). A ROLLBACK issued under the wrapper's feet reproduces that state.
    @Test("A batch that SQLite rolled back on its own refuses further writes and commits nothing")
    func transactionAbortedUnderneath() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            var laterError: SQLiteError?
            let error = #expect(throws: SQLiteError.self) {
                try db.withTransaction {
                    try db.appendMessage(room: "r", sender: "s", recipient: nil, body: "before", atMs: 1)
                    try db.connection.execute("ROLLBACK")
                    do {
                        try db.withSavepoint {
                            try db.appendMessage(room: "r", sender: "s", recipient: nil, body: "after", atMs: 2)
                        }
                    } catch let caught as SQLiteError {
                        laterError = caught  // a group-commit loop would record this and go on
                    }
                }
            }
            #expect(laterError?.isAborted == true)
            #expect(error?.isAborted == true)
            #expect(try db.messageCount() == 0)
        }
    }
}
