import ParleyPlatform

/// A lock under the scheduler: taking it is a scheduling point, and it knows its holder,
/// so the scheduler can check the order locks are taken in and report a cycle.
public final class ControlledLock: PlatformLock, @unchecked Sendable {
    /// What it guards ("session c2.1", "room r1", "router sessions").
    public let role: String
    public let kind: LockKind
    let nameHash: UInt64
    private unowned let scheduler: ShellScheduler
    // Touched only by the baton's holder.
    var holder: ControlledThread?
    /// Taken by the harness on its own thread (before any thread runs, or between slices).
    var controllerHeld = false

    init(role: String, scheduler: ShellScheduler) {
        self.role = role
        self.kind = scheduler.options.lockOrder.kind(of: role)
        self.nameHash = ShellTrace.hash(role)
        self.scheduler = scheduler
    }

    public func lock() { scheduler.acquire(self) }
    public func tryLock() -> Bool { scheduler.tryAcquire(self) }
    public func unlock() { scheduler.release(self) }
}

/// Where a lock sits in the documented order (docs/ARCHITECTURE.md): an actor's lock,
/// then sessions' locks; session locks never nested; mailbox and table locks are leaves.
public enum LockKind: String, Sendable, Codable {
    /// The Gate's, the Lobby's or a room's: taken first, never two at once.
    case actor
    /// A connection's: after an actor's at most, never two at once.
    case session
    /// A mailbox's, a table's, a counter's: nothing is taken while one is held.
    case leaf
}

/// The documented lock order, and how a role names its kind.
public struct LockOrder: Sendable {
    /// Which kind a role is; by default by its first word.
    public var classify: @Sendable (String) -> LockKind
    /// Off only in tests that want to see a cycle the order would have refused first.
    public var enforced: Bool

    public init(classify: @escaping @Sendable (String) -> LockKind = LockOrder.standardKind, enforced: Bool = true) {
        self.classify = classify
        self.enforced = enforced
    }

    func kind(of role: String) -> LockKind { classify(role) }

    /// Roles as the shell names them: "gate", "lobby", "room r1" are actors' locks;
    /// "session …" a connection's; anything else (mailboxes, tables) a leaf.
    public static let standardKind: @Sendable (String) -> LockKind = { role in
        let first = role.split(separator: " ", maxSplits: 1).first.map(String.init) ?? role
        switch first {
        case "gate", "lobby", "room", "actor": return role.contains("mailbox") ? .leaf : .actor
        case "session", "connection": return role.contains("mailbox") ? .leaf : .session
        default: return .leaf
        }
    }

    /// The held lock that forbids taking `lock`, if any.
    func check(taking lock: ControlledLock, holding held: [ControlledLock]) -> ControlledLock? {
        guard enforced else { return nil }
        for other in held {
            switch (other.kind, lock.kind) {
            case (.leaf, _): return other  // leaves are leaves
            case (.session, .actor), (.session, .session): return other  // sessions last, never nested
            case (.actor, .actor): return other  // actors mail each other, never lock each other
            case (.actor, .session), (.actor, .leaf), (.session, .leaf): continue
            }
        }
        return nil
    }
}
