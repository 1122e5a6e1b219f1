import ParleyPlatform

/// A condition variable under the scheduler. A signal with nobody waiting is lost, as
/// with pthreads: the waiter must check its predicate under the lock (the mailboxes do).
public final class ControlledCondition: PlatformCondition, @unchecked Sendable {
    public typealias Lock = ControlledLock
    public let role: String
    let nameHash: UInt64
    private unowned let scheduler: ShellScheduler
    /// Threads waiting, first come first woken.
    var waiters: [ControlledThread] = []

    init(role: String, scheduler: ShellScheduler) {
        self.role = role
        self.nameHash = ShellTrace.hash(role)
        self.scheduler = scheduler
    }

    public func wait(_ lock: ControlledLock) { scheduler.wait(on: self, releasing: lock) }
    public func signal() { scheduler.signal(self, all: false) }
    public func broadcast() { scheduler.signal(self, all: true) }
}
