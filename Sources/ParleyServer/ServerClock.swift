import ChatCore
import Glibc

/// The production clock: ChatCore's `Instant` is the monotonic clock, immune to the
/// wall clock's jumps; the store wants wall-clock milliseconds, taken from the
/// difference to a pair of readings made at start.
struct ServerClock: Sendable {
    private let monotonicAtStart: Int64
    private let wallAtStartMs: Int64

    init() {
        monotonicAtStart = ServerClock.read(CLOCK_MONOTONIC)
        wallAtStartMs = ServerClock.read(CLOCK_REALTIME) / 1_000_000
    }

    func now() -> Instant { Instant(nanoseconds: ServerClock.read(CLOCK_MONOTONIC)) }

    /// Milliseconds since the Unix epoch at `instant`.
    func epochMilliseconds(_ instant: Instant) -> Int64 {
        wallAtStartMs + (instant.nanoseconds - monotonicAtStart) / 1_000_000
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
