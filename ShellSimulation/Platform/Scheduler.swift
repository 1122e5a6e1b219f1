import ChatCore
import Dispatch
import Glibc
import ParleyPlatform

/// The baton: every thread the shell starts is a real pthread that runs only while it
/// holds it. At each call of the platform a thread records what it now waits for
/// (`Wait`) and hands the baton back to the controller (the harness's own thread), which
/// picks the next thread to run, or a client's act, or moves the clock. Exactly one
/// thread runs at any moment, so a run is a function of the choices made.
///
/// All the primitives' state (`ControlledLock.holder`, a pipe's bytes, the clock) is
/// touched only by whoever holds the baton, so it needs no lock of its own: the
/// semaphores' hand-over orders every access.
public final class ShellScheduler: @unchecked Sendable {
    public let clock: SimulatedClock
    public let options: PlatformOptions
    /// Every thread started in this run, in the order started.
    public private(set) var threads: [ControlledThread] = []
    /// The threads not finished, in the order started.
    private(set) var live: [ControlledThread] = []
    private var liveNames: Set<String> = []
    /// The thread holding the baton (nil: the controller holds it).
    private(set) var running: ControlledThread?
    private let controller = DispatchSemaphore(value: 0)
    public private(set) var violation: ShellViolation?
    public var trace: ShellTrace
    public var hazards = HazardCounts()
    /// The fan-out atomic made last, waiting for its replies-waiting partner.
    weak var lastReachMade: ControlledAtomic?
    /// Names a thread from the name the shell gave it and the thread that starts it; the
    /// harness names connections by the client they serve. The scheduler makes it unique.
    public var threadNamer: ((_ requested: String, _ spawner: ControlledThread?) -> String)?
    /// Told of every write the server makes to a stream (the harness's checker reads lines here).
    public var onWrite: ((_ thread: ControlledThread?, _ stream: PipeStream, _ bytes: UnsafeRawBufferPointer) -> Void)?
    /// Told when a stream leaves the ready set (reported or withdrawn): the harness names
    /// the next connection thread the parking lot starts after it.
    public var onUnpark: ((PipeStream) -> Void)?
    /// Spawns refused so far (a fault the harness may plant).
    public var refuseSpawns: ((_ name: String) -> Bool)?
    /// Thread slices run.
    public private(set) var slices = 0

    public init(options: PlatformOptions, recordTimeline: Bool) {
        self.options = options
        self.clock = SimulatedClock(
            start: options.clockStart, epochAtStartMilliseconds: options.epochAtStartMilliseconds)
        self.trace = ShellTrace(recording: recordTimeline)
    }

    // MARK: - Who is running

    /// The controlled thread making this call; nil on the controller's own thread.
    var current: ControlledThread? {
        guard let raw = pthread_getspecific(controlledThreadKey) else { return nil }
        let thread = Unmanaged<ControlledThread>.fromOpaque(raw).takeUnretainedValue()
        return thread
    }

    /// The name for reports of whoever is calling.
    var callerName: String { current?.name ?? "the harness" }

    // MARK: - Threads

