private enum AuditSQL {
    static let insert = """
        INSERT INTO audit (at_ms, kind, account, address, detail) VALUES (?1, ?2, ?3, ?4, ?5)
        """
    static let all = "SELECT id, at_ms, kind, account, address, detail FROM audit ORDER BY id"
    static let count = "SELECT count(*) FROM audit"
}

extension ParleyDatabase {
    /// Appends an audit log entry. Callers must not put passwords in `detail`.
    /// - Parameters:
    ///   - kind: The event kind, e.g. `"login.failed"`.
    ///   - account: The account involved, if any.
    ///   - address: The peer address, if any.
    ///   - detail: Free-form detail, if any.
    ///   - atMs: Event time, milliseconds since the Unix epoch.
    public func appendAudit(kind: String, account: String?, address: String?, detail: String?, atMs: Int64) throws {
        try withStatement(AuditSQL.insert) { statement in
            try statement.bind(atMs, at: 1)
            try statement.bind(kind, at: 2)
            try statement.bind(account, at: 3)
            try statement.bind(address, at: 4)
            try statement.bind(detail, at: 5)
            try statement.run()
        }
    }

    /// Every audit entry, oldest first. Intended for tests and tools.
    public func auditEntries() throws -> [AuditEntry] {
        try withStatement(AuditSQL.all) { statement in
            var entries: [AuditEntry] = []
            while try statement.step() {
                entries.append(
                    AuditEntry(
                        id: statement.int64(at: 0),
                        atMs: statement.int64(at: 1),
                        kind: statement.string(at: 2) ?? "",
                        account: statement.string(at: 3),
                        address: statement.string(at: 4),
                        detail: statement.string(at: 5)))
            }
            return entries
        }
    }

    /// The number of audit entries.
    public func auditCount() throws -> Int {
        try count(AuditSQL.count)
    }
}
