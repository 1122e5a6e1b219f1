import Glibc
import Synchronization

/// A mailbox an actor thread blocks on. Many threads post; one thread (or a worker
/// pool) takes. Taking everything at once lets an actor handle a whole batch per
/// wake-up, which is what keeps hand-offs cheap under load.
final class BlockingMailbox<Item: Sendable>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var items: [Item] = []
    private var closed = false
    private var takerWaiting = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func post(_ item: Item) {
        pthread_mutex_lock(mutex)
        items.append(item)
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(condition)
    }

    func post(contentsOf batch: [Item]) {
        pthread_mutex_lock(mutex)
        items.append(contentsOf: batch)
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(condition)
    }

    /// Waits for at least one item; returns them all. Empty only once closed and drained.
    func takeAll() -> [Item] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty, !closed {
            takerWaiting = true
            pthread_cond_wait(condition, mutex)
        }
        takerWaiting = false
        let batch = items
        items = []
        return batch
    }

    /// Everything posted so far, without waiting (possibly nothing).
    func takeAvailable() -> [Item] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let batch = items
        items = []
        return batch
    }

    /// Waits for one item, for worker pools; nil once closed and drained.
    func takeOne() -> Item? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty, !closed { pthread_cond_wait(condition, mutex) }
        return items.isEmpty ? nil : items.removeFirst()
    }

    /// Wakes every taker; what is already posted is still handed out.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(condition)
    }

    var isEmpty: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return items.isEmpty
    }

    /// True when nothing is queued and the taker has finished its last batch: every
    /// message posted so far has been handled. (For a single taker using `takeAll`.)
    var isSettled: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return items.isEmpty && takerWaiting
    }
}
