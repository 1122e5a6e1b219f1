import ChatCore
import ParleyPlatform

/// The shell's side of the server-wide output budget: ChatCore's `OutputBudget` behind a
/// lock of its own (a leaf, taken under a session's lock), told each connection's change
/// of backlog. It answers the connections to close; the caller closes them once it has let
/// go of its own session's lock (sessions' locks never nest).
final class OutputBudgetKeeper<P: Platform>: @unchecked Sendable {
    private let lock: P.Lock
    private let platform: P
    // Guarded by `lock`.
    private var budget: OutputBudget
    private var outputs: [OutputBudget.Output] = []
    /// Closes the budget asked for, and those that found their session closing already
    /// (its own goodbye won the race): counts the simulation reads as its hazards.
    private let closes: P.AtomicInt
    private let closesOfClosing: P.AtomicInt

    init(limit: Int, platform: P) {
        self.platform = platform
        budget = OutputBudget(limit: limit)
        lock = platform.makeLock(role: "output budget")
        closes = platform.makeAtomic(0, role: "output budget closes")
        closesOfClosing = platform.makeAtomic(0, role: "output budget closes of closing sessions")
    }

    /// A victim's host found its session closing already.
    func noteCloseOfClosing() { closesOfClosing.add(1) }

    /// A connection's unsent bytes went from `old` to `new`; the sessions to close, if any.
    func backlogChanged(_ session: SessionID, from old: Int, to new: Int, into victims: inout [SessionID]) {
        let before = victims.count
        defer { if victims.count > before { closes.add(victims.count - before) } }
        lock.withLock {
            if new > old {
                budget.queued(new - old, for: session, now: platform.now(), into: &outputs)
            } else {
                budget.written(old - new, by: session)
            }
            for output in outputs {
                switch output {
                case .close(let victim): victims.append(victim)
                }
            }
            outputs.removeAll(keepingCapacity: true)
        }
    }

    /// The connection is closed: it no longer counts.
    func ended(_ session: SessionID) {
        lock.withLock { budget.ended(session) }
    }

    /// Unsent bytes counted now, all connections together.
    var total: Int { lock.withLock { budget.total } }
}
