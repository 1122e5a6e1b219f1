import ChatCore
import ParleyPlatform

/// The shell's platform under a seeded scheduler: real threads, one running at a time,
/// every call a scheduling point (see `ShellScheduler`).
public final class ControlledPlatform: Platform, @unchecked Sendable {
    public typealias Lock = ControlledLock
    public typealias Condition = ControlledCondition
    public typealias AtomicInt = ControlledAtomic
    public typealias Waker = ControlledWaker
    public typealias Stream = PipeStream
    public typealias ReadySet = ControlledReadySet
    public typealias Listener = ControlledListener

    public let scheduler: ShellScheduler
    private var wakers = 0
    private var readySets = 0

    public init(options: PlatformOptions = PlatformOptions(), recordTimeline: Bool = false) {
        scheduler = ShellScheduler(options: options, recordTimeline: recordTimeline)
        let clock = scheduler.clock
        scheduler.trace.now = { clock.now }
    }

    public func makeLock(role: String) -> ControlledLock { ControlledLock(role: role, scheduler: scheduler) }
    public func makeCondition(role: String) -> ControlledCondition {
        ControlledCondition(role: role, scheduler: scheduler)
    }
    public func makeAtomic(_ value: Int, role: String) -> ControlledAtomic {
        ControlledAtomic(value, role: role, scheduler: scheduler)
    }

    public func makeWaker() -> ControlledWaker? {
        wakers += 1
        return ControlledWaker(scheduler: scheduler, number: wakers)
    }

    public func makeReadySet() -> ControlledReadySet? {
        readySets += 1
        return ControlledReadySet(role: readySets == 1 ? "ready set" : "ready set \(readySets)", scheduler: scheduler)
    }

    public func makeListener() -> ControlledListener { ControlledListener(scheduler: scheduler) }

    /// A client's end of a new connection (the harness queues it on a listener).
    public func makeStream(name: String, remoteHost: String, capacity: Int) -> PipeStream {
        PipeStream(name: name, remoteHost: remoteHost, capacity: capacity, scheduler: scheduler)
    }

    public func spawnThread(name: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
        scheduler.spawn(name: name, stackSize: stackSize, body)
    }

    public func now() -> Instant {
        scheduler.current?.lastClockRead = scheduler.clock.now
        return scheduler.clock.now
    }

    public func epochMilliseconds(_ instant: Instant) -> Int64 { scheduler.clock.epochMilliseconds(instant) }

    public func sleep(for duration: Duration) { scheduler.sleep(for: duration) }

    public func wait(
        for events: StreamEvents, on stream: PipeStream?, waker: ControlledWaker?, timeout: Duration?
    ) -> WaitOutcome {
        scheduler.wait(for: events, on: stream, waker: waker, timeout: timeout)
    }
}
