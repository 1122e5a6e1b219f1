import ParleyPlatform

/// An integer read without a lock: every access is a scheduling point, so the scheduler
/// can put any other thread between a load and the store that depends on it.
public final class ControlledAtomic: PlatformAtomicInt, @unchecked Sendable {
    public let role: String
    let nameHash: UInt64
    private unowned let scheduler: ShellScheduler
    var value: Int
    /// A planted bug may make loads lie (tests only; see `PlatformOptions.plant`).
    let loadsAsZero: Bool
    /// For an actor's fan-out: the count of its store replies waiting in its mailbox.
    weak var repliesWaiting: ControlledAtomic?

    init(_ value: Int, role: String, scheduler: ShellScheduler) {
        self.value = value
        self.role = role
        self.nameHash = ShellTrace.hash(role)
        self.scheduler = scheduler
        self.loadsAsZero = scheduler.options.plant.map { $0.loadsAsZero(role) } ?? false
        // An actor host makes its fan-out, then its replies-waiting count: pair them.
        if role.hasSuffix(scheduler.options.reachRole) {
            scheduler.lastReachMade = self
        } else if role.contains(scheduler.options.repliesWaitingRole), let reach = scheduler.lastReachMade {
            reach.repliesWaiting = self
            scheduler.lastReachMade = nil
        }
    }

    public func load() -> Int {
        scheduler.yield()
        let seen = loadsAsZero ? 0 : value
        scheduler.atomicAccess(self, "reads", seen)
        return seen
    }

    public func store(_ newValue: Int) {
        scheduler.yield()
        if let waiting = repliesWaiting?.value, waiting > 0, value > scheduler.options.inlineReach,
            newValue <= scheduler.options.inlineReach
        {
            scheduler.hazards.count(.replyWaitingAsReachFalls)
        }
        value = newValue
        scheduler.atomicAccess(self, "stores", newValue)
    }

    @discardableResult public func add(_ delta: Int) -> Int {
        scheduler.yield()
        value += delta
        if delta > 0, role.contains(scheduler.options.repliesWaitingRole),
            scheduler.current?.requestedName == scheduler.options.storageThreadName
        {
            scheduler.hazards.count(.mailboxReply)
        }
        if delta > 0, role == "output budget closes" { scheduler.hazards.count(.outputBudgetClose, by: delta) }
        if delta > 0, role == "output budget closes of closing sessions" {
            scheduler.hazards.count(.budgetCloseOfClosing, by: delta)
        }
        scheduler.atomicAccess(self, delta < 0 ? "subtracts \(-delta), now" : "adds \(delta), now", value)
        return value
    }
}

extension ShellScheduler {
    func atomicAccess(_ atomic: ControlledAtomic, _ what: @autoclosure () -> String, _ value: Int) {
        trace.record(
            .atomic, atomic.nameHash, UInt64(bitPattern: Int64(value)),
            text: options.recordAtomicEvents ? "\(atomic.role): \(what()) \(value)" : nil)
    }
}
