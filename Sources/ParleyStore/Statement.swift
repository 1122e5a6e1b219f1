import CSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A compiled SQL statement (`sqlite3_stmt*`), finalized when the object is deinitialised.
///
/// Parameter and column indexes follow SQLite: parameters start at 1, columns at 0.
/// Text and blobs are bound with `SQLITE_TRANSIENT`, so SQLite copies the bytes during the
/// bind call and Swift's temporary buffers may be released right after.
///
/// Not `Sendable`: use it on the thread that owns its connection.
public final class Statement {
    let handle: OpaquePointer

    /// The owning connection. Held strongly because a statement must be finalized before
    /// its connection is closed.
    public let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// The SQL text this statement was compiled from (placeholders, not bound values).
    public var sql: String {
        guard let text = sqlite3_sql(handle) else { return "" }
        return String(cString: text)
    }

    /// The number of parameters (the largest parameter index) in the statement.
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    // MARK: Binding

    /// Binds a 64-bit integer to parameter `index` (1-based).
    public func bind(_ value: Int64, at index: Int) throws {
        try check(sqlite3_bind_int64(handle, Int32(clamping: index), value))
    }

    /// Binds an integer, or NULL when `value` is nil.
    public func bind(_ value: Int64?, at index: Int) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds UTF-8 text. The length is passed explicitly, so the empty string stays an empty
    /// string (never NULL) and no C string conversion can truncate it.
    public func bind(_ value: String, at index: Int) throws {
        var value = value
        let index = Int32(clamping: index)
        let rc = value.withUTF8 { utf8 -> Int32 in
            // An empty buffer may have no base address, and SQLite binds a NULL pointer as SQL
            // NULL; point at a real empty C string instead.
            guard let base = utf8.baseAddress, !utf8.isEmpty else {
                return "".withCString {
                    sqlite3_bind_text64(handle, index, $0, 0, csqlite_transient(), UInt8(SQLITE_UTF8))
                }
            }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text64(
                    handle, index, $0, UInt64(utf8.count), csqlite_transient(), UInt8(SQLITE_UTF8))
            }
        }
        try check(rc)
    }

    /// Binds text, or NULL when `value` is nil.
    public func bind(_ value: String?, at index: Int) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds a blob. An empty array binds an empty blob, not NULL.
    public func bind(_ value: [UInt8], at index: Int) throws {
        try value.withUnsafeBytes { try bindBlob($0, at: index) }
    }

    /// Binds a blob. Empty data binds an empty blob, not NULL.
    public func bind(_ value: Data, at index: Int) throws {
        try value.withUnsafeBytes { try bindBlob($0, at: index) }
    }

    /// Binds SQL NULL to parameter `index`.
    public func bindNull(at index: Int) throws {
        try check(sqlite3_bind_null(handle, Int32(clamping: index)))
    }

    /// Sets every parameter back to NULL. Also drops SQLite's copies of previously bound
    /// text, so cached statements do not keep sensitive values in memory.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    private func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int) throws {
        let index = Int32(clamping: index)
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            // A NULL pointer would bind SQL NULL; a zero-length zeroblob is an empty blob.
            try check(sqlite3_bind_zeroblob(handle, index, 0))
            return
        }
        try check(sqlite3_bind_blob64(handle, index, base, UInt64(bytes.count), csqlite_transient()))
    }

    // MARK: Execution

    /// Advances to the next result row.
    /// - Returns: `true` when a row is available for the column readers, `false` when done.
    /// - Throws: ``SQLiteError`` on any failure (busy, read-only, constraint, I/O, ...).
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(resultCode: rc, connection: connection.handle, sql: sql)
        }
    }

    /// Steps until the statement is done, discarding any rows (for INSERT/UPDATE/DELETE).
    public func run() throws {
        while try step() {}
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    ///
    /// Resetting also ends the statement's read of the database, which matters in WAL mode: an
    /// unreset SELECT pins an old snapshot and stops checkpoints from completing. Any error of
    /// the previous step was already thrown by ``step()``, so none is reported here.
    public func reset() {
        sqlite3_reset(handle)
    }

    // MARK: Columns

    /// The number of columns in each result row.
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The name of column `index` (0-based) as written in the query.
    public func columnName(at index: Int) -> String {
        guard let name = sqlite3_column_name(handle, column(index)) else { return "" }
        return String(cString: name)
    }

    /// Whether column `index` of the current row is SQL NULL.
    public func isNull(at index: Int) -> Bool {
        sqlite3_column_type(handle, column(index)) == SQLITE_NULL
    }

    /// Column `index` as an integer (NULL reads as 0).
    public func int64(at index: Int) -> Int64 {
        sqlite3_column_int64(handle, column(index))
    }

    /// Column `index` as an integer, or nil when it is NULL.
    public func optionalInt64(at index: Int) -> Int64? {
        isNull(at: index) ? nil : int64(at: index)
    }

    /// Column `index` as text, or nil when it is NULL. Invalid UTF-8 is repaired with U+FFFD.
    public func string(at index: Int) -> String? {
        let column = column(index)
        // The type must be read before any conversion, which could change it.
        guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
        // Pointer first, then length: the order SQLite documents as safe.
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Column `index` as raw bytes, or nil when it is NULL.
    public func bytes(at index: Int) -> [UInt8]? {
        let column = column(index)
        guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
        let base = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let base, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Column `index` as `Data`, or nil when it is NULL.
    public func data(at index: Int) -> Data? {
        bytes(at: index).map { Data($0) }
    }

    /// Validates a column index; an out-of-range index is a programming error, and SQLite's
    /// behaviour for it is undefined.
    private func column(_ index: Int) -> Int32 {
        precondition(index >= 0 && index < columnCount, "column index \(index) out of range")
        return Int32(index)
    }

    private func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else {
            throw SQLiteError(resultCode: rc, connection: connection.handle, sql: sql)
        }
    }
}
