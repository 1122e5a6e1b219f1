import Glibc
import Logging
import ParleyStore

/// Checkpoints the database's WAL once a second on a connection and a thread of its
/// own, so that no commit on the storage thread (and no message waiting behind it)
/// pays for copying pages into the database file and syncing it. Passive checkpoints
/// never block the writer, but under writes that never pause they never finish either;
/// once the WAL passes `restartAbove` pages a restarting checkpoint (which waits for
/// the writer, briefly, as SQLite's own would) starts it over, keeping it bounded.
final class Checkpointer: @unchecked Sendable { // the connection is used by its thread only
    private let database: ParleyDatabase
    private let logger: Logger

    init(database: ParleyDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    func start(every seconds: UInt32 = 1, restartAbove: Int = 4096) -> Bool {
        spawnThread(name: "parley-checkpoint", stackSize: 256 * 1024) { [self] in
            while true {
                sleep(seconds)
                do {
                    let walPages = try database.checkpoint(.passive)
                    if walPages > restartAbove { try database.checkpoint(.restart) }
                } catch {
                    logger.warning("WAL checkpoint failed; will try again", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
