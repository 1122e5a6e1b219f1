import CSQLite
import Glibc

/// Parley's persistent store: accounts, chat messages and the audit log in one SQLite file.
///
/// ## Threading
/// A `ParleyDatabase` must be used from **one storage thread only**. It is deliberately not
/// `Sendable`: it owns a single connection and a cache of prepared statements, neither of
/// which may be used concurrently. The server funnels every storage request to that thread
/// (ideally opening the database on it, too).
///
/// ## Durability
/// The file runs in WAL journal mode. With ``SynchronousMode/normal`` every committed
/// transaction is in the WAL file when the commit returns, so it survives the server process
/// crashing or being killed with `kill -9`: the next open replays the WAL. Only an operating
/// system crash or power loss can lose the latest commits (never consistency); choose
/// ``SynchronousMode/full`` to fsync each commit if that matters more than throughput.
///
/// ## Group commit
/// Wrap a batch of requests in ``withTransaction(_:)`` and each request in
/// ``withSavepoint(_:)``; a request that throws is undone alone and the rest commit together:
/// ```swift
/// try db.withTransaction {
///     for request in batch {
///         do { try db.withSavepoint { try request.apply(to: db) } }
///         catch { request.fail(error) }
///     }
/// }
/// ```
///
/// ## Errors
/// Opening throws ``SQLiteError`` or ``ParleyDatabaseError``; after that, every failure
/// (including I/O failures such as a full disk) is a thrown ``SQLiteError``, never a crash.
/// This type never sees plaintext passwords, only encoded hashes, and logs nothing.
public final class ParleyDatabase {
    /// The underlying connection (internal: all data access goes through typed methods).
    let connection: SQLiteConnection

    /// Prepared statements keyed by their SQL text. Keys are constants from this module, so
    /// the cache is bounded.
    private var statementCache: [String: Statement] = [:]

    /// True while ``withTransaction(_:)`` is running its body.
    var transactionIsOpen = false

    /// The file path this database was opened with.
    public let path: String

    /// Whether this instance may write.
    public let access: Access

    /// The migration versions applied while opening (empty if the file was up to date).
    public let appliedMigrationVersions: [Int]

    /// The newest schema version this code knows.
    public static var latestSchemaVersion: Int { ParleySchema.latestVersion }

    private init(connection: SQLiteConnection, access: Access, appliedMigrationVersions: [Int]) {
        self.connection = connection
        self.path = connection.path
        self.access = access
        self.appliedMigrationVersions = appliedMigrationVersions
    }

    /// Opens (creating if needed) the Parley database at `path` and migrates it to the
    /// latest schema.
    ///
    /// Read-write opens enable WAL (and verify it took), turn on foreign keys, set the busy
    /// timeout and the synchronous level, then apply pending migrations.
    /// - Parameters:
    ///   - path: The database file. The directory must be writable (WAL needs `-wal` and
    ///     `-shm` files beside it).
    ///   - synchronous: `.normal` (default; survives process crashes) or `.full` (also
    ///     survives power loss).
    ///   - access: `.readWrite` (default) or `.readOnly` for tools.
    ///   - busyTimeoutMilliseconds: How long to wait for another connection's lock.
    ///   - refuseSymlinks: Refuse a path that is or passes through a symbolic link
    ///     (``ParleyDatabaseError/symbolicLink(path:)``); resolve the directory first.
    /// - Throws: ``ParleyDatabaseError/schemaTooNew(fileVersion:latestKnownVersion:)`` for a
    ///   file from newer code (which is left untouched),
    ///   ``ParleyDatabaseError/readOnlyFile(path:)`` for a read-write open of a file that
    ///   cannot be written, other ``ParleyDatabaseError``s, or ``SQLiteError``.
    public static func open(
        path: String,
        synchronous: SynchronousMode = .normal,
        access: Access = .readWrite,
        busyTimeoutMilliseconds: Int32 = 5_000,
        refuseSymlinks: Bool = false
    ) throws -> ParleyDatabase {
        try open(
            path: path, synchronous: synchronous, access: access,
            busyTimeoutMilliseconds: busyTimeoutMilliseconds, refuseSymlinks: refuseSymlinks,
            migrations: ParleySchema.migrations)
    }

    /// The same as the public `open`, with a replaceable migration list (for tests).
    static func open(
        path: String,
        synchronous: SynchronousMode = .normal,
        access: Access = .readWrite,
        busyTimeoutMilliseconds: Int32 = 5_000,
        refuseSymlinks: Bool = false,
        migrations: [Migration]
    ) throws -> ParleyDatabase {
        // Asked of the kernel first: SQLite may hand a new connection a descriptor that an
        // earlier connection of this process opened for writing before the file became
        // immutable, and then writes would be refused only later, one by one.
        if access == .readWrite, Glibc.access(path, W_OK) != 0, errno != ENOENT {
            throw ParleyDatabaseError.readOnlyFile(path: path)
        }
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(
                path: path, mode: access == .readOnly ? .readOnly : .readWriteCreate,
                refuseSymlinks: refuseSymlinks)
        } catch let error as SQLiteError where error.isSymbolicLink {
            throw ParleyDatabaseError.symbolicLink(path: path)
        }
        // SQLite falls back to reading when the file cannot be opened for writing.
        if access == .readWrite && connection.isReadOnly { throw ParleyDatabaseError.readOnlyFile(path: path) }
        // The busy timeout comes first so that the pragmas below wait for locks too.
        try connection.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
        try connection.execute("PRAGMA foreign_keys = ON")

