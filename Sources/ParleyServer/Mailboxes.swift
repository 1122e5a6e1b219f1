import CParleySystem
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

    /// Waits for at least one item; returns them all. Empty only once closed and drained.
    func takeAll() -> [Item] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty, !closed { pthread_cond_wait(condition, mutex) }
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

    var count: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return items.count
    }
}

/// A connection thread's mailbox: it sleeps in poll() on its socket and on this
/// mailbox's eventfd at once. A post writes the eventfd only when the mailbox goes from
/// empty to not empty, so a burst of lines wakes the thread once, not once per line.
final class PollableMailbox<Item: Sendable>: @unchecked Sendable {
    let eventFD: Int32
    private let items = Mutex<[Item]>([])

    init?() {
        let fd = parley_eventfd()
        guard fd >= 0 else { return nil }
        eventFD = fd
    }

    deinit { Glibc.close(eventFD) }

    func post(_ item: Item) {
        let wasEmpty = items.withLock { queue in
            queue.append(item)
            return queue.count == 1
        }
        if wasEmpty { signal() }
    }

    /// Posts several items under one lock and with at most one wake-up.
    func post(contentsOf batch: some Collection<Item>) {
        guard !batch.isEmpty else { return }
        let wasEmpty = items.withLock { queue in
            let empty = queue.isEmpty
            queue.append(contentsOf: batch)
            return empty
        }
        if wasEmpty { signal() }
    }

    /// Everything posted so far. Reset the eventfd first so no post can be missed.
    func takeAll() -> [Item] {
        var counter: UInt64 = 0
        _ = read(eventFD, &counter, 8)
        return items.withLock { queue in
            guard !queue.isEmpty else { return [] }
            let batch = queue
            queue = []
            return batch
        }
    }

    private func signal() {
        var one: UInt64 = 1
        _ = write(eventFD, &one, 8)
    }
}
