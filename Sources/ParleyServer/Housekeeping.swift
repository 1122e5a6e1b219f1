import CParleySystem
import ChatCore
import Logging
import ParleyPlatform
import ParleyStore

/// The housekeeping thread, waking each second:
/// - returns freed heap pages to the kernel every 5 s: every handshake allocates and
///   frees tens of KiB inside OpenSSL; with thousands of connections those freed pages
///   stay resident as holes between live allocations unless trimmed;
/// - writes the counts of rate-limited log lines whose second is over;
/// - with `--keep-days`, deletes older messages at start and then hourly, on a database
///   connection of its own (in batches, so the storage thread waits one batch at most).
final class Housekeeping<P: Platform>: @unchecked Sendable {  // the retention connection is used by its thread only
    struct Retention {
        let database: ParleyDatabase
        let keep: Duration
        var every: Duration = .seconds(3600)
    }

    private let retention: Retention?
    private let logLimit: LogRateLimit<P>?
    private let platform: P
    private let logger: Logger

    init(retention: Retention?, logLimit: LogRateLimit<P>?, platform: P, logger: Logger) {
        self.retention = retention
        self.logLimit = logLimit
        self.platform = platform
        self.logger = logger
    }

    func start(trimEvery: Int = 5) -> Bool {
        platform.spawnThread(name: "parley-house", stackSize: 256 * 1024) { [self] in
            var round = Round(nextRetention: platform.now())
            while true { round = next(after: round, trimEvery: trimEvery) }
        }
    }

    private struct Round {
        var nextRetention: Instant
        var seconds = 0
    }

    /// One second of housekeeping. Not inlined into the endless loop above: Swift 6.3's
    /// loop-invariant code motion spent over 15 minutes of a release build on that loop
    /// with this body inside it.
    @inline(never)
    private func next(after round: Round, trimEvery: Int) -> Round {
        var round = round
        if let retention, platform.now() >= round.nextRetention {
            deleteOldMessages(retention)
            round.nextRetention = platform.now() + retention.every
        }
        platform.sleep(for: .seconds(1))
        round.seconds += 1
        logLimit?.flush()
        if round.seconds % trimEvery == 0 { parley_release_free_memory() }
        return round
    }

    private func deleteOldMessages(_ retention: Retention) {
        let cutoff = platform.epochMilliseconds(platform.now()) - retention.keep.nanoseconds / 1_000_000
        do {
            let deleted = try retention.database.deleteMessages(sentBefore: cutoff)
            if deleted > 0 {
                logger.info(
                    "deleted old messages",
                    metadata: [
                        "count": "\(deleted)", "older-than-days": "\(retention.keep.nanoseconds / 86_400_000_000_000)",
                    ])
            }
        } catch {
            logger.warning("deleting old messages failed; will try again in an hour", metadata: ["error": "\(error)"])
        }
    }
}
