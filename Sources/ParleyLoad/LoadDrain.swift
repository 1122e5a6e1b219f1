import CParleySystem
import Foundation
import Glibc
import Synchronization

/// Reads and discards what the server sends to clients that are set up but not yet
/// measured. Without it, every client that has logged in piles up the "joined" events
/// of all who come after it: with thousands of clients that is gigabytes of loopback
/// buffers, and the server sees slow readers that a real client would not be.
/// A connection belongs to the drain from `add` until `stop()` returns.
final class LoadDrain: @unchecked Sendable {
    private let epoll = parley_epoll_create()
    private let connections = Protected<[LoadConnection]>([])
    private let stopping = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let dialect: WireDialect

    init(dialect: WireDialect) {
        self.dialect = dialect
        Thread.detachNewThread { [self] in
            run()
            stopped.signal()
        }
    }

    /// Hands a connection over; the caller must not touch it until `stop()` returns.
    func add(_ connection: LoadConnection) {
        let tag = connections.withLock { list in
            list.append(connection)
            return UInt64(list.count - 1)
        }
        _ = parley_epoll_add(epoll, connection.fileDescriptor, tag)
    }

    /// Ends the drain; every connection is the caller's again, with any partial line kept.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopped.wait()
        close(epoll)
    }

    private func run() {
        var ready = [UInt64](repeating: 0, count: 256)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { scratch.deallocate() }
        while !stopping.load(ordering: .acquiring) {
            let count = parley_epoll_wait(epoll, &ready, Int32(ready.count), 50)
            guard count > 0 else { continue }
            for tag in ready[0..<Int(count)] {
                let connection = connections.withLock { $0[Int(tag)] }
                var pongs: [[UInt8]] = []
                let open = connection.readLines(scratch: scratch) { line in
                    if let pong = dialect.pong(for: line) { pongs.append(pong) }
                }
                for pong in pongs { _ = connection.write(pong) }
                if !open { _ = parley_epoll_remove(epoll, connection.fileDescriptor) }
            }
        }
    }
}
