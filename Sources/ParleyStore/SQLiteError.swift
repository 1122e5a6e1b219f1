import CSQLite

/// An error reported by SQLite, or by this module's wrapper when the SQLite API is misused.
///
/// Every failure of the storage layer after a database is open surfaces as a thrown
/// `SQLiteError` — never a crash — so the server can decide per error whether to retry
/// (``isBusyOrLocked``), degrade to read-only service (``isReadOnly``, ``isFull``) or give up.
///
/// The error never contains bound values: ``sql`` is the statement text with its `?`
/// placeholders, so logging an error cannot leak a password hash or message body.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The primary result code, e.g. `SQLITE_READONLY` (8) or `SQLITE_CONSTRAINT` (19).
    public let code: Int32
    /// The extended result code, e.g. `SQLITE_CONSTRAINT_UNIQUE` (2067). Equal to ``code`` when
    /// SQLite reported no refinement.
    public let extendedCode: Int32
    /// The text of `sqlite3_errmsg` at the time of failure (or a wrapper message on misuse).
    public let message: String
    /// The SQL being run when the error happened, if any (placeholders only, never values).
    public let sql: String?

    /// Creates an error from explicit codes.
    /// - Parameters:
    ///   - code: A primary or extended result code; the primary code is derived from it.
    ///   - extendedCode: The extended result code; defaults to `code`.
    ///   - message: A human-readable explanation.
    ///   - sql: The SQL text involved, if any.
    public init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code & 0xFF
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// The database (or this connection) does not accept writes: opened read-only,
    /// `PRAGMA query_only` is on, or the file/directory is not writable.
    public var isReadOnly: Bool { code == SQLITE_READONLY }

    /// Another connection holds a conflicting lock and the busy timeout expired;
    /// the operation may succeed if retried later.
    public var isBusyOrLocked: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    /// The disk (or the configured `max_page_count`) is full; nothing was written by the
    /// failing statement.
    public var isFull: Bool { code == SQLITE_FULL }

    /// A constraint (UNIQUE, NOT NULL, CHECK, FOREIGN KEY, ...) rejected the statement.
    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }

    /// Specifically a UNIQUE or PRIMARY KEY constraint rejected the statement.
    public var isUniqueConstraintViolation: Bool {
        extendedCode == Self.constraintUnique || extendedCode == Self.constraintPrimaryKey
    }

    // Extended codes are `primary | (n << 8)` macros that Swift cannot import; values from sqlite3.h.
    static let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)
    static let constraintUnique = SQLITE_CONSTRAINT | (8 << 8)
    static let cantOpenSymlink = SQLITE_CANTOPEN | (6 << 8)

    /// The open was refused because the path is (or passes through) a symbolic link.
    public var isSymbolicLink: Bool { extendedCode == Self.cantOpenSymlink }

    /// A low-level I/O error from the operating system (other than "disk full").
    public var isIOError: Bool { code == SQLITE_IOERR }

    /// The file is damaged or is not an SQLite database at all.
    public var isCorrupt: Bool { code == SQLITE_CORRUPT || code == SQLITE_NOTADB }

    /// The enclosing transaction was aborted (see ``ParleyDatabase/withTransaction(_:)``).
    public var isAborted: Bool { code == SQLITE_ABORT }

    public var description: String {
        var text = "SQLite error \(code)"
        if extendedCode != code { text += "/\(extendedCode)" }
        text += ": \(message)"
        if let sql { text += " [SQL: \(sql)]" }
        return text
    }
}

extension SQLiteError {
    /// Builds the error for result code `resultCode` returned by a call on `db`.
    ///
    /// `sqlite3_errmsg` describes the *most recent* failing call on the connection; if its
    /// code does not match `resultCode` (e.g. a bind error, or a stale message), we fall back
    /// to the generic text for the code so the message never describes some other failure.
    init(resultCode: Int32, connection db: OpaquePointer?, sql: String? = nil) {
        var extended = resultCode
        var message = String(cString: sqlite3_errstr(resultCode))
        if let db {
            let lastExtended = sqlite3_extended_errcode(db)
            if lastExtended & 0xFF == resultCode & 0xFF {
                extended = lastExtended
                message = String(cString: sqlite3_errmsg(db))
            }
        }
        self.init(code: resultCode, extendedCode: extended, message: message, sql: sql)
    }

    /// A wrapper-level misuse error (`SQLITE_MISUSE`) with a custom explanation.
    static func misuse(_ message: String, sql: String? = nil) -> SQLiteError {
        SQLiteError(code: SQLITE_MISUSE, message: message, sql: sql)
    }
}
