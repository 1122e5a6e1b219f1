enum AccountSQL {
    // A reserved name (a deleted account's) inserts nothing, so it reads as taken.
    static let insert = """
        INSERT INTO accounts (name, name_key, password_hash, created_at_ms)
        SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM reserved_names WHERE name_key = ?2)
        """
    static let columns = "id, name, name_key, password_hash, created_at_ms, last_login_ms, is_operator, is_banned"
    static let byNameKey = "SELECT \(columns) FROM accounts WHERE name_key = ?1"
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
    /// - Returns: `.created`, or `.nameTaken` when the name key already exists or is reserved
    ///   (``deleteAccount(nameKey:releaseName:atMs:)`` keeps a deleted account's name).
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
            return connection.changes > 0 ? .created : .nameTaken
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
            return readAccount(statement)
        }
    }

    /// An account from a row of ``AccountSQL/columns``.
    func readAccount(_ statement: Statement) -> StoredAccount {
        StoredAccount(
            id: statement.int64(at: 0),
            name: statement.string(at: 1) ?? "",
            nameKey: statement.string(at: 2) ?? "",
            passwordHash: statement.string(at: 3) ?? "",
            createdAtMs: statement.int64(at: 4),
            lastLoginMs: statement.optionalInt64(at: 5),
            isOperator: statement.int64(at: 6) != 0,
            isBanned: statement.int64(at: 7) != 0)
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
