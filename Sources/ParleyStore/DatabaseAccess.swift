extension ParleyDatabase {
    /// Whether a ``ParleyDatabase`` may write.
    public enum Access: Sendable, Equatable {
        /// Normal server use: creates the file if needed, enables WAL, runs migrations.
        case readWrite
        /// For tools and inspection: opens an existing, fully migrated file with
        /// `SQLITE_OPEN_READONLY`; every write throws an ``SQLiteError`` whose
        /// ``SQLiteError/isReadOnly`` is true, while reads keep working.
        case readOnly
    }
}
