import CSQLite

/// One open SQLite database connection: a thin, safe owner of an `sqlite3*` handle.
///
/// The connection is closed when the object is deinitialised. Statements keep their
/// connection alive, so a connection is never closed under a live statement.
///
/// Not `Sendable`: use a connection from one thread at a time (Swift's concurrency checking
/// enforces this for code that does not opt out with `@unchecked Sendable`).
///
/// Values must reach SQL only through ``prepare(_:persistent:)`` and `Statement.bind`;
/// ``execute(_:)`` is meant for fixed pragmas and DDL written in code.
public final class SQLiteConnection {
    /// The raw handle. Internal so only this module touches the C API.
    let handle: OpaquePointer

    /// The path this connection was opened with (`":memory:"` for an in-memory database).
    public let path: String

    /// The mode this connection was opened with.
    public let mode: OpenMode

    /// Opens (and, with `.readWriteCreate`, creates) the database at `path`.
    /// - Parameters:
    ///   - path: A file path, or `":memory:"` for a private in-memory database.
    ///   - mode: Read-write-create (default), read-write or read-only.
    ///   - refuseSymlinks: Refuse a path that is, or passes through, a symbolic link
    ///     (`SQLITE_OPEN_NOFOLLOW`; the error's extended code is `SQLITE_CANTOPEN_SYMLINK`).
    ///     Resolve the directory first (`realpath`) when only the file itself matters.
    /// - Throws: ``SQLiteError`` if the file cannot be opened.
    public init(path: String, mode: OpenMode = .readWriteCreate, refuseSymlinks: Bool = false) throws {
        // A NUL would silently truncate the C string and open a different file.
        guard !path.utf8.contains(0) else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "database path contains a NUL byte")
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, mode.flags | (refuseSymlinks ? SQLITE_OPEN_NOFOLLOW : 0), nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(resultCode: rc == SQLITE_OK ? SQLITE_NOMEM : rc, connection: db)
            // SQLite usually allocates a handle even when opening fails; it must still be closed.
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        self.mode = mode
    }

    deinit {
        // close_v2 never fails with SQLITE_BUSY: should anything still be pending it defers
        // the close instead, so deinit cannot leak or crash.
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that carry no values (pragmas, DDL, BEGIN/COMMIT).
    ///
    /// Never build the `sql` argument from user data; use ``prepare(_:persistent:)`` and bind.
    /// - Throws: ``SQLiteError`` on failure.
    public func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else {
            throw SQLiteError(resultCode: rc, connection: handle, sql: sql)
        }
    }

    /// Compiles exactly one SQL statement.
    /// - Parameters:
    ///   - sql: The statement, with `?`/`?NNN` placeholders for every value.
    ///   - persistent: Hint that the statement will be kept and reused for a long time
    ///     (`SQLITE_PREPARE_PERSISTENT`), as statement caches do.
    /// - Throws: ``SQLiteError`` if the SQL does not compile, is empty, or contains more
    ///   than one statement (the extra ones would otherwise be silently ignored).
    public func prepare(_ sql: String, persistent: Bool = false) throws -> Statement {
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        var statement: OpaquePointer?
        var tailOffset = 0
        let rc: Int32 = sql.withCString { start in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(handle, start, -1, flags, &statement, &tail)
            if let tail { tailOffset = start.distance(to: tail) }
            return rc
        }
        guard rc == SQLITE_OK else {
            sqlite3_finalize(statement)
            throw SQLiteError(resultCode: rc, connection: handle, sql: sql)
        }
        guard let statement else {
            throw SQLiteError.misuse("no SQL statement to prepare", sql: sql)
        }
        let compiled = Statement(handle: statement, connection: self)
        try rejectTrailingStatement(in: sql, afterUTF8Offset: tailOffset)
        return compiled
    }

    /// Throws if anything but whitespace or comments follows the first statement.
    private func rejectTrailingStatement(in sql: String, afterUTF8Offset offset: Int) throws {
        let rest = sql.utf8.dropFirst(offset)
        let isBlank = rest.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0x3B }
        if isBlank { return }
        // Let SQLite decide whether the remainder holds a statement or only comments.
        var extra: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, String(decoding: rest, as: UTF8.self), -1, &extra, nil)
        sqlite3_finalize(extra)
        guard rc == SQLITE_OK else {
            throw SQLiteError(resultCode: rc, connection: handle, sql: sql)
        }
        if extra != nil {
            throw SQLiteError.misuse("prepare() accepts exactly one SQL statement", sql: sql)
        }
    }

    /// Sets how long a statement waits for another connection's lock before failing with
    /// `SQLITE_BUSY`. Zero or negative disables waiting.
    public func setBusyTimeout(milliseconds: Int32) throws {
        let rc = sqlite3_busy_timeout(handle, milliseconds)
        guard rc == SQLITE_OK else { throw SQLiteError(resultCode: rc, connection: handle) }
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the most recent INSERT/UPDATE/DELETE on this connection.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Whether an explicit transaction is open (SQLite is not in autocommit mode).
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Whether the main database of this connection refuses writes.
    public var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// Runs a value-free query (typically a pragma) and returns the first column of the first
    /// row as an integer, or nil when there is no row.
    func scalarInt64(_ sql: String) throws -> Int64? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.int64(at: 0) : nil
    }

    /// Like ``scalarInt64(_:)`` but returns text.
    func scalarText(_ sql: String) throws -> String? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.string(at: 0) : nil
    }
}
