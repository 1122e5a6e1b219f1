import ChatCore
import Logging
import ParleyPlatform

/// Where quiet connections wait without a thread of their own.
///
/// A connection's thread that has seen nothing to do for a while (no input, no output
/// waiting, no timer) parks its session here and ends. One thread watches every parked
/// stream with the platform's ready set (epoll, one-shot); when bytes (or an end of
/// stream) arrive, or when the session needs its thread for something else (a full
/// socket, a close, a shutdown), the lot starts a thread for it again. Delivering to a
/// parked session needs no thread at all: a room writes to it directly under the
/// session's lock, as it does to any member.
///
/// A session may park with a timer (a stranger's login deadline): the lot keeps it and
/// starts the session's thread again when it comes, so a connection that waits only for
/// its deadline holds no thread either. The lot's clock is the platform's.
///
/// So the server keeps a thread per *active* connection, and an idle one costs only its
/// TLS state and its session: no stack, no thread cache, no waker. The lot starts every
/// resumed thread itself, so a room's thread never waits on thread creation.
///
/// Locks: `park` and `withdraw` run under the session's lock and take the lot's table
/// lock inside it; the lot's thread takes the table lock alone, then a session's lock
/// alone. Never the other way round, so they cannot deadlock.
final class ParkingLot<P: Platform>: @unchecked Sendable {
    private let platform: P
    private let readySet: P.ReadySet
    private let table: P.Lock
    // Guarded by `table`.
    private var parked: [UInt64: SessionHost<P>] = [:]
    /// Sessions handed back, waiting for the lot's thread to start a thread for them.
    private var resuming: [SessionHost<P>] = []
    /// When parked sessions with a timer want their thread back, by tag.
    private var deadlines: [UInt64: Instant] = [:]
    private let stopping: P.AtomicInt

    init?(platform: P) {
        guard let readySet = platform.makeReadySet() else { return nil }
        self.platform = platform
        self.readySet = readySet
        table = platform.makeLock(role: "parking table")
        stopping = platform.makeAtomic(0, role: "parking stopping")
    }

    /// Ends the lot's thread (after the server has stopped its sessions). The ready set
    /// stays open until the lot itself is gone, so a late waker never signals a
    /// descriptor the process has reused.
    func stop() {
        stopping.store(1)
        readySet.interrupt()
    }

    var parkedCount: Int { table.withLock { parked.count } }

    /// Starts the lot's thread; `resume` starts a thread that serves the session again
    /// (false if no thread could be made: the lot tries again shortly).
    func start(resume: @escaping @Sendable (SessionHost<P>) -> Bool, logger: Logger) -> Bool {
        platform.spawnThread(name: "parley-parking", stackSize: 128 * 1024) { [self] in
            var retrying = false
            var lastWarning: Int64 = 0
            var triesAfterStop = 0
            while true {
                // Once stopping, sessions withdrawn before the stop (the shutdown withdraws
                // every parked one to close it) still get their thread: the lot ends only
                // when none is left to start.
                let stopRequested = stopping.load() != 0
                // Empty: an interrupt (a withdrawal, the stop), a deadline or the retry's timeout.
                let ready = stopRequested ? [] : readySet.wait(timeout: waitLimit(retrying: retrying))
                for tag in ready + (stopRequested ? [] : dueTags()) {
                    // Removed from the table first: whoever removes a session resumes it, once.
                    guard let host = table.withLock({ take(tag) }) else { continue }
                    readySet.remove(host.stream)
                    host.leaveParking()
                    table.withLock { resuming.append(host) }
                }
                let waiting = table.withLock {
                    defer { resuming.removeAll() }
                    return resuming
                }
                var failed: [SessionHost<P>] = []
                for host in waiting where !resume(host) { failed.append(host) }
                if !failed.isEmpty {
                    let second = platform.now().nanoseconds / 1_000_000_000
                    if second > lastWarning {  // at most once a second
                        lastWarning = second
                        logger.warning(
                            "cannot start a thread for a waking connection; retrying",
                            metadata: ["waiting": "\(failed.count)"])
                    }
                    table.withLock { resuming.append(contentsOf: failed) }
                }
                retrying = !failed.isEmpty
                if stopRequested {
                    guard retrying, triesAfterStop < 50 else {
                        if retrying { logger.error("connections left unclosed at shutdown: no thread for them") }
                        return
                    }
                    triesAfterStop += 1
                    platform.sleep(for: .milliseconds(20))
                }
            }
        }
    }

    /// Under the session's lock: watches its stream until it needs a thread again, or
    /// until `deadline` (nil: none). False if the ready set refused it (the session
    /// keeps its thread).
    func park(_ host: SessionHost<P>, until deadline: Instant? = nil) -> Bool {
        let tag = host.id.rawValue
        let sooner = table.withLock {
            parked[tag] = host
            deadlines[tag] = deadline
            guard let deadline else { return false }
            return deadlines.values.allSatisfy { $0 >= deadline }
        }
        guard readySet.add(host.stream, tag: tag) else {
            table.withLock { _ = take(tag) }
            return false
        }
        if sooner { readySet.interrupt() }  // the lot's thread waits for a later deadline, or none
        return true
    }

    /// Under the session's lock: the session needs its thread back before its stream
    /// says so. False if the lot's thread is already resuming it.
    func withdraw(_ host: SessionHost<P>) -> Bool {
        guard table.withLock({ take(host.id.rawValue) }) != nil else { return false }
        readySet.remove(host.stream)
        table.withLock { resuming.append(host) }
        readySet.interrupt()
        return true
    }

    /// Under the table lock: the session parked under `tag`, out of the table.
    private func take(_ tag: UInt64) -> SessionHost<P>? {
        deadlines[tag] = nil
        return parked.removeValue(forKey: tag)
    }

    /// How long the lot's thread may wait: until the earliest deadline, or 20 ms while a
    /// resume is being retried, or without end.
    private func waitLimit(retrying: Bool) -> Duration? {
        let earliest = table.withLock { deadlines.values.min() }
        var limit = retrying ? Duration.milliseconds(20) : nil
        if let earliest {
            let untilThen = max(.zero, earliest - platform.now())
            limit = min(limit ?? untilThen, untilThen)
        }
        return limit
    }

    /// Tags whose deadline has come, in tag order (not the dictionary's: the simulation
    /// replays the order sessions are resumed in).
    private func dueTags() -> [UInt64] {
        let now = platform.now()
        return table.withLock { deadlines.filter { $0.value <= now }.keys.sorted() }
    }
}
