/// The shell's own races, counted in every run from the platform calls seen: which way a
/// store reply went, parks and resumes, the commit window, shutdown meeting a move.
public enum ShellHazard: String, CaseIterable, Codable, Sendable {
    /// The storage thread ran a store reply itself, under the recipient's lock.
    case inlineReply = "inline-store-reply"
    /// A store reply went through the recipient's mailbox instead.
    case mailboxReply = "reply-through-mailbox"
    /// A connection parked its session in the ready set.
    case park
    /// A parked session resumed because its socket stirred.
    case resumeBySocket = "resume-by-socket"
    /// A parked session was taken back out of the ready set by a waker (`withdraw`).
    case resumeByWaker = "resume-by-waker"
    /// The storage thread waited out a commit window.
    case commitWindow = "commit-window"
    /// Shutdown began while a client's move (join, create, leave) was unanswered.
    case shutdownDuringMove = "shutdown-during-move"
    /// An actor's fan-out fell to the inline level while one of its store replies still
    /// waited in its mailbox: the moment the storage thread's "no reply waiting" check is
    /// all that keeps the next reply from overtaking it.
    case replyWaitingAsReachFalls = "reply-waiting-as-reach-falls"
    /// A sender's connection thread found the room free and ran the room's mail itself.
    case senderRunsRoom = "sender-runs-room"
    /// A sender's connection thread found the room busy and woke the room's thread instead.
    case senderFindsRoomBusy = "sender-finds-room-busy"
    /// The server-wide output budget closed a slow reader.
    case outputBudgetClose = "output-budget-close"
    /// A budget close reached a session already closing (its own goodbye, a shutdown).
    case budgetCloseOfClosing = "budget-close-of-closing"
}

public struct HazardCounts: Sendable, Equatable {
    public private(set) var counts = [Int](repeating: 0, count: ShellHazard.allCases.count)

    public init() {}

    public subscript(_ hazard: ShellHazard) -> Int {
        counts[ShellHazard.allCases.firstIndex(of: hazard)!]
    }

    public mutating func count(_ hazard: ShellHazard, by n: Int = 1) {
        counts[ShellHazard.allCases.firstIndex(of: hazard)!] += n
    }

    public mutating func add(_ other: HazardCounts) {
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    /// "inline-store-reply 12, park 3, …", zeros left out.
    public var summary: String {
        let parts = ShellHazard.allCases.compactMap { self[$0] > 0 ? "\($0.rawValue) \(self[$0])" : nil }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
