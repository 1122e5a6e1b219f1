import ChatCore

/// How the controlled platform behaves; everything here is fixed for a run.
public struct PlatformOptions: Sendable {
    /// Simulated time one slice of a thread costs.
    public var sliceCost: Duration = .microseconds(2)
    public var clockStart = Instant(nanoseconds: 1_000_000_000)
    public var epochAtStartMilliseconds: Int64 = 1_767_225_600_000  // 2026-01-01
    public var lockOrder = LockOrder()
    /// The name the shell gives its storage thread (commit windows and inline replies are
    /// counted from its calls).
    public var storageThreadName = "parley-store"
    /// Atomics whose role has this in it count store replies waiting in a mailbox.
    public var repliesWaitingRole = "replies waiting"
    /// Atomics whose role ends with this hold an actor's last fan-out
    /// (`ActorHost.lastReach`, made just before its replies-waiting count).
    public var reachRole = " reach"
    /// The shell's `inlineStoreReplyReach`, so the platform can tell when a fan-out falls
    /// to the inline level.
    public var inlineReach = 128
    public var minimumStackSize = 1 << 20
    /// Real seconds a thread may hold the baton before the run is declared stuck outside
    /// the platform.
    public var watchdogSeconds = 30
    /// A broken platform the tests plant (never set by `parley sim`).
    public var plant: Plant?
    /// What the timeline shows (the digest covers it all either way).
    public var recordLockEvents = true
    public var recordAtomicEvents = true
    public var recordStreamEvents = true

    public init() {}
}

/// A bug planted in the platform, so the tests can see the simulator catch it without
/// any broken code in ParleyServer.
public enum Plant: String, Sendable, Codable, CaseIterable {
    /// The storage thread's check "no reply waits in this actor's mailbox" always says
    /// none: its replies-waiting counters read as zero, so an inline reply may overtake
    /// one still in the mailbox.
    case inlineIgnoresWaitingReplies = "inline-ignores-waiting-replies"
    /// The ready set's interrupt is lost: a waker that withdraws a parked session never
    /// gets the parking lot to start its thread.
    case readySetDropsInterrupt = "ready-set-drops-interrupt"
    /// A waker signal sent while its thread is about to wait (not yet waiting) is lost,
    /// as with an edge-triggered wake-up that nobody latched.
    case wakerDropsEarlySignal = "waker-drops-early-signal"
    /// A condition wait that lets go of its lock before it joins the waiters (a hand-made
    /// condition variable's classic lost wake-up): a mailbox post signalled in between
    /// wakes nobody.
    case conditionWaitNotAtomic = "condition-wait-not-atomic"

    func loadsAsZero(_ role: String) -> Bool {
        self == .inlineIgnoresWaitingReplies && role.contains("replies waiting")
    }
}
