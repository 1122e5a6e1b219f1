import ChatCore

/// Every invariant a shell run checks: the shell's own, then the clients'.
public enum ShellInvariant: String, CaseIterable, Codable, Sendable {
    // The shell's.
    case deadlock
    case lockOrder = "lock-order"
    case lockMisuse = "lock-misuse"
    /// A blocking wait (a sleep, a poll, a condition with another lock) holding a lock.
    case waitUnderLock = "wait-under-lock"
    case lostWakeUp = "lost-wake-up"
    /// An event waited for a thread that only a timeout brought (a lost wake-up's effect).
    case stall
    case doubleResume = "double-resume"
    case wakerMisuse = "waker-misuse"
    case mailboxDrains = "mailbox-drains"
    /// A session's timer (a login deadline) that no thread will wake for.
    case lostTimer = "lost-timer"
    case determinism
    // The clients'.
    case liveness
    case roomDelivery = "room-delivery"
    case roomOrder = "room-order"
    case whisperOutcome = "whisper-outcome"
    case storeBeforeDeliver = "store-before-deliver"
    case shutdown
}

public struct ShellViolation: Error, Equatable, Sendable, CustomStringConvertible {
    public var invariant: ShellInvariant
    public var detail: String
    public var time: Instant

    public var description: String { "\(invariant.rawValue): \(detail)" }
}
