import Testing

@testable import ParleyStore

@Suite("Account administration")
struct AdministrationTests {
    @Test("Operator and ban flags are stored per account and survive reopening")
    func flagsPersist() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            do {
                let db = try ParleyDatabase.open(path: path)
                _ = try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 1)
                _ = try db.createAccount(name: "Bob", nameKey: "bob", passwordHash: "h", atMs: 2)
                #expect(try db.setOperator(nameKey: "ann", true))
                #expect(try db.setBanned(nameKey: "bob", true))
                #expect(try !db.setBanned(nameKey: "nobody", true))
            }
            let db = try ParleyDatabase.open(path: path)
            let accounts = try db.allAccounts()
            #expect(accounts.map(\.name) == ["Ann", "Bob"])
            #expect(accounts.map(\.isOperator) == [true, false])
            #expect(accounts.map(\.isBanned) == [false, true])
        }
    }

    @Test("a file made before operators and bans gains them when opened, its accounts neither")
    func migratesOldFile() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            do {
                let old = try ParleyDatabase.open(path: path, migrations: Array(ParleySchema.migrations.prefix(3)))
                try old.connection.execute(
                    "INSERT INTO accounts (name, name_key, password_hash, created_at_ms) VALUES ('Ann', 'ann', 'h', 1)")
            }
            let db = try ParleyDatabase.open(path: path)
            #expect(db.appliedMigrationVersions == [4])
            let ann = try #require(try db.account(nameKey: "ann"))
            #expect(!ann.isOperator && !ann.isBanned && ann.lastLoginMs == nil)
        }
    }

    @Test("A /me line is stored with the kind action, a plain message with the kind message")
    func actionKind() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            try db.appendMessage(room: "global", sender: "Ann", recipient: nil, body: "waves", atMs: 1, isAction: true)
            try db.appendMessage(room: "global", sender: "Ann", recipient: nil, body: "hi", atMs: 2)
            let statement = try db.connection.prepare("SELECT kind FROM messages ORDER BY id")
            var kinds: [String] = []
            while try statement.step() { kinds.append(statement.string(at: 0) ?? "") }
            #expect(kinds == ["action", "message"])
        }
    }

    @Test("A recorded login dates the account's last login")
    func lastLogin() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            _ = try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 1)
            #expect(try db.account(nameKey: "ann")?.lastLoginMs == nil)
            try db.recordLogin(nameKey: "ann", atMs: 42)
            #expect(try db.account(nameKey: "ann")?.lastLoginMs == 42)
        }
    }

    @Test("A deleted account's messages stay and its name cannot be registered again")
    func deleteKeepsNameReserved() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            _ = try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 1)
            try db.appendMessage(room: "global", sender: "Ann", recipient: nil, body: "hi", atMs: 2)
            let deletion = try db.withTransaction { try db.deleteAccount(nameKey: "ann", releaseName: false, atMs: 3) }
            #expect(deletion == AccountDeletion(deletedAccount: true, releasedName: false))
            #expect(try db.account(nameKey: "ann") == nil)
            #expect(try db.isNameReserved(nameKey: "ann"))
            #expect(try db.messages(room: "global").map(\.sender) == ["Ann"])
            #expect(try db.createAccount(name: "ANN", nameKey: "ann", passwordHash: "h2", atMs: 4) == .nameTaken)
        }
    }

    @Test("Deleting with the name released lets someone register it again")
    func deleteReleasingName() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            _ = try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h", atMs: 1)
            _ = try db.deleteAccount(nameKey: "ann", releaseName: false, atMs: 2)
            let released = try db.deleteAccount(nameKey: "ann", releaseName: true, atMs: 3)
            #expect(released == AccountDeletion(deletedAccount: false, releasedName: true))
            #expect(try !db.isNameReserved(nameKey: "ann"))
            #expect(try db.createAccount(name: "Ann", nameKey: "ann", passwordHash: "h2", atMs: 4) == .created)
        }
    }
}
