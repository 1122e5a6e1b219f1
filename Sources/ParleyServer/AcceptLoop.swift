import ChatCore
import Logging
import ParleyPlatform

/// The places and session ids every listener shares (Parley's port and the IRC ports):
/// one per-address cap and one server cap over all of them, one id counter.
final class Admissions<P: Platform>: @unchecked Sendable {
    private let lastSession: P.AtomicInt
    private let quotaLock: P.Lock
    private var quota: AddressQuota  // guarded by `quotaLock`
    private let open: P.AtomicInt
    private let maxConnections: Int

    init(platform: P, maxConnectionsPerAddress: Int, maxConnections: Int) {
        self.quota = AddressQuota(limit: maxConnectionsPerAddress)
        self.maxConnections = maxConnections
        lastSession = platform.makeAtomic(0, role: "accept session ids")
        quotaLock = platform.makeLock(role: "accept quota")
        open = platform.makeAtomic(0, role: "accept open connections")
    }

    /// A connection from this address has ended: its place is free again.
    func release(_ address: String) {
        quotaLock.withLock { quota.release(address) }
        open.add(-1)
    }

    /// Takes a place for a connection, under both the server's cap and the address's.
    func admit(_ address: String) -> Bool {
        guard open.load() < maxConnections else { return false }
        guard quotaLock.withLock({ quota.admit(address) }) else { return false }
        open.add(1)
        return true
    }

    func nextSessionID() -> SessionID { SessionID(UInt64(lastSession.add(1))) }
}

/// An accept thread: takes connections and gives each its own thread. It checks a
/// stop flag between waits, so `stop()` takes effect within a fraction of a second.
final class AcceptLoop<P: Platform>: @unchecked Sendable {
    private let platform: P
    private let listener: P.Listener
    private let stopping: P.AtomicInt
    private let stopped: Barrier<P>
    let admissions: Admissions<P>

    init(platform: P, listener: P.Listener, admissions: Admissions<P>) {
        self.platform = platform
        self.listener = listener
        self.admissions = admissions
        stopping = platform.makeAtomic(0, role: "accept stopping")
        stopped = Barrier(platform: platform, role: "accept stopped")
    }

    /// A connection from this address has ended: its place is free again.
    func release(_ address: String) { admissions.release(address) }

    /// `serve` gets each admitted connection: its stream, the peer's host and address,
    /// and the session's id.
    func start(_ serve: @escaping @Sendable (P.Stream, String, String, SessionID) -> Void, logger: Logger) -> Bool {
        platform.spawnThread(name: "parley-accept", stackSize: 256 * 1024) { [self] in
            while stopping.load() == 0 {
                switch listener.accept(timeout: .milliseconds(200)) {
                case .nothing:
                    continue
                case .connection(let stream, let remoteHost, let remoteAddress):
                    guard admissions.admit(remoteHost) else {
                        logger.notice("connection refused: too many connections", metadata: ["peer": "\(remoteHost)"])
                        stream.close()
                        continue
                    }
                    serve(stream, remoteHost, remoteAddress, admissions.nextSessionID())
                case .failed(let error):
                    // Out of descriptors or a connection reset before accept: wait, go on
                    // (long enough not to flood the log while descriptors are short).
                    logger.warning("accept failed", metadata: ["error": "\(error)"])
                    platform.sleep(for: .milliseconds(100))
                }
            }
            listener.close()
            stopped.signal()
        }
    }

    /// Stops accepting and closes the listener.
    func stop() {
        stopping.store(1)
        _ = stopped.wait(until: platform.now() + .seconds(1))
    }
}
