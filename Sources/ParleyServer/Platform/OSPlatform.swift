import CParleySystem
import ChatCore
import Glibc
import ParleyPlatform

/// The production platform: pthreads, pthread mutexes and condition variables, atomics,
/// eventfd wakers, poll on a socket and its waker, epoll for the parking lot, TLS over
/// TCP, the monotonic clock. One file per concept beside this one (`OSLock`, `OSWaker`,
/// `TLSStream`, ...). Every type is final and every method small: the shell is generic
/// over its platform and, all in this module, specialises to direct (inlined) calls.
///
/// It keeps the budget of wake descriptors: an eventfd per connection that has a thread,
/// at most `wakeDescriptors` at once (`makeWaker` returns nil past it; such a thread then
/// polls every 50 ms instead of being woken).
public final class OSPlatform: Platform {
    public typealias Lock = OSLock
    public typealias Condition = OSCondition
    public typealias AtomicInt = OSAtomicInt
    public typealias Waker = OSWaker
    public typealias Stream = TLSStream
    public typealias ReadySet = OSReadySet
    public typealias Listener = OSListener

    private let monotonicAtStart: Int64
    private let wallAtStartMs: Int64
    private let wakeDescriptorsLeft: OSAtomicInt

    public init(wakeDescriptors: Int = Int(Int32.max)) {
        monotonicAtStart = OSPlatform.read(CLOCK_MONOTONIC)
        wallAtStartMs = OSPlatform.read(CLOCK_REALTIME) / 1_000_000
        wakeDescriptorsLeft = OSAtomicInt(wakeDescriptors)
    }

    @inline(__always)
    public func makeLock(role: String) -> OSLock { OSLock.make() }

    @inline(__always)
    public func makeCondition(role: String) -> OSCondition { OSCondition.make() }

    @inline(__always)
    public func makeAtomic(_ value: Int, role: String) -> OSAtomicInt { OSAtomicInt(value) }

    public func makeWaker() -> OSWaker? {
        guard wakeDescriptorsLeft.add(-1) >= 0 else {
            wakeDescriptorsLeft.add(1)
            return nil
        }
        let fd = parley_eventfd()
        guard fd >= 0 else {
            wakeDescriptorsLeft.add(1)
            return nil
        }
        return OSWaker(fileDescriptor: fd, budget: wakeDescriptorsLeft)
    }

    public func makeReadySet() -> OSReadySet? { OSReadySet() }

    public func spawnThread(name: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
        OSThreads.spawn(name: name, stackSize: stackSize, body)
    }

    @inline(__always)
    public func now() -> Instant { Instant(nanoseconds: OSPlatform.read(CLOCK_MONOTONIC)) }

    /// Milliseconds since the Unix epoch at `instant`, from the difference to a pair of
    /// readings made when the platform was made (the monotonic clock ignores the wall
    /// clock's jumps).
    @inline(__always)
    public func epochMilliseconds(_ instant: Instant) -> Int64 {
        wallAtStartMs + (instant.nanoseconds - monotonicAtStart) / 1_000_000
    }

    public func sleep(for duration: Duration) {
        let ns = max(0, duration.nanoseconds)
        var request = timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }

    /// poll() on the waker's eventfd and the stream's socket. A stream waited on for no
    /// events is left out: a hung-up socket polled for nothing would still report
    /// POLLHUP, at once, every time. The waker is not cleared here (`Waker.clear`).
    @inline(__always)
    public func wait(
        for events: StreamEvents, on stream: TLSStream?, waker: OSWaker?, timeout: Duration?
    ) -> WaitOutcome {
        var mask: Int16 = 0
        if events.contains(.readable) { mask |= Int16(POLLIN) }
        if events.contains(.writable) { mask |= Int16(POLLOUT) }
        let streamFD = mask == 0 ? -1 : stream?.fileDescriptor ?? -1
        let wakerFD = waker?.fileDescriptor ?? -1
        let milliseconds = OSPlatform.milliseconds(timeout)
        return withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) { descriptors in
            descriptors[0] = pollfd(fd: wakerFD, events: Int16(POLLIN), revents: 0)
            descriptors[1] = pollfd(fd: streamFD, events: mask, revents: 0)
            guard poll(descriptors.baseAddress, 2, milliseconds) > 0 else {
                return WaitOutcome(stream: [], wakerFired: false)
            }
            let found = descriptors[1].revents
            var ready: StreamEvents = []
            if found & Int16(POLLIN) != 0 { ready.insert(.readable) }
            if found & Int16(POLLOUT) != 0 { ready.insert(.writable) }
            if found & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { ready.insert(.hangUp) }
            return WaitOutcome(stream: ready, wakerFired: descriptors[0].revents != 0)
        }
    }

    /// A timeout for poll() and epoll_wait(): milliseconds rounded up, so a tiny positive
    /// remainder still waits; -1 (none) for nil.
    @inline(__always)
    static func milliseconds(_ timeout: Duration?) -> Int32 {
        guard let timeout else { return -1 }
        let ns = timeout.nanoseconds
        return Int32(clamping: max(0, ns / 1_000_000 + (ns % 1_000_000 > 0 ? 1 : 0)))
    }

    @inline(__always)
    private static func read(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