    func spawn(name requested: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
        let spawner = current
        var name = threadNamer?(requested, spawner) ?? requested
        if refuseSpawns?(name) == true {
            trace.record(.spawnRefused, ShellTrace.hash(name), text: "\(callerName) could not start \(name)")
            yield()
            return false
        }
        if liveNames.contains(name) {
            var number = 2
            while liveNames.contains("\(name) #\(number)") { number += 1 }
            name = "\(name) #\(number)"
        }
        liveNames.insert(name)
        let thread = ControlledThread(name: name, requestedName: requested)
        threads.append(thread)
        live.append(thread)
        trace.record(.spawn, thread.nameHash, text: "\(callerName) starts \(name)")

        final class Start {
            let scheduler: ShellScheduler
            let thread: ControlledThread
            let body: @Sendable () -> Void
            init(_ scheduler: ShellScheduler, _ thread: ControlledThread, _ body: @escaping @Sendable () -> Void) {
                self.scheduler = scheduler
                self.thread = thread
                self.body = body
            }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        // Debug builds use far more stack than the shell's sizes were measured for.
        pthread_attr_setstacksize(&attributes, max(stackSize, options.minimumStackSize))
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let start = Unmanaged.passRetained(Start(self, thread, body))
        var handle = pthread_t()
        let result = pthread_create(
            &handle, &attributes,
            { raw in
                let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
                pthread_setspecific(controlledThreadKey, Unmanaged.passUnretained(start.thread).toOpaque())
                start.thread.semaphore.wait()
                if start.thread.abandoned { return nil }
                start.body()
                start.scheduler.finish(start.thread)
                return nil
            }, start.toOpaque())
        precondition(result == 0, "pthread_create failed (\(result)): too many simulated threads left behind?")
        yield()
        return true
    }

    /// The thread's body returned.
    private func finish(_ thread: ControlledThread) {
        if !thread.held.isEmpty {
            fail(.lockMisuse, "\(thread.name) ended holding \(thread.held.map(\.role).joined(separator: ", "))")
        }
        for stream in thread.served where stream.server === thread { stream.server = nil }
        thread.served = []
        trace.record(.finish, thread.nameHash, text: "\(thread.name) ends")
        liveNames.remove(thread.name)
        thread.wait = .finished
        live.removeAll { $0 === thread }
        running = nil
        controller.signal()
        // The pthread returns and ends.
    }

    /// Hands the baton back and waits for it: the heart of every platform call.
    func park(_ thread: ControlledThread, _ wait: Wait) {
        thread.wait = wait
        if let deadline = wait.deadline {
            // Reckoned from the thread's last clock read, which this wait uses up: a later
            // wait with no read between it and this one is reckoned from now.
            let stale = clock.now - (thread.lastClockRead ?? clock.now)
            thread.meantDeadline = deadline + (.zero - stale)
            thread.lastClockRead = nil
        } else {
            thread.meantDeadline = nil
        }
        running = nil
        controller.signal()
        thread.semaphore.wait()
        if thread.abandoned { pthread_exit(nil) }
    }

    /// A scheduling point with nothing to wait for. On the controller, nothing.
    func yield() {
        guard let me = current else { return }
        park(me, .runnable)
    }

    /// Stops the calling thread for good after a violation (teardown ends it).
    func halt(_ thread: ControlledThread) -> Never {
        park(thread, .halted)
        preconditionFailure("a halted thread was run")
    }

    // MARK: - The controller's side

    public func isRunnable(_ thread: ControlledThread) -> Bool {
        let now = clock.now
        switch thread.wait {
        case .start, .runnable: return true
        case .lock(let lock): return lock.holder == nil && !lock.controllerHeld
        case .signal: return false
        case .stream(let events, let stream, let waker, let deadline):
            if let waker, waker.pending { return true }
            if let stream, !stream.readiness(for: events).isEmpty { return true }
            return deadline.map { $0 <= now } ?? false
        case .readySet(let set, let deadline):
            return set.interruptPending || set.hasReady || deadline.map { $0 <= now } ?? false
        case .time(let instant): return instant <= now
        case .accept(let listener, let deadline): return listener.hasWaiting || listener.closed || deadline <= now
        case .halted, .finished: return false
        }
    }

    /// The threads that may run now, in the order they started.
    public var runnable: [ControlledThread] { live.filter(isRunnable) }

    /// The live threads, in the order they started.
    public var liveThreads: [ControlledThread] { live }

    /// The earliest deadline any live thread waits for.
    public var earliestDeadline: Instant? {
        live.compactMap(\.wait.deadline).min()
    }

    /// The earliest deadline as the waiting threads meant theirs (`meantDeadline`).
    public var earliestMeantDeadline: Instant? {
        live.compactMap(\.meantDeadline).min()
    }

    /// Runs one slice of the thread: from its last platform call to its next.
    public func run(_ thread: ControlledThread) {
        precondition(running == nil && isRunnable(thread), "\(thread.name) is not runnable")
        slices += 1
        thread.slices += 1
        clock.advance(by: options.sliceCost)
        trace.record(.slice, thread.nameHash, text: nil)
        trace.thread = thread.name
        running = thread
        thread.semaphore.signal()
        if controller.wait(timeout: .now() + .seconds(options.watchdogSeconds)) == .timedOut {
            fatalError(
                """
                shell simulation: \(thread.name) has held the baton for \(options.watchdogSeconds) s of real time: \
                it blocks outside the platform (a lock, a sleep or a wait that is not the Platform's)
                """)
        }
        trace.thread = nil
    }

    /// Moves the clock (a client's choice, or nothing else can run).
    public func advanceClock(to instant: Instant) {
        guard instant > clock.now else { return }
        clock.set(instant)
    }

    /// Ends every thread still alive: each leaves at its next hand-over.
    public func teardown() {
        for thread in live {
            thread.abandoned = true
            thread.semaphore.signal()
        }
        live.removeAll()
        liveNames.removeAll()
    }

    /// Every live thread and what it waits for.
    public var waitsReport: String {
        live.map {
            "\($0.name): \($0.wait.describe(now: clock.now))\($0.held.isEmpty ? "" : " holding \($0.held.map(\.role).joined(separator: ", "))")"
        }
        .joined(separator: "; ")
    }

    /// The first violation wins; later ones follow from it.
    public func fail(_ invariant: ShellInvariant, _ detail: String) {
        guard violation == nil else { return }
        violation = ShellViolation(invariant: invariant, detail: detail, time: clock.now)
        trace.record(.violation, ShellTrace.hash(detail), text: "VIOLATION \(invariant.rawValue): \(detail)")
    }

    // MARK: - Locks and conditions

    func acquire(_ lock: ControlledLock) {
        guard let me = current else {
            precondition(lock.holder == nil && !lock.controllerHeld, "the harness would block on \(lock.role)")
            lock.controllerHeld = true
            return
        }
        checkTaking(lock, by: me, verb: "takes")
        if let cycle = cycle(from: me, wanting: lock) {
            fail(.deadlock, "lock cycle: \(cycle); every thread: \(waitsReport)")
            halt(me)
        }
        if lock.kind == .actor, me.requestedName == options.storageThreadName { hazards.count(.inlineReply) }
        park(me, .lock(lock))
        lock.holder = me
        me.held.append(lock)
        if options.recordLockEvents { trace.record(.lock, lock.nameHash, text: "takes \(lock.role)") }
    }

    /// `tryLock`: a scheduling point, then the lock if it is free, else false at once. The
    /// order is checked as for `lock` (a try in the wrong order is a design error even
    /// though it cannot wait); a try cannot close a cycle.
    func tryAcquire(_ lock: ControlledLock) -> Bool {
        guard let me = current else {
            guard lock.holder == nil, !lock.controllerHeld else { return false }
            lock.controllerHeld = true
            return true
        }
        checkTaking(lock, by: me, verb: "tries")
        park(me, .runnable)
        let taken = lock.holder == nil && !lock.controllerHeld
        if lock.kind == .actor { hazards.count(taken ? .senderRunsRoom : .senderFindsRoomBusy) }
        if options.recordLockEvents {
            trace.record(.lock, lock.nameHash, text: taken ? "takes \(lock.role) (try)" : "finds \(lock.role) busy")
        }
        guard taken else { return false }
        lock.holder = me
        me.held.append(lock)
        return true
    }

    /// A lock its taker already holds, or one the documented order forbids now, stops
    /// the taker with a violation (`verb`: "takes" or "tries", for the report).
    private func checkTaking(_ lock: ControlledLock, by me: ControlledThread, verb: String) {
        if lock.holder === me {
            fail(.deadlock, "\(me.name) \(verb) \(lock.role), which it already holds")
            halt(me)
        }
        if let problem = options.lockOrder.check(taking: lock, holding: me.held) {
            fail(
                .lockOrder,
                "\(me.name) \(verb) \(lock.role) while holding \(problem.role) (\(me.held.map(\.role).joined(separator: " → ")))"
            )
            halt(me)
        }
    }

    /// Who waits for whom, if taking `lock` closes a cycle.
    private func cycle(from me: ControlledThread, wanting lock: ControlledLock) -> String? {
        var chain = ["\(me.name) wants \(lock.role)"]
        var holder = lock.holder
        var seen = 0
        while let thread = holder, seen < live.count + 1 {
            seen += 1
            guard case .lock(let next) = thread.wait else { return nil }
            chain.append("held by \(thread.name), who wants \(next.role)")
            if next.holder === me {
                chain.append("held by \(me.name)")
                return chain.joined(separator: ", ")
            }
            holder = next.holder
        }
        return nil
    }

    func release(_ lock: ControlledLock) {
        guard let me = current else {
            precondition(lock.controllerHeld, "the harness releases \(lock.role), which it does not hold")
            lock.controllerHeld = false
            return
        }
        guard lock.holder === me else {
            fail(.lockMisuse, "\(me.name) releases \(lock.role), held by \(lock.holder?.name ?? "nobody")")
            halt(me)
        }
        lock.holder = nil
        if let index = me.held.lastIndex(where: { $0 === lock }) { me.held.remove(at: index) }
    }

    func wait(on condition: ControlledCondition, releasing lock: ControlledLock) {
        guard let me = current else { preconditionFailure("the harness would wait on \(condition.role)") }
        guard lock.holder === me else {
            fail(.lockMisuse, "\(me.name) waits on \(condition.role) without holding \(lock.role)")
            halt(me)
        }
        if me.held.count > 1 {
            fail(
                .waitUnderLock,
                "\(me.name) waits on \(condition.role) holding \(me.held.filter { $0 !== lock }.map(\.role).joined(separator: ", "))"
            )
            halt(me)
        }
        release(lock)
        if options.plant == .conditionWaitNotAtomic {
            // The planted bug: the lock is let go before the thread is among the waiters,
            // so a signal sent in between finds nobody to wake.
            park(me, .runnable)
        }
        condition.waiters.append(me)
        trace.record(
            .conditionWait, condition.nameHash, text: options.recordLockEvents ? "waits on \(condition.role)" : nil)
        park(me, .signal(condition, lock))
        lock.holder = me
        me.held.append(lock)
    }

    func signal(_ condition: ControlledCondition, all: Bool) {
        var woken = 0
        while !condition.waiters.isEmpty, all || woken == 0 {
            let waiter = condition.waiters.removeFirst()
            guard case .signal(let waited, let lock) = waiter.wait, waited === condition else { continue }
            waiter.wait = .lock(lock)
            woken += 1
        }
        if options.recordLockEvents {
            trace.record(
                .conditionSignal, condition.nameHash,
                text: "signals \(condition.role)\(woken == 0 ? " (nobody waits)" : "")")
        }
        yield()
    }

    // MARK: - Blocking waits

    private func refuseWaitUnderLock(_ me: ControlledThread, _ what: String) {
        guard !me.held.isEmpty else { return }
        fail(.waitUnderLock, "\(me.name) \(what) holding \(me.held.map(\.role).joined(separator: ", "))")
        halt(me)
    }

    func sleep(for duration: Duration) {
        guard let me = current else { preconditionFailure("the harness would sleep") }
        refuseWaitUnderLock(me, "sleeps \(duration)")
        trace.record(.sleep, UInt64(bitPattern: duration.nanoseconds), text: "sleeps \(Self.milliseconds(duration)) ms")
        if me.requestedName == options.storageThreadName { hazards.count(.commitWindow) }
        park(me, .time(clock.now + max(duration, .zero)))
    }

    func wait(
        for events: StreamEvents, on stream: PipeStream?, waker: ControlledWaker?, timeout: Duration?
    ) -> WaitOutcome {
        guard let me = current else { preconditionFailure("the harness would wait on a stream") }
        refuseWaitUnderLock(me, "waits on \(stream?.name ?? "its waker")")
        // A scheduling point before the wait begins: the thread has made its plan and is
        // about to poll, the moment a wake-up is most easily lost.
        park(me, .runnable)
        if let stream {
            if let other = stream.server, other !== me, !other.isFinished {
                fail(.doubleResume, "\(me.name) and \(other.name) both serve \(stream.name): a session resumed twice")
                halt(me)
            }
            if let set = stream.parkedIn {
                fail(.doubleResume, "\(me.name) waits on \(stream.name) while it is parked in \(set.role)")
                halt(me)
            }
            if stream.server !== me {
                stream.server = me
                me.served.append(stream)
            }
        }
        if let waker {
            if waker.closed {
                fail(.wakerMisuse, "\(me.name) waits on a waker it closed")
                halt(me)
            }
            waker.owner = me
        }
        let deadline = timeout.map { clock.now + max($0, .zero) }
        trace.record(
            .streamWait, stream.map { $0.nameHash } ?? 0, UInt64(events.rawValue),
            text: "waits for \(Wait.stream(events, stream, waker, deadline: deadline).describe(now: clock.now))")
        park(me, .stream(events, stream, waker, deadline: deadline))
        let ready = stream.map { $0.readiness(for: events) } ?? []
        let fired = waker?.pending ?? false
        let outcome = WaitOutcome(stream: ready, wakerFired: fired)
        if let waker {
            if outcome.timedOut, let missed = waker.missed {
                fail(
                    .lostWakeUp,
                    "\(missed.by) signalled \(me.name)'s waker at \(missed.at) while it was about to wait; the signal was lost and \(me.name) slept until its timeout at \(clock.now)"
                )
            }
            waker.missed = nil
        }
        trace.record(
            .streamWoke, UInt64(ready.rawValue), fired ? 1 : 0,
            text:
                "wakes: \(outcome.timedOut ? "timed out" : [ready.isEmpty ? nil : StreamEvents.describe(ready), fired ? "waker" : nil].compactMap { $0 }.joined(separator: ", "))"
        )
        return outcome
    }

    static func milliseconds(_ duration: Duration) -> Int64 { duration.nanoseconds / 1_000_000 }
}

/// The controlled thread a pthread is, set once at its start.
let controlledThreadKey: pthread_key_t = {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key")
    return key
}()
