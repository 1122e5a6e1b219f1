import ChatCore
import ParleyPlatform
import ParleySimulation
import Testing

@testable import ParleyShellSimulation

/// A mailbox over any platform, as the shell's is: a lock, a condition, a list.
final class TestMailbox<P: Platform>: @unchecked Sendable {
    let lock: P.Lock
    let condition: P.Condition
    var items: [Int] = []
    var closed = false

    init(_ platform: P, role: String) {
        lock = platform.makeLock(role: "\(role) mailbox")
        condition = platform.makeCondition(role: "\(role) mailbox")
    }

    func post(_ item: Int) {
        lock.withLock { items.append(item) }
        condition.signal()
    }

    func close() {
        lock.withLock { closed = true }
        condition.broadcast()
    }

    func takeAll() -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        while items.isEmpty, !closed { condition.wait(lock) }
        defer { items = [] }
        return items
    }
}

@Suite("The controlled platform: locks, conditions, wakers, pipes, the ready set, the clock") struct PlatformTests {
    private func picker(_ seed: UInt64, _ kind: SimulationOptions.SchedulerKind = .random) -> ThreadPicker {
        ThreadPicker(kind: kind, depth: 3, expectedSlices: 200, random: SeededRandom(seed: seed, stream: 9))
    }

    /// Two producers, one consumer: every item arrives once, in each producer's order, and
    /// the run is a function of the seed.
    private func mailboxRun(seed: UInt64, kind: SimulationOptions.SchedulerKind = .random) -> (UInt64, [Int]) {
        let platform = ControlledPlatform()
        let mailbox = TestMailbox(platform, role: "room r1")
        let received = Box<[Int]>([])
        let left = platform.makeAtomic(2, role: "producers left")
        _ = platform.spawnThread(name: "consumer", stackSize: 0) {
            while true {
                let batch = mailbox.takeAll()
                if batch.isEmpty { return }
                received.value += batch
            }
        }
        for producer in 0..<2 {
            _ = platform.spawnThread(name: "producer \(producer)", stackSize: 0) {
                for item in 0..<5 { mailbox.post(producer * 100 + item) }
                if left.add(-1) == 0 { mailbox.close() }
            }
        }
        var pick = picker(seed, kind)
        let outcome = platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 10_000)
        #expect(outcome == .idle, Comment(rawValue: platform.scheduler.violation?.description ?? ""))
        #expect(platform.scheduler.liveThreads.isEmpty, Comment(rawValue: platform.scheduler.waitsReport))
        platform.scheduler.teardown()
        return (platform.scheduler.trace.hash, received.value)
    }

    @Test("A mailbox delivers every item once, in each producer's order, the same way for a seed")

    func mailboxDeliversEverythingOnceInOrderAndIsDeterministic() {
        var hashes: Set<UInt64> = []
        for seed in 1...30 as ClosedRange<UInt64> {
            for kind in SimulationOptions.SchedulerKind.allCases {
                let (hash, items) = mailboxRun(seed: seed, kind: kind)
                #expect(items.sorted() == [0, 1, 2, 3, 4, 100, 101, 102, 103, 104])
                #expect(items.filter { $0 < 100 } == [0, 1, 2, 3, 4])
                #expect(mailboxRun(seed: seed, kind: kind).0 == hash, "seed \(seed) is not deterministic")
                hashes.insert(hash)
            }
        }
        #expect(hashes.count > 10, "seeds should give different interleavings")
    }

    @Test("Taking an actor's lock while holding a session's is a lock-order violation")

    func lockOutOfOrderIsAViolation() {
        let platform = ControlledPlatform()
        let session = platform.makeLock(role: "session c1.1")
        let room = platform.makeLock(role: "room r1")
        _ = platform.spawnThread(name: "c1.1 connection", stackSize: 0) {
            session.withLock { room.withLock {} }
        }
        var pick = picker(1)
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .violated)
        #expect(platform.scheduler.violation?.invariant == .lockOrder)
        #expect(
            platform.scheduler.violation!.detail.contains("room r1 while holding session c1.1"),
            Comment(rawValue: platform.scheduler.violation!.detail))
        platform.scheduler.teardown()
    }

    @Test("Nested session locks and locks taken under a leaf are violations; the documented order is not")

    func nestedSessionLocksAndLeavesAreViolations() {
        for (first, second) in [
            ("session c1.1", "session c2.1"), ("router sessions", "session c1.1"), ("room r1", "lobby"),
        ] {
            let platform = ControlledPlatform()
            let a = platform.makeLock(role: first), b = platform.makeLock(role: second)
            _ = platform.spawnThread(name: "t", stackSize: 0) { a.withLock { b.withLock {} } }
            var pick = picker(1)
            _ = platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100)
            #expect(platform.scheduler.violation?.invariant == .lockOrder, "\(first) then \(second)")
            platform.scheduler.teardown()
        }
        // The documented order is fine.
        let platform = ControlledPlatform()
        let room = platform.makeLock(role: "room r1"), session = platform.makeLock(role: "session c1.1")
        let mailbox = platform.makeLock(role: "lobby mailbox")
        _ = platform.spawnThread(name: "room r1", stackSize: 0) {
            room.withLock { session.withLock { mailbox.withLock {} } }
        }
        var pick = picker(1)
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
        platform.scheduler.teardown()
    }

    @Test("A lock cycle is reported as a deadlock with every thread's wait")

    func aLockCycleIsReportedWithEveryThreadsWait() {
        var found = 0
        for seed in 1...20 as ClosedRange<UInt64> {
            var options = PlatformOptions()
            options.lockOrder = LockOrder(enforced: false)
            let platform = ControlledPlatform(options: options)
            let x = platform.makeLock(role: "x"), y = platform.makeLock(role: "y")
            _ = platform.spawnThread(name: "a", stackSize: 0) { x.withLock { y.withLock {} } }
            _ = platform.spawnThread(name: "b", stackSize: 0) { y.withLock { x.withLock {} } }
            var pick = picker(seed)
            _ = platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100)
            if let violation = platform.scheduler.violation {
                #expect(violation.invariant == .deadlock)
                #expect(violation.detail.contains("lock cycle"), Comment(rawValue: violation.detail))
                found += 1
            }
            platform.scheduler.teardown()
        }
        #expect(found > 0, "some seed should interleave the two into a cycle")
        #expect(found < 20, "some seed should run them one after the other")
    }

    @Test("A waker signal sent before the wait is kept pending")

    func aWakerSignalBeforeTheWaitIsKept() {
        let platform = ControlledPlatform()
        let waker = platform.makeWaker()!
        let outcome = Box<WaitOutcome?>(nil)
        waker.signal()  // from the harness, before anyone waits
        _ = platform.spawnThread(name: "c1.1 connection", stackSize: 0) {
            outcome.value = platform.wait(for: [], on: nil, waker: waker, timeout: .seconds(2))
        }
        let before = platform.now()
        var pick = picker(1)
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
        #expect(outcome.value?.wakerFired == true)
        #expect(platform.now() - before < .milliseconds(1), "the wait must not sleep through a pending signal")
        platform.scheduler.teardown()
    }

    @Test("A planted waker that drops early signals is caught as a lost wake-up, and the real one never is")

    func aPlantedWakerThatDropsEarlySignalsIsCaught() {
        var caught = 0
        for seed in 1...20 as ClosedRange<UInt64> {
            var options = PlatformOptions()
            options.plant = .wakerDropsEarlySignal
            let platform = ControlledPlatform(options: options)
            let waker = platform.makeWaker()!
            let flag = platform.makeAtomic(0, role: "output waiting")
            _ = platform.spawnThread(name: "c1.1 connection", stackSize: 0) {
                // Looks at its plan, then waits: a signal in between is the one that matters.
                while flag.load() == 0 {
                    _ = platform.wait(for: [], on: nil, waker: waker, timeout: .seconds(2))
                }
            }
            _ = platform.spawnThread(name: "room r1", stackSize: 0) {
                flag.store(1)
                waker.signal()
            }
            var pick = picker(seed)
            _ = platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 1_000)
            if let violation = platform.scheduler.violation {
                #expect(violation.invariant == .lostWakeUp, Comment(rawValue: violation.description))
                caught += 1
            }
            platform.scheduler.teardown()
        }
        #expect(caught > 0, "some seed should signal between the load and the wait")
        // The same schedules on the real waker: never.
        for seed in 1...20 as ClosedRange<UInt64> {
            let platform = ControlledPlatform()
            let waker = platform.makeWaker()!
            let flag = platform.makeAtomic(0, role: "output waiting")
            let start = platform.now()
            _ = platform.spawnThread(name: "c1.1 connection", stackSize: 0) {
                while flag.load() == 0 { _ = platform.wait(for: [], on: nil, waker: waker, timeout: .seconds(2)) }
            }
            _ = platform.spawnThread(name: "room r1", stackSize: 0) {
                flag.store(1)
                waker.signal()
            }
            var pick = picker(seed)
            #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 1_000) == .idle)
            #expect(platform.now() - start < .milliseconds(1))
            platform.scheduler.teardown()
        }
    }

    @Test("Simulated time moves only when nothing can run")

    func timeMovesOnlyWhenNothingCanRun() {
        let platform = ControlledPlatform()
        let start = platform.now()
        let woke = Box<Instant?>(nil)
        _ = platform.spawnThread(name: "checkpoint", stackSize: 0) {
            platform.sleep(for: .seconds(5))
            woke.value = platform.now()
        }
        var pick = picker(1)
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
        #expect(woke.value.map { ($0 - start) >= .seconds(5) && ($0 - start) < .seconds(5) + .milliseconds(1) } == true)
        platform.scheduler.teardown()
    }

    @Test("Threads blocked at the end of a run are torn down")

    func blockedThreadsAreTornDown() {
        for _ in 0..<100 {
            let platform = ControlledPlatform()
            let mailbox = TestMailbox(platform, role: "gate")
            for index in 0..<3 {
                _ = platform.spawnThread(name: "worker \(index)", stackSize: 0) { _ = mailbox.takeAll() }
            }
            var pick = picker(1)
            #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
            #expect(platform.scheduler.liveThreads.count == 3)
            platform.scheduler.teardown()
        }
    }

    @Test("A full pipe says wantWrite and wakes its writer once the client reads")

    func aFullPipeSaysWantWriteAndWakesAWriterWhenRead() {
        let platform = ControlledPlatform()
        let stream = platform.makeStream(name: "c1.1", remoteHost: "10.0.0.1", capacity: 8)
        let results = Box<[StreamResult]>([])
        _ = platform.spawnThread(name: "c1.1 connection", stackSize: 0) {
            let bytes = Array("hello, world\n".utf8)
            var sent = 0
            while sent < bytes.count {
                let result = bytes[sent...].withUnsafeBytes { stream.write($0) }
                results.value.append(result)
                if case .bytes(let n) = result {
                    sent += n
                    continue
                }
                _ = platform.wait(for: .writable, on: stream, waker: nil, timeout: nil)
            }
        }
        var pick = picker(1)
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
        #expect(results.value == [.bytes(8), .wantWrite])
        #expect(String(decoding: stream.clientRead(), as: UTF8.self) == "hello, w")
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
        #expect(String(decoding: stream.clientRead(), as: UTF8.self) == "orld\n")
        #expect(platform.scheduler.liveThreads.isEmpty)
        platform.scheduler.teardown()
    }

    @Test("The ready set reports a stream once and keeps an interrupt pending")

    func theReadySetReportsAStreamOnceAndKeepsAnInterrupt() {
        let platform = ControlledPlatform()
        let set = platform.makeReadySet()!
        let stream = platform.makeStream(name: "c1.1", remoteHost: "10.0.0.1", capacity: 64)
        let seen = Box<[[UInt64]]>([])
        _ = platform.spawnThread(name: "parking", stackSize: 0) {
            #expect(set.add(stream, tag: 7))
            #expect(!(set.add(stream, tag: 7)))
            seen.value.append(set.wait(timeout: nil))
            seen.value.append(set.wait(timeout: nil))
        }
        var pick = picker(1)
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
        stream.clientSend(ArraySlice("hi\n".utf8))
        set.interrupt()  // from the harness: pending for the second wait
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
        #expect(seen.value == [[7]], "the stream and the interrupt come in one answer")
        set.interrupt()
        #expect(platform.scheduler.runUntilIdle(picker: &pick, maxSlices: 100) == .idle)
        #expect(seen.value == [[7], []])
        #expect(platform.scheduler.hazards[.park] == 1)
        #expect(platform.scheduler.hazards[.resumeBySocket] == 1)
        platform.scheduler.teardown()
    }
}

/// A value threads hand each other under the baton (one runs at a time).
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
