import Glibc

/// A value that only its lock's holder may touch, on a heap-allocated `pthread_mutex_t`
/// rather than `Synchronization.Mutex`, which ThreadSanitizer cannot see (the same type
/// as ParleyServer's, in Lock.swift; the load generator shares no module with the server).
final class Protected<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
