/// Brings a connection's schema up to date with a migration list, tracking progress in
/// `PRAGMA user_version`.
struct Migrator {
    let connection: SQLiteConnection
    let migrations: [Migration]

    /// The newest version the migration list knows.
    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The file's current `user_version`.
    func currentVersion() throws -> Int {
        Int(try connection.scalarInt64("PRAGMA user_version") ?? 0)
    }

    /// Checks that versions are exactly 1, 2, 3, ... so "apply every step above the file's
    /// version" is well defined.
    func validate() throws {
        for (offset, migration) in migrations.enumerated() where migration.version != offset + 1 {
            throw ParleyDatabaseError.invalidMigrationList(
                "step #\(offset + 1) ('\(migration.summary)') has version \(migration.version)")
        }
    }

    /// Throws ``ParleyDatabaseError/schemaTooNew(fileVersion:latestKnownVersion:)`` if the file
    /// is ahead of this code.
    func refuseNewerSchema(_ version: Int) throws {
        if version > latestVersion {
            throw ParleyDatabaseError.schemaTooNew(fileVersion: version, latestKnownVersion: latestVersion)
        }
    }

    /// Applies every step above the file's version, one transaction per step.
    /// - Returns: The versions applied, in order (empty when the file was up to date).
    func migrate() throws -> [Int] {
        try validate()
        let startVersion = try currentVersion()
        try refuseNewerSchema(startVersion)
        var applied: [Int] = []
        for migration in migrations where migration.version > startVersion {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                // Re-read under the write lock: another process may have migrated meanwhile.
                let version = try currentVersion()
                try refuseNewerSchema(version)
                if version >= migration.version {
                    try connection.execute("COMMIT")
                    continue
                }
                try migration.apply(connection)
                // PRAGMA values cannot be bound; this is an integer from code, never user input.
                try connection.execute("PRAGMA user_version = \(migration.version)")
                try connection.execute("COMMIT")
                applied.append(migration.version)
            } catch {
                if connection.isInTransaction { try? connection.execute("ROLLBACK") }
                throw error
            }
        }
        return applied
    }
}
