import Logging
import ParleyPlatform
import ParleyStore

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
final class Checkpointer<P: Platform>: @unchecked Sendable {  // the connection is used by its thread only
    private let database: ParleyDatabase
    private let platform: P
    private let logger: Logger
    private let stopping: P.AtomicInt

    init(database: ParleyDatabase, platform: P, logger: Logger) {
        self.database = database
        self.platform = platform
        self.logger = logger
        stopping = platform.makeAtomic(0, role: "checkpoint stopping")
    }

    func start(every interval: Duration = .seconds(1), restartAbove: Int = 4_096) -> Bool {
        platform.spawnThread(name: "parley-checkpoint", stackSize: 256 * 1024) { [self] in
            while stopping.load() == 0 {
                platform.sleep(for: interval)
                if stopping.load() != 0 { break }
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
    func stop() { stopping.store(1) }
}
