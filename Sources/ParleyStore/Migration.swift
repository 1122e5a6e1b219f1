/// One versioned step of the schema's history.
///
/// Steps are applied in order, each in its own `BEGIN IMMEDIATE` transaction together with
/// the `PRAGMA user_version` bump, so a crash mid-migration leaves the file at the previous
/// version rather than half-migrated.
///
/// Once a step has shipped, never edit it: append a new step instead, because files already
/// at that version will not run it again.
public struct Migration: Sendable {
    /// The `user_version` the database has after this step (1 for the first step).
    public let version: Int
    /// A short human-readable description of the step.
    public let summary: String
    /// The work of the step; runs inside the step's transaction.
    let apply: @Sendable (SQLiteConnection) throws -> Void

    /// A step implemented in Swift (for data backfills that SQL alone cannot express).
    public init(version: Int, summary: String, apply: @escaping @Sendable (SQLiteConnection) throws -> Void) {
        self.version = version
        self.summary = summary
        self.apply = apply
    }

    /// A step consisting of fixed SQL (DDL); may contain several statements.
    public init(version: Int, summary: String, sql: String) {
        self.init(version: version, summary: summary) { connection in
            try connection.execute(sql)
        }
    }
}
