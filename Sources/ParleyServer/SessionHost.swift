import CParleySystem
import ChatCore
import Glibc
import ParleyTLS

/// One connection: its Session actor, its TLS stream and its unsent output, behind one
/// lock. The actor runs on whichever thread has mail for it: the connection's own
/// thread for bytes and ticks, a room's thread for the lines that room delivers. Under
/// the lock it is still one actor handling one event at a time, in the order each
/// sender sent, which is exactly what the simulator explores; what the lock saves is a
/// thread hand-off per delivered line. A room's batch of lines for a member becomes one
/// TLS write made by the room's thread; the connection's thread is woken only for what
/// needs it (a full socket, a timer, a close).
///
/// A connection that stays quiet gives up its thread: the session waits in the
/// `ParkingLot` until its socket or a waker needs a thread again (see there).
final class SessionHost: @unchecked Sendable {
    /// Who serves the connection's socket and timers now.
    private enum Thread {
        /// A thread runs `serve()`; it waits in poll() on the socket and `wakeFD`.
        case running
        /// In the parking lot: no thread, the lot's epoll watches the socket.
        case parked
        /// Out of the lot; a thread is being started for it.
        case resuming
    }

    let id: SessionID
    private let router: Router
    private let clock: ServerClock
    private let closeGrace: Duration
    private let lot: ParkingLot
    private let lock = Lock()
    let socketDescriptor: Int32
    /// Runs once, when the connection is over (frees its place in the accept quota).
    let whenFinished: @Sendable () -> Void

    // Guarded by `lock`.
    private var session: Session
    private let tls: TLSConnection
    private var thread = Thread.running
    /// The running thread's eventfd (-1 when parked, or when none could be made).
    private var wakeFD: Int32 = -1
    private var output: [UInt8] = []
    private var outputSent = 0
    private var closeBy: Instant?
    private var socketOpen = true
    /// The peer can no longer take bytes (a reset, a failed write).
    private var peerGone = false
    /// The peer has finished sending (end of stream); it may still read what is pending.
    private var inputEnded = false
    private var retired = false
    /// Set when an event changed what the connection's thread waits for.
    private var planChanged = false
    /// A buffer for the session's effects, reused so a delivery allocates nothing.
    private var scratchEffects: [SessionEffect] = []

    init(id: SessionID, session: Session, tls: TLSConnection, router: Router, clock: ServerClock,
         closeGrace: Duration, lot: ParkingLot, whenFinished: @escaping @Sendable () -> Void) {
        self.id = id
        self.session = session
        self.tls = tls
        self.socketDescriptor = tls.fileDescriptor
        self.router = router
        self.clock = clock
        self.closeGrace = closeGrace
        self.lot = lot
        self.whenFinished = whenFinished
    }

    // MARK: - From any thread

    /// Mail for the session, in the order its sender sent it.
    func receive(_ messages: some Collection<SessionMessage>) {
        lock.withLock {
            let now = clock.now()
            var effects = scratchEffects
            for message in messages {
                effects.removeAll(keepingCapacity: true)
                let timer = session.pendingWake
                session.receive(message, now: now, into: &effects)
                carryOut(effects, timerWas: timer, now: now)
            }
            scratchEffects = effects
            scratchEffects.removeAll(keepingCapacity: true)
            flush()
            if needsConnectionThread { wakeConnectionThread() }
        }
    }

    /// The server is stopping: the session says goodbye and unwinds.
    func shutdown() {
        lock.withLock {
            let now = clock.now()
            handle(now: now) { $0.shutdown(now: now) }
            flush()
            wakeConnectionThread()
        }
    }

    // MARK: - The connection's own thread

    /// The connection is open: the session greets it. Once, before the first `serve()`.
    func open() {
        lock.withLock {
            let now = clock.now()
            handle(now: now) { $0.opened(now: now) }
        }
    }

    enum Outcome {
        /// The session waits in the parking lot; the thread may end.
        case parked
        /// The session has retired and the socket is closed.
        case finished
    }

