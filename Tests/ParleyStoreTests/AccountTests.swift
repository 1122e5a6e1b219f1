import Testing

@testable import ParleyStore

@Suite("Accounts")
struct AccountTests {
    @Test("Account names are unique regardless of case")
    func namesUniqueIgnoringCase() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            #expect(try db.createAccount(name: "Alice", nameKey: "alice", passwordHash: "h1", atMs: 10) == .created)
            #expect(
                try db.createAccount(name: "ALICE", nameKey: "ALICE".lowercased(), passwordHash: "h2", atMs: 11)
                    == .nameTaken)
            #expect(try db.accountCount() == 1)
            let stored = try #require(try db.account(nameKey: "alice"))
            #expect(stored.name == "Alice")
            #expect(stored.passwordHash == "h1")
            #expect(stored.createdAtMs == 10)
        }
    }

    @Test("Looking up an unknown account returns nil")
    func unknownAccount() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            #expect(try db.account(nameKey: "nobody") == nil)
        }
    }

    @Test("Updating a password hash replaces it and reports whether the account exists")
    func updatePasswordHash() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            _ = try db.createAccount(name: "Bob", nameKey: "bob", passwordHash: "old", atMs: 1)
            #expect(try db.updatePasswordHash(nameKey: "bob", hash: "new"))
            #expect(try db.account(nameKey: "bob")?.passwordHash == "new")
            #expect(try !db.updatePasswordHash(nameKey: "nobody", hash: "x"))
        }
    }

    @Test("An account's description never shows its password hash")
    func descriptionRedactsHash() {
        let account = StoredAccount(
            id: 1, name: "Eve", nameKey: "eve", passwordHash: "$argon2id$secret", createdAtMs: 0)
        #expect(!"\(account)".contains("secret"))
        #expect(!String(reflecting: account).contains("secret"))
    }

    @Test("A taken name inside a group commit does not disturb the batch's other writes")
    func nameTakenInsideBatch() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            let outcomes = try db.withTransaction {
                [
                    try db.createAccount(name: "Carol", nameKey: "carol", passwordHash: "h", atMs: 1),
                    try db.createAccount(name: "CAROL", nameKey: "carol", passwordHash: "h", atMs: 2),
                    try db.createAccount(name: "Dave", nameKey: "dave", passwordHash: "h", atMs: 3),
                ]
            }
            #expect(outcomes == [.created, .nameTaken, .created])
            #expect(try db.accountCount() == 2)
        }
    }
}
