private enum AccountSQL {
    static let insert = """
        INSERT INTO accounts (name, name_key, password_hash, created_at_ms) VALUES (?1, ?2, ?3, ?4)
        """
    static let byNameKey = """
        SELECT id, name, name_key, password_hash, created_at_ms FROM accounts WHERE name_key = ?1
        """
    static let updateHash = "UPDATE accounts SET password_hash = ?1 WHERE name_key = ?2"
    static let count = "SELECT count(*) FROM accounts"
}

extension ParleyDatabase {
    /// Creates an account.
    ///
    /// Uniqueness is decided by the `UNIQUE` constraint on `name_key` inside the insert itself,
    /// not by a separate lookup that another request could race. A taken name only fails this
    /// statement, so this is safe inside a group-commit transaction.
    /// - Parameters:
    ///   - name: The name as chosen (original case).
    ///   - nameKey: The lowercased name; the caller's normalisation defines what "same name" means.
    ///   - passwordHash: The encoded password hash (never the password).
    ///   - atMs: Creation time, milliseconds since the Unix epoch.
    /// - Returns: `.created`, or `.nameTaken` when the name key already exists.
    /// - Throws: ``SQLiteError`` for any other failure.
    public func createAccount(
        name: String, nameKey: String, passwordHash: String, atMs: Int64
    ) throws -> AccountCreation {
        do {
            try withStatement(AccountSQL.insert) { statement in
                try statement.bind(name, at: 1)
                try statement.bind(nameKey, at: 2)
                try statement.bind(passwordHash, at: 3)
                try statement.bind(atMs, at: 4)
                try statement.run()
            }
            return .created
        } catch let error as SQLiteError where error.isUniqueConstraintViolation {
            return .nameTaken
        }
    }

    /// Looks an account up by its lowercased name key.
    /// - Returns: The account, or nil if there is none.
    public func account(nameKey: String) throws -> StoredAccount? {
        try withStatement(AccountSQL.byNameKey) { statement in
            try statement.bind(nameKey, at: 1)
            guard try statement.step() else { return nil }
            return StoredAccount(
                id: statement.int64(at: 0),
                name: statement.string(at: 1) ?? "",
                nameKey: statement.string(at: 2) ?? "",
                passwordHash: statement.string(at: 3) ?? "",
                createdAtMs: statement.int64(at: 4))
        }
    }

    /// Replaces an account's password hash (e.g. after a password change or a rehash with
    /// stronger parameters).
    /// - Returns: Whether an account with that name key existed and was updated.
    @discardableResult
    public func updatePasswordHash(nameKey: String, hash: String) throws -> Bool {
        try withStatement(AccountSQL.updateHash) { statement in
            try statement.bind(hash, at: 1)
            try statement.bind(nameKey, at: 2)
            try statement.run()
            return connection.changes > 0
        }
    }

    /// The number of accounts.
    public func accountCount() throws -> Int {
        try count(AccountSQL.count)
    }
}
