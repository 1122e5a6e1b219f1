import ParleyPlatform
import Synchronization

/// Production's atomic integer: `Synchronization.Atomic<Int>` (ThreadSanitizer sees its
/// atomic instructions). Loads acquire, stores release, additions do both: on x86-64 the
/// same instructions as relaxed ones.
public final class OSAtomicInt: PlatformAtomicInt {
    private let value: Atomic<Int>

    init(_ value: Int) {
        self.value = Atomic(value)
    }

    @inline(__always)
    public func load() -> Int { value.load(ordering: .acquiring) }

    @inline(__always)
    public func store(_ newValue: Int) { value.store(newValue, ordering: .releasing) }

    @inline(__always) @discardableResult
    public func add(_ delta: Int) -> Int { value.wrappingAdd(delta, ordering: .acquiringAndReleasing).newValue }
}
