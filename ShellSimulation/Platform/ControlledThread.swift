import ChatCore
import Dispatch
import ParleyPlatform

/// What a controlled thread waits for when it hands the baton back: the scheduler runs
/// it again only once this holds.
enum Wait {
    /// Started, not yet run.
    case start
    /// Only yielded: may run at once.
    case runnable
    /// The lock to be free (then it takes it).
    case lock(ControlledLock)
    /// A signal on the condition (then the lock, again).
    case signal(ControlledCondition, ControlledLock)
    /// The stream ready for these events, the waker's signal, or the deadline.
    case stream(StreamEvents, PipeStream?, ControlledWaker?, deadline: Instant?)
    /// A watched stream ready, an interrupt, or the deadline.
    case readySet(ControlledReadySet, deadline: Instant?)
    /// The clock to reach this instant.
    case time(Instant)
    /// A connection to accept, the listener closed, or the deadline.
    case accept(ControlledListener, deadline: Instant)
    /// Stopped by a violation: never runs again.
    case halted
    case finished

    /// The deadline after which the wait ends whatever else happens.
    var deadline: Instant? {
        switch self {
        case .stream(_, _, _, let deadline), .readySet(_, let deadline): return deadline
        case .time(let instant): return instant
        case .accept(_, let deadline): return deadline
        case .start, .runnable, .lock, .signal, .halted, .finished: return nil
        }
    }

    /// Whether a client's act (bytes, a hang-up, a connection) could end it.
    var waitsForOutside: Bool {
        switch self {
        case .stream(_, let stream, _, _): return stream != nil
        case .readySet, .accept: return true
        case .start, .runnable, .lock, .signal, .time, .halted, .finished: return false
        }
    }

    /// For reports: what the thread waits for, in words.
    func describe(now: Instant) -> String {
        func until(_ deadline: Instant?) -> String {
            deadline.map { ", at most \(max(0, ($0 - now).nanoseconds / 1_000_000)) ms more" } ?? ""
        }
        switch self {
        case .start: return "not started"
        case .runnable: return "runnable"
        case .lock(let lock): return "the lock \(lock.role)\(lock.holder.map { " (held by \($0.name))" } ?? "")"
        case .signal(let condition, _): return "a signal on \(condition.role)"
        case .stream(let events, let stream, let waker, let deadline):
            var parts: [String] = []
            if let stream, !events.isEmpty { parts.append("\(stream.name) \(StreamEvents.describe(events))") }
            if let waker { parts.append("its waker\(waker.pending ? " (pending)" : "")") }
            return (parts.isEmpty ? "nothing" : parts.joined(separator: " or ")) + until(deadline)
        case .readySet(let set, let deadline):
            return "the ready set \(set.role) (\(set.watchedNames))" + until(deadline)
        case .time(let instant): return "the clock" + until(instant)
        case .accept(_, let deadline): return "a connection" + until(deadline)
        case .halted: return "halted by a violation"
        case .finished: return "finished"
        }
    }
}

extension StreamEvents {
    static func describe(_ events: StreamEvents) -> String {
        var words: [String] = []
        if events.contains(.readable) { words.append("readable") }
        if events.contains(.writable) { words.append("writable") }
        if events.contains(.hangUp) { words.append("hung up") }
        return words.isEmpty ? "nothing" : words.joined(separator: "+")
    }
}

/// One thread the shell started: a real pthread that runs only while it holds the baton.
public final class ControlledThread: @unchecked Sendable {
    /// Its role ("room r1", "storage", "c3.1 connection"), unique among live threads.
    public let name: String
    /// The name the shell asked for.
    public let requestedName: String
    let nameHash: UInt64
    let semaphore = DispatchSemaphore(value: 0)
    var wait: Wait = .start
    /// Locks held, in the order taken.
    var held: [ControlledLock] = []
    /// Set at teardown: the thread leaves at its next hand-over, wherever it is.
    var abandoned = false
    /// Slices run so far (its "CPU time" in the simulation).
    var slices = 0
    /// The clock when the thread last read it (`Platform.now`): a timeout it passes to a
    /// wait is reckoned from then.
    var lastClockRead: Instant?
    /// The wait's deadline as the thread meant it: reckoned from its last clock read, so
    /// earlier than `wait.deadline` by the time the harness moved the clock while the
    /// thread was between reading it and waiting (a preemption, which makes any
    /// relative timeout late by as much).
    var meantDeadline: Instant?
    /// Streams this thread serves (it waited on them), for the double-resume check.
    var served: [PipeStream] = []

    init(name: String, requestedName: String) {
        self.name = name
        self.requestedName = requestedName
        self.nameHash = ShellTrace.hash(name)
    }

    var isFinished: Bool {
        if case .finished = wait { return true }
        return false
    }

    var isHalted: Bool {
        if case .halted = wait { return true }
        return false
    }
}
