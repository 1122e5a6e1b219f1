import ParleyPlatform

/// A mailbox an actor thread blocks on. Many threads post; one thread (or a worker
/// pool) takes. Taking everything at once lets an actor handle a whole batch per
/// wake-up, which is what keeps hand-offs cheap under load. Built on the platform's lock
/// and condition variable: the same code runs in production and in the shell simulation.
final class BlockingMailbox<Item: Sendable, P: Platform>: @unchecked Sendable {
    private let lock: P.Lock
    private let condition: P.Condition
    // Guarded by `lock`.
    private var items: [Item] = []
    private var closed = false
    private var takerWaiting = false

    /// `role` names the mailbox's owner ("gate", "store", ...).
    init(platform: P, role: String) {
        lock = platform.makeLock(role: "mailbox " + role)
        condition = platform.makeCondition(role: "mailbox " + role)
    }

    func post(_ item: Item) {
        lock.withLock { items.append(item) }
        condition.signal()
    }

    func post(contentsOf batch: [Item]) {
        lock.withLock { items.append(contentsOf: batch) }
        condition.signal()
    }

    /// Posts without waking the taker: the poster means to run the mail itself once it
    /// holds no lock (`ActorHost.runPostedMail`), and wakes the taker only if it cannot.
    func postQuietly(_ item: Item) {
        lock.withLock { items.append(item) }
    }

    /// Wakes the taker for what was posted quietly.
    func wakeTaker() { condition.signal() }

    /// Waits until something is posted; false once closed and drained. The caller takes
    /// the items itself (`takeAvailable`), under its actor's lock, and may find that
    /// another thread has taken them first.
    func waitForMail() -> Bool {
        lock.withLock {
            while items.isEmpty, !closed {
                takerWaiting = true
                condition.wait(lock)
            }
            takerWaiting = false
            return !items.isEmpty
        }
    }

    /// Waits for at least one item; returns them all (empty only once closed and drained),
    /// and whether they were already queued when the taker came for them (it did not have
    /// to wait): the storage thread's measure of falling behind.
    func takeAllNotingBacklog() -> (items: [Item], wasQueued: Bool) {
        lock.withLock {
            let wasQueued = !items.isEmpty
            while items.isEmpty, !closed {
                takerWaiting = true
                condition.wait(lock)
            }
            takerWaiting = false
            let batch = items
            items = []
            return (batch, wasQueued)
        }
    }

    /// Everything posted so far, without waiting (possibly nothing).
    func takeAvailable() -> [Item] {
        lock.withLock {
            let batch = items
            items = []
            return batch
        }
    }

    /// Waits for one item, for worker pools; nil once closed and drained.
    func takeOne() -> Item? {
        lock.withLock {
            while items.isEmpty, !closed { condition.wait(lock) }
            return items.isEmpty ? nil : items.removeFirst()
        }
    }

    /// Wakes every taker; what is already posted is still handed out.
    func close() {
        lock.withLock { closed = true }
        condition.broadcast()
    }

    var isEmpty: Bool {
        lock.withLock { items.isEmpty }
    }

    /// True when nothing is queued and the taker has finished its last batch: every
    /// message posted so far has been handled by the taker. (Senders that run an actor's
    /// mail themselves are counted by `ActorHost.isSettled`.)
    var isSettled: Bool {
        lock.withLock { items.isEmpty && takerWaiting }
    }
}
