import CParleySystem
import Glibc
import ParleyPlatform

/// Production's waker: a non-blocking eventfd that a connection's thread polls beside its
/// socket. Each one holds a place in `OSPlatform`'s budget of wake descriptors until
/// `close()` gives it back.
public final class OSWaker: PlatformWaker {
    let fileDescriptor: Int32
    private let budget: OSAtomicInt

    init(fileDescriptor: Int32, budget: OSAtomicInt) {
        self.fileDescriptor = fileDescriptor
        self.budget = budget
    }

    @inline(__always)
    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fileDescriptor, &one, 8)
    }

    @inline(__always)
    public func clear() {
        var counter: UInt64 = 0
        _ = Glibc.read(fileDescriptor, &counter, 8)
    }

    public func close() {
        _ = Glibc.close(fileDescriptor)
        budget.add(1)
    }
}
