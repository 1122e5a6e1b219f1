extension ParleyDatabase {
    /// The `PRAGMA synchronous` level used with WAL journaling.
    public enum SynchronousMode: Sendable, Equatable {
        /// `NORMAL`: a commit is written to the WAL file but not fsync'd. Committed data
        /// survives a crash or `kill -9` of the server process (the operating system still
        /// holds the written WAL pages); only an OS crash or power loss may lose the most
        /// recent commits, and even then the database stays consistent. Much faster.
        case normal
        /// `FULL`: the WAL is fsync'd at every commit, so commits also survive power loss.
        case full

        /// The value `PRAGMA synchronous` reports for this level.
        var pragmaValue: Int64 {
            switch self {
            case .normal: return 1
            case .full: return 2
            }
        }
    }
}
