import ChatCore
import Glibc
import Logging
import ParleyTLS
import Synchronization

/// The accept thread: takes connections and gives each its own thread. It checks a
/// stop flag between polls, so `stop()` takes effect within a fraction of a second.
final class AcceptLoop: @unchecked Sendable {
    private let listener: TCPListener
    private let stopping = Atomic<Bool>(false)
    private let stopped = Barrier()
    private let nextSession = Atomic<UInt64>(1)
    private let quota: Protected<AddressQuota>
    private let open = Atomic<Int>(0)
    private let maxConnections: Int

    init(listener: TCPListener, maxConnectionsPerAddress: Int, maxConnections: Int) {
        self.listener = listener
        self.quota = Protected(AddressQuota(limit: maxConnectionsPerAddress))
        self.maxConnections = maxConnections
    }

    /// A connection from this address has ended: its place is free again.
    func release(_ address: String) {
        quota.withLock { $0.release(address) }
        open.subtract(1, ordering: .relaxed)
    }

    /// Takes a place for a connection, under both the server's cap and the address's.
    private func admit(_ address: String) -> Bool {
        guard open.load(ordering: .relaxed) < maxConnections else { return false }
        guard quota.withLock({ $0.admit(address) }) else { return false }
        open.add(1, ordering: .relaxed)
        return true
    }

    func start(_ serve: @escaping @Sendable (AcceptedSocket, SessionID) -> Void, logger: Logger) -> Bool {
        spawnThread(name: "parley-accept") { [self] in
            var pollFD = pollfd(fd: listener.fileDescriptor, events: Int16(POLLIN), revents: 0)
            while !stopping.load(ordering: .relaxed) {
                guard poll(&pollFD, 1, 200) > 0 else { continue }
                do {
                    let socket = try listener.accept()
                    guard admit(socket.remoteHost) else {
                        logger.notice("connection refused: too many connections", metadata: ["peer": "\(socket.remoteHost)"])
                        Sockets.close(socket.fileDescriptor)
                        continue
                    }
                    let id = SessionID(nextSession.wrappingAdd(1, ordering: .relaxed).oldValue)
                    serve(socket, id)
                } catch {
                    // Out of descriptors or a connection reset before accept: wait, go on
                    // (long enough not to flood the log while descriptors are short).
                    logger.warning("accept failed", metadata: ["error": "\(error)"])
                    usleep(100_000)
                }
            }
            listener.close()
            stopped.signal()
        }
    }

    /// Stops accepting and closes the listening socket.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        let clock = ServerClock()
        _ = stopped.wait(until: clock.now() + .seconds(1), clock: clock)
    }
}
