import Glibc
import ParleyPlatform

/// Production's lock: a `pthread_mutex_t` allocated in the tail of this object, so a lock
/// is one heap allocation (a lock per connection: 10,000 idle connections at about 16 KB
/// each is a measured target). ThreadSanitizer sees pthread mutexes, not
/// `Synchronization.Mutex`'s raw futex calls, so a TSan build checks the very locks that
/// ship. The mutex never moves and is only reached through a pointer, never as a stored
/// property passed by `&`. (Not a `ManagedBuffer` subclass: that cannot be `Sendable`.)
public final class OSLock: PlatformLock, @unchecked Sendable {
    private typealias Storage = ManagedBufferPointer<Void, pthread_mutex_t>

    /// `ManagedBufferPointer`'s contract: no stored properties; deinit destroys the element.
    static func make() -> OSLock {
        let storage = Storage(bufferClass: OSLock.self, minimumCapacity: 1) { _, _ in () }
        storage.withUnsafeMutablePointerToElements { mutex in
            let result = pthread_mutex_init(mutex, nil)
            precondition(result == 0, "pthread_mutex_init failed: \(result)")
        }
        return unsafeDowncast(storage.buffer, to: OSLock.self)
    }

    deinit {
        withMutex { mutex in _ = pthread_mutex_destroy(mutex) }
    }

    @inline(__always)
    public func lock() {
        withMutex { mutex in _ = pthread_mutex_lock(mutex) }
    }

    @inline(__always)
    public func tryLock() -> Bool {
        withMutex { mutex in pthread_mutex_trylock(mutex) == 0 }
    }

    @inline(__always)
    public func unlock() {
        withMutex { mutex in _ = pthread_mutex_unlock(mutex) }
    }

    /// The mutex (`OSCondition.wait` takes it).
    @inline(__always)
    func withMutex<T>(_ body: (UnsafeMutablePointer<pthread_mutex_t>) -> T) -> T {
        Storage(unsafeBufferObject: self).withUnsafeMutablePointerToElements(body)
    }
}
