private enum AdministrationSQL {
    static let all = "SELECT \(AccountSQL.columns) FROM accounts ORDER BY name_key"
    static let setOperator = "UPDATE accounts SET is_operator = ?1 WHERE name_key = ?2"
    static let setBanned = "UPDATE accounts SET is_banned = ?1 WHERE name_key = ?2"
    static let recordLogin = "UPDATE accounts SET last_login_ms = ?1 WHERE name_key = ?2"
    static let delete = "DELETE FROM accounts WHERE name_key = ?1"
    static let reserve = """
        INSERT OR IGNORE INTO reserved_names (name_key, name, reserved_at_ms)
        SELECT name_key, name, ?2 FROM accounts WHERE name_key = ?1
        """
    static let release = "DELETE FROM reserved_names WHERE name_key = ?1"
    static let isReserved = "SELECT count(*) FROM reserved_names WHERE name_key = ?1"
}

/// What ``ParleyDatabase/deleteAccount(nameKey:releaseName:atMs:)`` did.
public struct AccountDeletion: Sendable, Equatable {
    /// An account with that name existed and is gone.
    public let deletedAccount: Bool
    /// The name was reserved and now is free for anyone to register.
    public let releasedName: Bool

    public init(deletedAccount: Bool, releasedName: Bool) {
        self.deletedAccount = deletedAccount
        self.releasedName = releasedName
    }
}

extension ParleyDatabase {
    /// Every account, ordered by name key. For `parley admin accounts`.
    public func allAccounts() throws -> [StoredAccount] {
        try withStatement(AdministrationSQL.all) { statement in
            var accounts: [StoredAccount] = []
            while try statement.step() { accounts.append(readAccount(statement)) }
            return accounts
        }
    }

    /// Marks or unmarks an account as an operator.
    /// - Returns: Whether such an account exists.
    @discardableResult
    public func setOperator(nameKey: String, _ isOperator: Bool) throws -> Bool {
        try setFlag(AdministrationSQL.setOperator, nameKey: nameKey, isOperator)
    }

    /// Bans or unbans an account. The name stays the account's either way.
    /// - Returns: Whether such an account exists.
    @discardableResult
    public func setBanned(nameKey: String, _ isBanned: Bool) throws -> Bool {
        try setFlag(AdministrationSQL.setBanned, nameKey: nameKey, isBanned)
    }

    /// Notes a granted login's time (shown by `parley admin accounts`).
    public func recordLogin(nameKey: String, atMs: Int64) throws {
        try withStatement(AdministrationSQL.recordLogin) { statement in
            try statement.bind(atMs, at: 1)
            try statement.bind(nameKey, at: 2)
            try statement.run()
        }
    }

    /// Deletes an account. Its messages stay, attributed to its name (they hold the name,
    /// not the row), so the name stays reserved and nobody can register it and pass for the
    /// old owner, unless `releaseName`. Run it inside a transaction: reserving and
    /// deleting are two statements.
    public func deleteAccount(nameKey: String, releaseName: Bool, atMs: Int64) throws -> AccountDeletion {
        if !releaseName {
            try withStatement(AdministrationSQL.reserve) { statement in
                try statement.bind(nameKey, at: 1)
                try statement.bind(atMs, at: 2)
                try statement.run()
            }
        }
        let deleted = try withStatement(AdministrationSQL.delete) { statement in
            try statement.bind(nameKey, at: 1)
            try statement.run()
            return connection.changes > 0
        }
        let released =
            releaseName
            ? try withStatement(AdministrationSQL.release) { statement in
                try statement.bind(nameKey, at: 1)
                try statement.run()
                return connection.changes > 0
            } : false
        return AccountDeletion(deletedAccount: deleted, releasedName: released)
    }

    /// Whether a deleted account's name is kept from registration.
    public func isNameReserved(nameKey: String) throws -> Bool {
        try withStatement(AdministrationSQL.isReserved) { statement in
            try statement.bind(nameKey, at: 1)
            _ = try statement.step()
            return statement.int64(at: 0) > 0
        }
    }

    private func setFlag(_ sql: String, nameKey: String, _ value: Bool) throws -> Bool {
        try withStatement(sql) { statement in
            try statement.bind(Int64(value ? 1 : 0), at: 1)
            try statement.bind(nameKey, at: 2)
            try statement.run()
            return connection.changes > 0
        }
    }
}
