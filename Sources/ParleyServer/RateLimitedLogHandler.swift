import ChatCore
import Logging
import ParleyPlatform

/// One kind of log line, for `LogRateLimiter`: its level and its message (metadata such
/// as the peer's address varies from line to line and does not count).
struct LogLineKind: Hashable, Sendable {
    let level: Logger.Level
    let message: String
}

/// The limiter shared by every logger made from it, with the handler summaries go to.
final class LogRateLimit<P: Platform>: @unchecked Sendable {
    private let lock: P.Lock
    private var limiter: LogRateLimiter<LogLineKind>  // guarded by `lock`
    private let platform: P
    private let upstream: any LogHandler
    let window: Duration

    init(linesPerWindow: Int, window: Duration = .seconds(1), upstream: any LogHandler, platform: P) {
        lock = platform.makeLock(role: "log limit")
        limiter = LogRateLimiter(limit: linesPerWindow, window: window)
        self.platform = platform
        self.upstream = upstream
        self.window = window
    }

    /// A logger that writes what `logger` would, at most `linesPerWindow` lines of a kind
    /// per window.
    func logger(wrapping logger: Logger) -> Logger {
        Logger(label: logger.label) { _ in RateLimitedLogHandler(upstream: logger.handler, limit: self) }
    }

    /// Whether to write this line; writes the summaries that are due first.
    func admit(_ kind: LogLineKind, through handler: any LogHandler) -> Bool {
        let now = platform.now()
        let (admitted, due) = lock.withLock {
            let admitted = limiter.admit(kind, at: now)
            return (admitted, limiter.dueSummaries(at: now))
        }
        write(due, through: handler)
        return admitted
    }

    /// Writes the summaries of windows that are over (the housekeeping thread calls this
    /// each second, so a burst that stopped is still counted).
    func flush() {
        let now = platform.now()
        write(lock.withLock { limiter.dueSummaries(at: now) }, through: upstream)
    }

    private func write(_ summaries: [LogRateLimiter<LogLineKind>.Summary], through handler: any LogHandler) {
        for summary in summaries {
            handler.log(
                event: LogEvent(
                    level: summary.kind.level,
                    message:
                        "\(summary.suppressed) more \"\(summary.kind.message)\" lines left out (at most \(limiterLimit) per \(window))",
                    metadata: ["suppressed": "\(summary.suppressed)"], source: "parley", file: #fileID,
                    function: #function, line: #line))
        }
    }

    private var limiterLimit: Int { lock.withLock { limiter.limit } }
}

/// Passes lines to `upstream` as `LogRateLimit` allows.
struct RateLimitedLogHandler<P: Platform>: LogHandler {
    var upstream: any LogHandler
    let limit: LogRateLimit<P>

    func log(event: LogEvent) {
        guard limit.admit(LogLineKind(level: event.level, message: event.message.description), through: upstream) else {
            return
        }
        upstream.log(event: event)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { upstream[metadataKey: key] }
        set { upstream[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { upstream.metadata }
        set { upstream.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { upstream.logLevel }
        set { upstream.logLevel = newValue }
    }
}
