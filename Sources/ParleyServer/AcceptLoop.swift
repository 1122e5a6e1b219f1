import ChatCore
import Logging
import ParleyPlatform

/// The places and session ids every listener shares (Parley's port and the IRC ports):
/// the caps of `ConnectionAdmission` (the connection quota per address, handshakes and
/// strangers server-wide and per address) and the server's cap on connections, over
/// all of them, and one id counter.
final class Admissions<P: Platform>: @unchecked Sendable {
    private let lastSession: P.AtomicInt
    private let quotaLock: P.Lock
    private var admission: ConnectionAdmission  // guarded by `quotaLock`
    private let open: P.AtomicInt
    private let maxConnections: Int

    init(platform: P, caps: ConnectionAdmission.Caps, maxConnections: Int) {
        self.admission = ConnectionAdmission(caps: caps)
        self.maxConnections = maxConnections
        lastSession = platform.makeAtomic(0, role: "accept session ids")
        quotaLock = platform.makeLock(role: "accept quota")
        open = platform.makeAtomic(0, role: "accept open connections")
    }

    /// The connection has ended: every place it held is free again.
    func release(_ id: SessionID) {
        quotaLock.withLock { admission.closed(id.rawValue) }
        open.add(-1)
    }

    /// The connection's handshake is done: its handshake place is free.
    func handshakeCompleted(_ id: SessionID) {
        quotaLock.withLock { admission.handshakeCompleted(id.rawValue) }
    }

    /// The connection's session has logged in: its stranger's place is free.
    func loggedIn(_ id: SessionID) {
        quotaLock.withLock { admission.loggedIn(id.rawValue) }
    }

    /// Takes places for a connection, under the server's cap and the admission's; the
    /// reason when refused.
    func admit(_ id: SessionID, host: String) -> String? {
        guard open.load() < maxConnections else { return "too many connections" }
        if let refusal = quotaLock.withLock({ admission.admit(id.rawValue, host: host) }) { return refusal.rawValue }
        open.add(1)
        return nil
    }

    func nextSessionID() -> SessionID { SessionID(UInt64(lastSession.add(1))) }
}

/// An accept thread: takes connections and gives each its own thread, within the
/// shared `Admissions`. A refused connection is closed before its handshake, so it costs
/// no thread. It checks a stop flag between waits, so `stop()` takes effect within a
/// fraction of a second.
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

    /// `serve` gets each admitted connection: its stream, the peer's host and address,
    /// and the session's id.
    func start(_ serve: @escaping @Sendable (P.Stream, String, String, SessionID) -> Void, logger: Logger) -> Bool {
        platform.spawnThread(name: "parley-accept", stackSize: 256 * 1024) { [self] in
            while stopping.load() == 0 {
                switch listener.accept(timeout: .milliseconds(200)) {
                case .nothing:
                    continue
                case .connection(let stream, let remoteHost, let remoteAddress):
                    let id = admissions.nextSessionID()
                    if let refusal = admissions.admit(id, host: remoteHost) {
                        logger.notice("connection refused: \(refusal)", metadata: ["peer": "\(remoteHost)"])
                        stream.close()
                        continue
                    }
                    serve(stream, remoteHost, remoteAddress, id)
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
