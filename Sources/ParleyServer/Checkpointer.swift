import Glibc
import Logging
import ParleyStore
import Synchronization

/// Checkpoints the database's WAL once a second on a connection and a thread of its
/// own, so that no commit on the storage thread (and no message waiting behind it)
/// pays for copying pages into the database file and syncing it.
///
/// Passive checkpoints never block the writer, but while writes never pause they never
/// finish, and the WAL would grow without end. Past `restartAbove` pages a restarting
/// one (which holds the writer off while it copies what the passive one left, and makes
/// the next write start the WAL over) bounds it.
/// Its connection waits at most a moment for locks (`busyTimeout` at open): a reader
/// that holds the WAL (a backup, an operator's shell) makes it give up until the next
/// round rather than keep the writer waiting.
final class Checkpointer: @unchecked Sendable { // the connection is used by its thread only
    private let database: ParleyDatabase
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)

    init(database: ParleyDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    func start(every seconds: UInt32 = 1, restartAbove: Int = 4_096) -> Bool {
        spawnThread(name: "parley-checkpoint", stackSize: 256 * 1024) { [self] in
            while !stopping.load(ordering: .relaxed) {
                sleep(seconds)
                if stopping.load(ordering: .relaxed) { break }
                do {
                    let progress = try database.checkpoint(.passive)
                    if progress.walPages > restartAbove {
                        try database.checkpoint(.restart)
                    }
                } catch {
                    logger.warning("WAL checkpoint failed; will try again", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// The thread ends within a round; its connection closes with this object.
    func stop() { stopping.store(true, ordering: .relaxed) }
}
