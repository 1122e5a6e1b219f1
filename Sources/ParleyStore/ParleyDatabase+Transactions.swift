import CSQLite

extension ParleyDatabase {
    /// Runs `body` in one write transaction: `BEGIN IMMEDIATE`, then `COMMIT`, or `ROLLBACK`
    /// if `body` (or the commit) throws. This is the storage thread's group commit: many
    /// requests, one commit, one WAL sync.
    ///
    /// `BEGIN IMMEDIATE` takes the write lock up front (waiting up to the busy timeout), so
    /// statements inside cannot fail halfway with `SQLITE_BUSY` on lock upgrade.
    ///
    /// Not re-entrant: nest with ``withSavepoint(_:)`` instead.
    /// - Throws: `body`'s error (after rolling back), or ``SQLiteError``. Aborted batches throw
    ///   an error with ``SQLiteError/isAborted``: after I/O errors such as a full disk SQLite
    ///   may roll the whole transaction back on its own, and then nothing of the batch is kept.
    @discardableResult
    public func withTransaction<T>(_ body: () throws -> T) throws -> T {
        guard !transactionIsOpen else {
            throw SQLiteError.misuse("withTransaction is not re-entrant; use withSavepoint inside it")
        }
        try runControl("BEGIN IMMEDIATE")
        transactionIsOpen = true
        defer { transactionIsOpen = false }

        let result: T
        do {
            result = try body()
            try ensureTransactionIntact()
            try runControl("COMMIT")
        } catch {
            // After a failed COMMIT the transaction may still be open; never leave it dangling,
            // or the next BEGIN would fail and later writes would pile into it.
            if connection.isInTransaction { try? runControl("ROLLBACK") }
            throw error
        }
        return result
    }

    /// Runs `body` inside a savepoint: its changes are kept if it returns, and undone alone
    /// (leaving the enclosing transaction intact) if it throws.
    ///
    /// Use one savepoint per request inside a group-commit ``withTransaction(_:)``, so one
    /// failing request (say, a constraint violation halfway through its writes) does not
    /// lose the batch. Called outside a transaction, it opens one with ``withTransaction(_:)``.
    /// - Throws: `body`'s error (after undoing its changes), or ``SQLiteError``.
    @discardableResult
    public func withSavepoint<T>(_ body: () throws -> T) throws -> T {
        guard transactionIsOpen else {
            return try withTransaction { try withSavepoint(body) }
        }
        try ensureTransactionIntact()
        // One fixed name suffices: SQLite savepoints nest, and ROLLBACK TO / RELEASE act on the
        // innermost savepoint of that name.
        try runControl("SAVEPOINT parley_request")
        do {
            let result = try body()
            try runControl("RELEASE parley_request")
            return result
        } catch {
            // If SQLite already rolled back the whole transaction the savepoint is gone; the
            // next statement or the final COMMIT then reports the abort.
            if connection.isInTransaction {
                try? runControl("ROLLBACK TO parley_request")
                try? runControl("RELEASE parley_request")
            }
            throw error
        }
    }

    /// Throws if ``withTransaction(_:)`` is running but SQLite is back in autocommit mode.
    ///
    /// SQLite may roll back a whole transaction by itself after `SQLITE_FULL`, `SQLITE_IOERR`,
    /// `SQLITE_BUSY` or `SQLITE_NOMEM`. Writes issued afterwards would each autocommit on
    /// their own, so a batch reported as failed would in fact be half stored. Refusing them
    /// keeps the outcome all-or-nothing per batch.
    func ensureTransactionIntact() throws {
        if transactionIsOpen && !connection.isInTransaction {
            throw SQLiteError(
                code: SQLITE_ABORT,
                message: "the transaction was rolled back by SQLite after an earlier error; nothing in it was committed"
            )
        }
    }
}
