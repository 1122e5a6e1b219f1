import Glibc
import ParleyPlatform

/// Production's condition variable: a `pthread_cond_t` in the tail of this object (one
/// allocation, as `OSLock`), used with an `OSLock` (the mailboxes' waits).
public final class OSCondition: PlatformCondition, @unchecked Sendable {
    private typealias Storage = ManagedBufferPointer<Void, pthread_cond_t>

    /// `ManagedBufferPointer`'s contract: no stored properties; deinit destroys the element.
    static func make() -> OSCondition {
        let storage = Storage(bufferClass: OSCondition.self, minimumCapacity: 1) { _, _ in () }
        storage.withUnsafeMutablePointerToElements { condition in
            let result = pthread_cond_init(condition, nil)
            precondition(result == 0, "pthread_cond_init failed: \(result)")
        }
        return unsafeDowncast(storage.buffer, to: OSCondition.self)
    }

    deinit {
        withCondition { condition in _ = pthread_cond_destroy(condition) }
    }

    @inline(__always)
    public func wait(_ lock: OSLock) {
        withCondition { condition in
            lock.withMutex { mutex in _ = pthread_cond_wait(condition, mutex) }
        }
    }

    @inline(__always)
    public func signal() {
        withCondition { condition in _ = pthread_cond_signal(condition) }
    }

    @inline(__always)
    public func broadcast() {
        withCondition { condition in _ = pthread_cond_broadcast(condition) }
    }

    @inline(__always)
    private func withCondition<T>(_ body: (UnsafeMutablePointer<pthread_cond_t>) -> T) -> T {
        Storage(unsafeBufferObject: self).withUnsafeMutablePointerToElements(body)
    }
}