        let migrator = Migrator(connection: connection, migrations: migrations)
        try migrator.validate()
        // Check the version before anything writes (switching to WAL rewrites the header), so
        // a file from newer code is refused without being touched.
        let fileVersion = try migrator.currentVersion()
        try migrator.refuseNewerSchema(fileVersion)

        switch access {
        case .readOnly:
            // Migrations cannot run read-only; reading an old layout with new SQL would fail
            // in confusing ways, so refuse clearly instead.
            if fileVersion < migrator.latestVersion {
                throw ParleyDatabaseError.schemaOutdated(
                    fileVersion: fileVersion, latestKnownVersion: migrator.latestVersion)
            }
            return ParleyDatabase(connection: connection, access: access, appliedMigrationVersions: [])

        case .readWrite:
            let journalMode = try connection.scalarText("PRAGMA journal_mode = WAL") ?? ""
            guard journalMode.lowercased() == "wal" else {
                throw ParleyDatabaseError.walUnavailable(journalMode: journalMode)
            }
            // synchronous is per connection and must be set after choosing the journal mode.
            try connection.execute(synchronous == .full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            let applied = try migrator.migrate()
            try probeWrite(connection, path: path)
            return ParleyDatabase(connection: connection, access: access, appliedMigrationVersions: applied)
        }
    }

    /// Takes the write lock and gives it back: a file SQLite opened for writing may still
    /// refuse writes (a directory where the WAL's files cannot be made, a read-only
    /// mount). Another connection holding the lock (busy) proves nothing either way.
    private static func probeWrite(_ connection: SQLiteConnection, path: String) throws {
        do {
            try connection.execute("BEGIN IMMEDIATE")
            try connection.execute("ROLLBACK")
        } catch let error as SQLiteError {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            if error.isBusyOrLocked { return }
            if error.isReadOnly { throw ParleyDatabaseError.readOnlyFile(path: path) }
            throw error
        }
    }

    /// The file's current `PRAGMA user_version`.
    public func schemaVersion() throws -> Int {
        Int(try connection.scalarInt64("PRAGMA user_version") ?? 0)
    }

    /// The journal mode SQLite reports (`"wal"` for a read-write open).
    public func journalMode() throws -> String {
        try connection.scalarText("PRAGMA journal_mode") ?? ""
    }

    // MARK: Checkpoints

    /// Turns SQLite's automatic WAL checkpoints off (or back on). A checkpoint copies the
    /// WAL into the database file and syncs it: milliseconds on a real disk, spent by
    /// whichever commit crosses the threshold. A server with another connection doing
    /// `checkpoint()` on a thread of its own keeps its commits free of that pause.
    public func setAutomaticCheckpoints(_ enabled: Bool) throws {
        try connection.execute(enabled ? "PRAGMA wal_autocheckpoint = 1000" : "PRAGMA wal_autocheckpoint = 0")
    }

    /// How a checkpoint may treat the writer.
    public enum CheckpointMode: Sendable {
        /// Copies what it can without waiting for or blocking the writer.
        case passive
        /// Waits for the writer, copies everything, and makes the next write start the
        /// WAL over: what keeps the WAL bounded while writes never stop (passive ones
        /// alone never catch up with a writer that always adds more).
        case restart
    }

    /// What a checkpoint found: the WAL's size and how much of it is now in the database
    /// file, both in pages.
    public struct CheckpointProgress: Sendable, Equatable {
        public var walPages: Int
        public var copiedPages: Int
        /// Everything in the WAL is in the database file.
        public var isComplete: Bool { copiedPages >= walPages }
    }

    /// Copies WAL pages into the database file.
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode = .passive) throws -> CheckpointProgress {
        var walPages: Int32 = 0
        var copied: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(
            connection.handle, nil,
            mode == .passive ? SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_RESTART,
            &walPages, &copied)
        // BUSY from a restart means the writer or a reader kept its lock past this
        // connection's busy timeout: what could be copied was; the next round tries again.
        guard rc == SQLITE_OK || rc == SQLITE_BUSY else {
            throw SQLiteError(resultCode: rc, connection: connection.handle, sql: "checkpoint")
        }
        return CheckpointProgress(walPages: Int(max(0, walPages)), copiedPages: Int(max(0, copied)))
    }

    // MARK: Statement cache

    /// Runs `body` with the cached prepared statement for `sql`, then resets it and clears
    /// its bindings (so no bound hash or body lingers in SQLite's memory, and no read snapshot
    /// stays pinned).
    ///
    /// Throws instead of running if SQLite has rolled back the enclosing group-commit
    /// transaction behind our back (see ``ensureTransactionIntact()``).
    func withStatement<T>(_ sql: String, _ body: (Statement) throws -> T) throws -> T {
        try ensureTransactionIntact()
        return try withControlStatement(sql, body)
    }

    /// ``withStatement(_:_:)`` without the transaction check, for BEGIN/COMMIT/SAVEPOINT.
    func withControlStatement<T>(_ sql: String, _ body: (Statement) throws -> T) throws -> T {
        let statement: Statement
        if let cached = statementCache[sql] {
            statement = cached
        } else {
            statement = try connection.prepare(sql, persistent: true)
            statementCache[sql] = statement
        }
        defer {
            statement.reset()
            statement.clearBindings()
        }
        return try body(statement)
    }

    /// Runs a cached value-free statement to completion.
    func runControl(_ sql: String) throws {
        try withControlStatement(sql) { try $0.run() }
    }

    /// Runs a counting query and returns its single integer.
    func count(_ sql: String) throws -> Int {
        try withStatement(sql) { statement in
            try statement.step() ? Int(statement.int64(at: 0)) : 0
        }
    }
}