    /// Serves the connection on the calling thread until the session retires, or until
    /// nothing has happened for `parkAfter` and the session parks.
    func serve(parkAfter: Duration) -> Outcome {
        let fd = lot.takeWakeDescriptor() // -1 when their share runs out: then polls wake every 50 ms
        lock.withLock {
            thread = .running
            wakeFD = fd
        }
        defer { lot.returnWakeDescriptor(fd) }
        let parkAfterMilliseconds = SessionHost.milliseconds(parkAfter)
        while true {
            let (events, plannedTimeout, done) = lock.withLock { pollPlan() }
            if done { break }
            let idle = events == Int16(POLLIN) && plannedTimeout < 0
            var timeout = idle ? parkAfterMilliseconds : plannedTimeout
            if fd < 0 { timeout = timeout < 0 ? 50 : min(timeout, 50) }
            // The socket only when there is something to wait for on it: a hung-up socket
            // polled for nothing would still report POLLHUP, at once, every time.
            var descriptors = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: events == 0 ? -1 : socketDescriptor, events: events, revents: 0),
            ]
            let ready = poll(&descriptors, 2, timeout)
            if idle, ready == 0, lock.withLock({ park() }) { return .parked }
            if descriptors[0].revents != 0 {
                var counter: UInt64 = 0
                _ = read(fd, &counter, 8)
            }
            lock.withLock { serviceSocket() }
        }
        lock.withLock {
            closeSocket()
            wakeFD = -1
        }
        return .finished
    }

    /// Under the lock: hands the session to the parking lot if it still has nothing to
    /// wait for but input (a waker may have changed that since the poll).
    private func park() -> Bool {
        let (events, timeout, done) = pollPlan()
        guard !done, events == Int16(POLLIN), timeout < 0 else { return false }
        thread = .parked
        guard lot.park(self) else {
            thread = .running
            return false
        }
        wakeFD = -1
        // A parked connection keeps no buffers: its lines are rare, a new one is cheap.
        output = []
        scratchEffects = []
        return true
    }

    /// The parking lot saw the socket stir: a thread is being started for the session.
    func leaveParking() {
        lock.withLock { thread = .resuming }
    }

    /// What to wait for: socket events, a timeout in ms, or nothing more (done).
    private func pollPlan() -> (Int16, Int32, Bool) {
        if retired, !socketOpen { return (0, 0, true) }
        if retired, closeBy == nil { closeBy = clock.now() }
        var events: Int32 = 0
        if socketOpen, !peerGone {
            if closeBy == nil, !inputEnded { events |= POLLIN }
            if outputSent < output.count { events |= POLLOUT }
        }
        var timeout: Int32 = -1
        if socketOpen, !peerGone, !inputEnded, closeBy == nil, tls.pending > 0 { timeout = 0 }
        let now = clock.now()
        for deadline in [session.pendingWake, socketOpen ? closeBy : nil].compactMap({ $0 }) {
            let wait = SessionHost.milliseconds(deadline - now)
            timeout = timeout < 0 ? wait : min(timeout, wait)
        }
        return (Int16(events), timeout, false)
    }

    private func serviceSocket() {
        let now = clock.now()
        readAvailable(now: now)
        if let wake = session.pendingWake, wake <= now {
            handle(now: now) { $0.tick(now: now) }
        }
        flush()
        if let closeBy, socketOpen, outputSent == output.count || peerGone || clock.now() >= closeBy {
            closeSocket()
        }
    }

    /// Reads what TLS has, a bounded amount per round so one peer cannot hold the lock
    /// long. The buffer is small and on the stack: every page a connection's stack
    /// touches stays resident for as long as the connection lives.
    private func readAvailable(now: Instant) {
        guard socketOpen, !peerGone, !inputEnded, closeBy == nil else { return }
        withUnsafeTemporaryAllocation(byteCount: 4 * 1024, alignment: 1) { buffer in
            for _ in 0..<16 {
                switch tls.read(into: buffer) {
                case .bytes(let count):
                    handle(now: now) { $0.bytesReceived(UnsafeRawBufferPointer(rebasing: buffer[..<count]), now: now) }
                    if closeBy != nil { return }
                case .wantRead, .wantWrite:
                    return
                case .closed:
                    // A client that half-closes after its last line still gets the
                    // answers already waiting: flush them, then close.
                    inputEnded = true
                    handle(now: now) { $0.connectionLost(now: now) }
                    return
                case .failed:
                    peerGone = true
                    handle(now: now) { $0.connectionLost(now: now) }
                    return
                }
            }
        }
    }

    // MARK: - Under the lock

    /// True when the connection's thread must look again: output waits for a full
    /// socket, or a timer, a close or the retirement is new. Waking it for every line
    /// would cost a thread switch per line, the very thing this design avoids.
    private var needsConnectionThread: Bool {
        defer { planChanged = false }
        return planChanged || (socketOpen && outputSent < output.count)
    }

    /// Runs one event of the session's own (not mail) and carries out what it asks.
    private func handle(now: Instant, _ event: (inout Session) -> [SessionEffect]) {
        let timer = session.pendingWake
        carryOut(event(&session), timerWas: timer, now: now)
    }

    /// Carries out the session's effects in order. The session's timer is not an effect:
    /// it is `pendingWake`, and a change to it is news for the connection's thread.
    private func carryOut(_ effects: [SessionEffect], timerWas timer: Instant?, now: Instant) {
        if session.pendingWake != timer { planChanged = true }
        for effect in effects {
            switch effect {
            case .send(let mail):
                // Routed under the lock: mail from this session keeps its order on every channel.
                router.send(mail.mail)
            case .write(let line):
                if socketOpen, !peerGone { line.render(into: &output) }
            case .closeConnection:
                if closeBy == nil { closeBy = now + closeGrace }
                planChanged = true
            case .retire:
                retired = true
                planChanged = true
                // Only after its last mail (the logout) is posted: shutdown counts live sessions.
                router.unregister(id)
            }
        }
    }

    /// Writes as much of the output as the socket takes now, as few records as it can.
    private func flush() {
        guard socketOpen, !peerGone, outputSent < output.count else { return }
        while outputSent < output.count {
            let result = output.withUnsafeBytes { tls.write(UnsafeRawBufferPointer(rebasing: $0[outputSent...])) }
            switch result {
            case .bytes(let count):
                outputSent += count
                session.outputSent(bytes: count)
            case .wantRead, .wantWrite:
                if outputSent > 64 * 1024 {
                    output.removeFirst(outputSent)
                    outputSent = 0
                }
                return
            case .closed, .failed:
                peerGone = true
                output.removeAll()
                outputSent = 0
                let now = clock.now()
                handle(now: now) { $0.connectionLost(now: now) }
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 1024) // an idle connection keeps no big buffer
        outputSent = 0
    }

    private func closeSocket() {
        guard socketOpen else { return }
        socketOpen = false
        if !peerGone { tls.shutdown() }
        Sockets.close(socketDescriptor)
        output = []
        outputSent = 0
    }

    /// Under the lock: a running thread looks at its plan again; a parked session gets
    /// a thread back.
    private func wakeConnectionThread() {
        switch thread {
        case .running:
            guard wakeFD >= 0 else { return }
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        case .parked:
            if lot.withdraw(self) { thread = .resuming }
        case .resuming:
            break
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let ns = duration.nanoseconds
        return Int32(clamping: max(0, ns / 1_000_000 + (ns % 1_000_000 > 0 ? 1 : 0)))
    }
}
