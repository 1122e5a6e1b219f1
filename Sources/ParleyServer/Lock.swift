import Glibc

/// A plain mutex for state spread over several fields of one object. One allocation
/// holds the `pthread_mutex_t`, which matters with a lock per connection. A `Lock` is a
/// reference: copies share the one mutex.
///
/// Every lock of the shell is a `pthread_mutex_t` in every build, not `Synchronization.Mutex`:
/// ThreadSanitizer sees pthread mutexes but not Mutex's raw futex calls, and with one kind
/// of lock everywhere a TSan build checks exactly what ships (docs/ARCHITECTURE.md).
struct Lock: @unchecked Sendable {
    private let storage = LockStorage<Void>.make(())

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try storage.withLock(body)
    }
}

/// A value that only its lock's holder may touch: the shell's counterpart of
/// `Synchronization.Mutex`, built on a `pthread_mutex_t` (see `Lock`).
final class Protected<Value>: @unchecked Sendable {
    private let storage: LockStorage<Value>

    init(_ value: Value) {
        storage = .make(value)
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try storage.withLock(body)
    }
}

/// The guarded value (the header) and its `pthread_mutex_t` (the one element) in a single
/// heap allocation. The mutex never moves and is only reached through a pointer, never
/// as a Swift stored property passed by `&`.
final class LockStorage<Value>: ManagedBuffer<Value, pthread_mutex_t> {
    static func make(_ value: Value) -> LockStorage<Value> {
        let storage = unsafeDowncast(create(minimumCapacity: 1) { _ in value }, to: LockStorage<Value>.self)
        storage.withUnsafeMutablePointerToElements { mutex in
            let result = pthread_mutex_init(mutex, nil)
            precondition(result == 0, "pthread_mutex_init failed: \(result)")
        }
        return storage
    }

    deinit {
        // The header (the value) is destroyed by ManagedBuffer; the mutex is ours.
        withUnsafeMutablePointerToElements { mutex in _ = pthread_mutex_destroy(mutex) }
    }

    @inline(__always)
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try withUnsafeMutablePointers { value, mutex in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value.pointee)
        }
    }

    /// For `Lock`: never touches the header. With `Value == Void` the empty header has the
    /// mutex's address, and TSan takes an inout access to it for one to the mutex.
    @inline(__always)
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try withUnsafeMutablePointerToElements { mutex in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body()
        }
    }
}
