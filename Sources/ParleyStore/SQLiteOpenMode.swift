import CSQLite

extension SQLiteConnection {
    /// How a connection opens its database file.
    public enum OpenMode: Sendable, Equatable {
        /// Read and write; create the file if it does not exist.
        case readWriteCreate
        /// Read and write; fail with `SQLITE_CANTOPEN` if the file does not exist.
        case readWrite
        /// Reads only; every write fails with `SQLITE_READONLY`. This is enforced by SQLite
        /// itself, so it works even for root, who bypasses file permission bits.
        case readOnly

        /// The `sqlite3_open_v2` flags for this mode. `SQLITE_OPEN_EXRESCODE` makes every
        /// call return extended result codes, so errors are as precise as possible.
        var flags: Int32 {
            let base: Int32
            switch self {
            case .readWriteCreate: base = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .readWrite: base = SQLITE_OPEN_READWRITE
            case .readOnly: base = SQLITE_OPEN_READONLY
            }
            return base | SQLITE_OPEN_EXRESCODE
        }
    }
}
