import Synchronization

/// A plain mutex for state spread over several fields of one object. The mutex lives
/// inside this object: one allocation, which matters with a lock per connection.
final class Lock: @unchecked Sendable {
    private let mutex = Mutex(())

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock { _ in try body() }
    }
}
