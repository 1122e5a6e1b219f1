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
                // Empty: an interrupt (a withdrawal, the stop) or the retry's timeout.
                for tag in stopRequested ? [] : readySet.wait(timeout: retrying ? .milliseconds(20) : nil) {
                    // Removed from the table first: whoever removes a session resumes it, once.
                    guard let host = table.withLock({ parked.removeValue(forKey: tag) }) else { continue }
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

    /// Under the session's lock: watches its stream until it needs a thread again.
    /// False if the ready set refused it (the session keeps its thread).
    func park(_ host: SessionHost<P>) -> Bool {
        table.withLock { parked[host.id.rawValue] = host }
        guard readySet.add(host.stream, tag: host.id.rawValue) else {
            table.withLock { parked[host.id.rawValue] = nil }
            return false
        }
        return true
    }

    /// Under the session's lock: the session needs its thread back before its stream
    /// says so. False if the lot's thread is already resuming it.
    func withdraw(_ host: SessionHost<P>) -> Bool {
        guard table.withLock({ parked.removeValue(forKey: host.id.rawValue) }) != nil else { return false }
        readySet.remove(host.stream)
        table.withLock { resuming.append(host) }
        readySet.interrupt()
        return true
    }
}
