/// Reasons ``ParleyDatabase/open(path:synchronous:access:busyTimeoutMilliseconds:)`` refuses a
/// file that SQLite itself could open. Failures reported by SQLite are ``SQLiteError``s.
public enum ParleyDatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file was written by newer code (its `user_version` is above what this code knows).
    /// Opening it could corrupt data the newer schema depends on, so it is left untouched.
    case schemaTooNew(fileVersion: Int, latestKnownVersion: Int)
    /// A read-only open found a file that still needs migrations, which cannot run read-only.
    case schemaOutdated(fileVersion: Int, latestKnownVersion: Int)
    /// SQLite did not switch the file to WAL journal mode (e.g. an in-memory database, or a
    /// file system without shared-memory support); durability and concurrency rely on WAL.
    case walUnavailable(journalMode: String)
    /// The code's migration list is not numbered 1, 2, 3, ... (a programming error).
    case invalidMigrationList(String)
    /// A read-write open got a database SQLite can only read (the file, its directory or
    /// the file system refuses writes): every write would fail, so it is refused at once.
    case readOnlyFile(path: String)
    /// An open that refuses symbolic links met one at the database's path.
    case symbolicLink(path: String)

    public var description: String {
        switch self {
        case .schemaTooNew(let file, let known):
            return "database schema version \(file) is newer than this program supports (\(known)); refusing to open it"
        case .schemaOutdated(let file, let known):
            return "database schema version \(file) needs migrating to \(known), which a read-only open cannot do"
        case .walUnavailable(let mode):
            return "could not enable WAL journal mode (journal_mode is '\(mode)')"
        case .invalidMigrationList(let reason):
            return "invalid migration list: \(reason)"
        case .readOnlyFile(let path):
            return
                "the database \(path) is read-only for this user (its file, its directory or the file system refuses writes); "
                + "make both writable (chmod u+w \(path) and its directory; chattr -i if lsattr shows i; or remount read-write)"
        case .symbolicLink(let path):
            return "refusing the database \(path): it is a symbolic link, which could send writes anywhere; "
                + "put the file itself there (mv \"$(readlink -f \(path))\" \(path))"
        }
    }
}
