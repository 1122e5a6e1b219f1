import CParleySystem
import Glibc
import ParleyPlatform

/// Production's readiness set for the parking lot: an epoll instance watching each
/// parked socket once (one-shot) for input, an end of stream or an error, and an eventfd
/// that interrupts the waiting thread. Its descriptors close with the object, so a late
/// `interrupt` never writes to a number the process has reused.
public final class OSReadySet: PlatformReadySet, @unchecked Sendable {  // `tags` is the waiting thread's alone
    private let epoll: Int32
    private let interruptFD: Int32
    private static let interruptTag = UInt64.max
    private static let capacity = 256
    private let tags = UnsafeMutablePointer<UInt64>.allocate(capacity: OSReadySet.capacity)

    init?() {
        epoll = parley_epoll_create()
        interruptFD = parley_eventfd()
        guard epoll >= 0, interruptFD >= 0, parley_epoll_add(epoll, interruptFD, OSReadySet.interruptTag) == 0 else {
            if epoll >= 0 { Glibc.close(epoll) }
            if interruptFD >= 0 { Glibc.close(interruptFD) }
            tags.deallocate()
            return nil
        }
    }

    deinit {
        Glibc.close(epoll)
        Glibc.close(interruptFD)
        tags.deallocate()
    }

    public func add(_ stream: TLSStream, tag: UInt64) -> Bool {
        parley_epoll_add_oneshot(epoll, stream.fileDescriptor, tag) == 0
    }

    public func remove(_ stream: TLSStream) {
        _ = parley_epoll_remove(epoll, stream.fileDescriptor)
    }

    public func interrupt() {
        var one: UInt64 = 1
        _ = Glibc.write(interruptFD, &one, 8)
    }

    public func wait(timeout: Duration?) -> [UInt64] {
        let count = parley_epoll_wait(epoll, tags, Int32(OSReadySet.capacity), OSPlatform.milliseconds(timeout))
        var ready: [UInt64] = []
        for index in 0..<max(0, Int(count)) {
            let tag = tags[index]
            if tag == OSReadySet.interruptTag {
                var counter: UInt64 = 0
                _ = Glibc.read(interruptFD, &counter, 8)
            } else {
                ready.append(tag)
            }
        }
        return ready
    }
}
