import CParleySystem
import ChatCore
import Glibc
import Logging
import Synchronization

/// Where quiet connections wait without a thread of their own.
///
/// A connection's thread that has seen nothing to do for a while (no input, no output
/// waiting, no timer) parks its session here and ends. One thread watches every parked
/// socket with epoll; when bytes (or an end of stream) arrive, or when the session needs
/// its thread for something else (a full socket, a close, a shutdown), the lot starts a
/// thread for it again. Delivering to a parked session needs no thread at all: a room
/// writes to it directly under the session's lock, as it does to any member.
///
/// So the server keeps a thread per *active* connection, and an idle one costs only its
/// TLS state and its session: no stack, no thread cache, no wake descriptor. The lot
/// starts every resumed thread itself, so a room's thread never waits on thread creation.
///
/// Locks: `park` and `withdraw` run under the session's lock and take the lot's table
/// lock inside it; the lot's thread takes the table lock alone, then a session's lock
/// alone. Never the other way round, so they cannot deadlock.
final class ParkingLot: @unchecked Sendable {
    private struct Table {
        var parked: [UInt64: SessionHost] = [:]
        /// Sessions handed back, waiting for the lot's thread to start a thread for them.
        var resuming: [SessionHost] = []
    }

    private let epoll: Int32
    private let wakeFD: Int32
    private let table = Protected(Table())
    private let stopping = Atomic<Bool>(false)
    private static let wakeTag = UInt64.max
    /// Eventfds the connections' threads may hold at once (`takeWakeDescriptor`).
    private let wakeDescriptorsLeft: Atomic<Int>

    init?(wakeDescriptors: Int) {
        epoll = parley_epoll_create()
        wakeFD = parley_eventfd()
        wakeDescriptorsLeft = Atomic(wakeDescriptors)
        guard epoll >= 0, wakeFD >= 0, parley_epoll_add(epoll, wakeFD, ParkingLot.wakeTag) == 0 else { return nil }
    }

    /// An eventfd for a connection's thread, or -1 when their share of the descriptor
    /// limit is used up (the thread then polls every 50 ms instead of being woken).
    func takeWakeDescriptor() -> Int32 {
        guard wakeDescriptorsLeft.subtract(1, ordering: .relaxed).newValue >= 0 else {
            wakeDescriptorsLeft.add(1, ordering: .relaxed)
            return -1
        }
        let fd = parley_eventfd()
        if fd < 0 { wakeDescriptorsLeft.add(1, ordering: .relaxed) }
        return fd
    }

    func returnWakeDescriptor(_ fd: Int32) {
        guard fd >= 0 else { return }
        close(fd)
        wakeDescriptorsLeft.add(1, ordering: .relaxed)
    }

    deinit {
        close(epoll)
        close(wakeFD)
    }

    /// Ends the lot's thread (after the server has stopped its sessions). Its
    /// descriptors stay open until the lot itself is gone, so a late waker never writes
    /// to a number the process has reused.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    var parkedCount: Int { table.withLock { $0.parked.count } }

    /// Starts the lot's thread; `resume` starts a thread that serves the session again
    /// (false if no thread could be made: the lot tries again shortly).
    func start(resume: @escaping @Sendable (SessionHost) -> Bool, logger: Logger) -> Bool {
        spawnThread(name: "parley-parking", stackSize: 128 * 1024) { [self] in
            var tags = [UInt64](repeating: 0, count: 256)
            var retrying = false
            var lastWarning = 0
            while !stopping.load(ordering: .relaxed) {
                let count = tags.withUnsafeMutableBufferPointer {
                    parley_epoll_wait(epoll, $0.baseAddress, Int32($0.count), retrying ? 20 : -1)
                }
                for index in 0..<max(0, Int(count)) {
                    let tag = tags[index]
                    if tag == ParkingLot.wakeTag {
                        var counter: UInt64 = 0
                        _ = read(wakeFD, &counter, 8)
                        continue
                    }
                    // Removed from the table first: whoever removes a session resumes it, once.
                    guard let host = table.withLock({ $0.parked.removeValue(forKey: tag) }) else { continue }
                    _ = parley_epoll_remove(epoll, host.socketDescriptor)
                    host.leaveParking()
                    table.withLock { $0.resuming.append(host) }
                }
                let waiting = table.withLock { table in
                    defer { table.resuming.removeAll() }
                    return table.resuming
                }
                var failed: [SessionHost] = []
                for host in waiting where !resume(host) { failed.append(host) }
                if !failed.isEmpty {
                    var now = timespec()
                    clock_gettime(CLOCK_MONOTONIC, &now)
                    if now.tv_sec > lastWarning { // at most once a second
                        lastWarning = now.tv_sec
                        logger.warning("cannot start a thread for a waking connection; retrying",
                                       metadata: ["waiting": "\(failed.count)"])
                    }
                    table.withLock { $0.resuming.append(contentsOf: failed) }
                }
                retrying = !failed.isEmpty
            }
        }
    }

    /// Under the session's lock: watches its socket until it needs a thread again.
    /// False if epoll refused it (the session keeps its thread).
    func park(_ host: SessionHost) -> Bool {
        table.withLock { $0.parked[host.id.rawValue] = host }
        guard parley_epoll_add_oneshot(epoll, host.socketDescriptor, host.id.rawValue) == 0 else {
            table.withLock { $0.parked[host.id.rawValue] = nil }
            return false
        }
        return true
    }

    /// Under the session's lock: the session needs its thread back before its socket
    /// says so. False if the lot's thread is already resuming it.
    func withdraw(_ host: SessionHost) -> Bool {
        guard table.withLock({ $0.parked.removeValue(forKey: host.id.rawValue) }) != nil else { return false }
        _ = parley_epoll_remove(epoll, host.socketDescriptor)
        table.withLock { $0.resuming.append(host) }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
        return true
    }
}
