import ChatCore
import Glibc
import Logging
import ParleyTLS

/// One connection's thread: the TLS handshake (with a deadline), then a poll loop over
/// the socket and the session's mailbox. It feeds bytes, mail and ticks to the Session
/// actor and carries out what comes back. Lines the session writes are gathered in one
/// buffer and sent when the batch is done, so a burst of deliveries becomes a few TLS
/// records and one wake-up, not one of each per line.
final class ConnectionThread: @unchecked Sendable {
    private let id: SessionID
    private let socket: AcceptedSocket
    private let context: TLSContext
    private let router: Router
    private let clock: ServerClock
    private let configuration: ServerConfiguration
    private let logger: Logger
    private let onExit: @Sendable () -> Void

    // Thread-confined state, touched only by this connection's thread.
    private var session: Session!
    private var tls: TLSConnection!
    private var output: [UInt8] = []
    private var outputSent = 0
    private var wakeAt: Instant?
    private var closeBy: Instant?
    private var socketOpen = true
    private var peerGone = false
    private var retired = false

    init(id: SessionID, socket: AcceptedSocket, context: TLSContext, router: Router,
         clock: ServerClock, configuration: ServerConfiguration, logger: Logger,
         onExit: @escaping @Sendable () -> Void) {
        self.onExit = onExit
        self.id = id
        self.socket = socket
        self.context = context
        self.router = router
        self.clock = clock
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "session"] = "\(id)"
        self.logger = logger
    }

    func start() -> Bool {
        spawnThread(name: "parley-conn", stackSize: 128 * 1024) { [self] in run() }
    }

    private func run() {
        defer {
            closeSocket()
            onExit()
        }
        guard handshake(), let mailbox = PollableMailbox<ConnectionInbox>() else { return }
        router.register(id, mailbox)
        defer { router.unregister(id) }
        let now = clock.now()
        session = Session(id: id, address: socket.remoteHost, limits: configuration.limits, now: now)
        carryOut(session.opened(now: now), now: now)
        while !retired || (socketOpen && !output.isEmpty && clock.now() < (closeBy ?? .zero)) {
            waitForWork(mailbox)
            let now = clock.now()
            for item in mailbox.takeAll() {
                switch item {
                case .mail(let message): carryOut(session.receive(message, now: now), now: now)
                case .shutdown: carryOut(session.shutdown(now: now), now: now)
                }
            }
            readAvailable(now: now)
            if let wake = wakeAt, wake <= now {
                wakeAt = nil
                carryOut(session.tick(now: now), now: now)
            }
            flush()
            if let closeBy, socketOpen, output.isEmpty || peerGone || clock.now() >= closeBy { closeSocket() }
        }
    }

    // MARK: - TLS handshake

    private func handshake() -> Bool {
        do {
            try Sockets.setNoDelay(socket.fileDescriptor)
            try Sockets.setNonBlocking(socket.fileDescriptor)
            tls = try TLSConnection(context: context, fileDescriptor: socket.fileDescriptor, ownership: .borrowed)
        } catch {
            logger.warning("connection setup failed", metadata: ["error": "\(error)"])
            return false
        }
        let deadline = clock.now() + configuration.handshakeTimeout
        while true {
            let remaining = deadline - clock.now()
            guard remaining > .zero else {
                logger.info("TLS handshake timed out", metadata: ["peer": "\(socket.remoteAddress)"])
                return false
            }
            switch tls.handshake() {
            case .complete:
                return true
            case .wantRead:
                waitForSocket(events: POLLIN, timeout: remaining)
            case .wantWrite:
                waitForSocket(events: POLLOUT, timeout: remaining)
            case .failed:
                logger.info("TLS handshake failed", metadata: ["peer": "\(socket.remoteAddress)"])
                return false
            }
        }
    }

    private func waitForSocket(events: Int32, timeout: Duration) {
        var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(events), revents: 0)
        _ = poll(&descriptor, 1, ConnectionThread.milliseconds(timeout))
    }

    // MARK: - The loop

    private func waitForWork(_ mailbox: PollableMailbox<ConnectionInbox>) {
        var descriptors = [pollfd(fd: mailbox.eventFD, events: Int16(POLLIN), revents: 0)]
        if socketOpen {
            var events = Int32(0)
            if !peerGone, closeBy == nil { events |= POLLIN }
            if !output.isEmpty { events |= POLLOUT }
            descriptors.append(pollfd(fd: socket.fileDescriptor, events: Int16(events), revents: 0))
        }
        var timeout: Int32 = -1
        if socketOpen, !peerGone, closeBy == nil, tls.pending > 0 { timeout = 0 }
        let now = clock.now()
        for deadline in [wakeAt, closeBy].compactMap({ $0 }) {
            let wait = ConnectionThread.milliseconds(deadline - now)
            timeout = timeout < 0 ? wait : min(timeout, wait)
        }
        _ = poll(&descriptors, nfds_t(descriptors.count), timeout)
    }

    /// Reads what TLS has for us, a bounded amount per round so one chatty peer cannot
    /// starve its own mailbox.
    private func readAvailable(now: Instant) {
        guard socketOpen, !peerGone, closeBy == nil else { return }
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) { buffer in
            for _ in 0..<4 {
                switch tls.read(into: buffer) {
                case .bytes(let count):
                    carryOut(session.bytesReceived(UnsafeRawBufferPointer(rebasing: buffer[..<count]), now: now), now: now)
                    if closeBy != nil { return }
                case .wantRead, .wantWrite:
                    return
                case .closed, .failed:
                    peerGone = true
                    carryOut(session.connectionLost(now: now), now: now)
                    return
                }
            }
        }
    }

    private func flush() {
        guard socketOpen, !peerGone, outputSent < output.count else { return }
        while outputSent < output.count {
            let result = output.withUnsafeBytes { tls.write(UnsafeRawBufferPointer(rebasing: $0[outputSent...])) }
            switch result {
            case .bytes(let count):
                outputSent += count
                session.outputSent(bytes: count)
            case .wantRead, .wantWrite:
                return compactOutput()
            case .closed, .failed:
                peerGone = true
                carryOut(session.connectionLost(now: clock.now()), now: clock.now())
                output.removeAll()
                outputSent = 0
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 16 * 1024)
        outputSent = 0
    }

    private func compactOutput() {
        guard outputSent > 64 * 1024 else { return }
        output.removeFirst(outputSent)
        outputSent = 0
    }

    private func carryOut(_ effects: [Effect], now: Instant) {
        var mail = false
        for effect in effects {
            switch effect {
            case .send:
                mail = true
            case .write(_, let line):
                if socketOpen, !peerGone { output.append(contentsOf: line.rendered.utf8) }
            case .closeConnection:
                if closeBy == nil { closeBy = now + configuration.closeGrace }
            case .wake(_, let at):
                wakeAt = at
            case .retireSession:
                retired = true
            case .spawnRoom, .retireRoom:
                preconditionFailure("a session neither spawns nor retires rooms")
            }
        }
        if mail { router.deliver(effects) }
    }

    private func closeSocket() {
        guard socketOpen else { return }
        socketOpen = false
        if let tls, !peerGone { tls.shutdown() }
        tls = nil
        Sockets.close(socket.fileDescriptor)
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let ms = duration.nanoseconds / 1_000_000
        return Int32(clamping: max(0, ms + (duration.nanoseconds % 1_000_000 > 0 ? 1 : 0)))
    }
}
