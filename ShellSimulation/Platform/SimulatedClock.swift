import ChatCore

/// The simulation's only clock. It moves a little with every slice a thread runs, when a
/// client's step says so, and when nothing can run but a thread waits for a time.
public final class SimulatedClock: @unchecked Sendable {
    public private(set) var now: Instant
    public let epochAtStartMilliseconds: Int64
    private let start: Instant

    init(start: Instant, epochAtStartMilliseconds: Int64) {
        self.now = start
        self.start = start
        self.epochAtStartMilliseconds = epochAtStartMilliseconds
    }

    func advance(by duration: Duration) { now = now + duration }

    func set(_ instant: Instant) {
        precondition(instant >= now, "the clock never goes back")
        now = instant
    }

    /// Wall-clock milliseconds at `instant`.
    public func epochMilliseconds(_ instant: Instant) -> Int64 {
        epochAtStartMilliseconds + (instant.nanoseconds - start.nanoseconds) / 1_000_000
    }
}
