import ChatCore

/// At most `limit` log lines of one kind per `window`; the rest are counted and reported
/// as one summary once their window is over. A thousand clients failing their TLS
/// handshake in a second then cost ten lines and a count, not a thousand lines.
///
/// Pure: the time is an input, so every case is a unit test. Not thread-safe; the
/// handler that uses it (`RateLimitedLogHandler`) holds it under a lock.
public struct LogRateLimiter<Kind: Hashable & Sendable>: Sendable {
    /// Lines of one kind left out during one window.
    public struct Summary: Equatable, Sendable {
        public let kind: Kind
        public let suppressed: Int

        public init(kind: Kind, suppressed: Int) {
            self.kind = kind
            self.suppressed = suppressed
        }
    }

    private struct Window: Sendable {
        var start: Instant
        var logged: Int
        var suppressed: Int
    }

    public let limit: Int
    public let window: Duration
    /// Kinds tracked at once; a kind beyond that is always logged (log lines are a fixed
    /// set in code, so this is only a bound against surprises).
    public let maxKinds: Int
    private var windows: [Kind: Window] = [:]
    /// Kinds in the order first seen, so summaries come out in a stable order.
    private var order: [Kind] = []
    private var pending: [Summary] = []

    public init(limit: Int, window: Duration = .seconds(1), maxKinds: Int = 256) {
        self.limit = max(1, limit)
        self.window = window
        self.maxKinds = maxKinds
    }

    /// Whether a line of `kind` at `now` is written (true) or only counted (false).
    public mutating func admit(_ kind: Kind, at now: Instant) -> Bool {
        guard var current = windows[kind] else {
            guard windows.count < maxKinds else { return true }
            windows[kind] = Window(start: now, logged: 1, suppressed: 0)
            order.append(kind)
            return true
        }
        if now - current.start >= window {
            if current.suppressed > 0 { pending.append(Summary(kind: kind, suppressed: current.suppressed)) }
            current = Window(start: now, logged: 0, suppressed: 0)
        }
        let admitted = current.logged < limit
        if admitted { current.logged += 1 } else { current.suppressed += 1 }
        windows[kind] = current
        return admitted
    }

    /// The summaries of every window over by `now` that left lines out, oldest first;
    /// windows over by `now` are forgotten. Call before writing an admitted line (so a
    /// summary precedes the next window's lines) and now and then from a timer (so the
    /// count of a burst that then stopped is still told).
    public mutating func dueSummaries(at now: Instant) -> [Summary] {
        var due = pending
        pending = []
        var kept: [Kind] = []
        for kind in order {
            guard let current = windows[kind] else { continue }
            if now - current.start >= window {
                if current.suppressed > 0 { due.append(Summary(kind: kind, suppressed: current.suppressed)) }
                windows[kind] = nil
            } else {
                kept.append(kind)
            }
        }
        order = kept
        return due
    }
}
