import ChatCore
import ParleyPlatform

/// One connection: its session actor (Parley's `Session` or an `IRCSession`), its byte stream and its unsent output, behind one
/// lock. The actor runs on whichever thread has mail for it: the connection's own
/// thread for bytes and ticks, a room's thread for the lines that room delivers. Under
/// the lock it is still one actor handling one event at a time, in the order each
/// sender sent, which is exactly what the simulator explores; what the lock saves is a
/// thread hand-off per delivered line. A room's batch of lines for a member becomes one
/// TLS write made by the room's thread; the connection's thread is woken only for what
/// needs it (a full socket, a timer, a close).
///
/// A connection that stays quiet gives up its thread: the session waits in the
/// `ParkingLot` until its stream or a waker needs a thread again (see there).
final class SessionHost<P: Platform>: @unchecked Sendable {
    /// Who serves the connection's stream and timers now.
    private enum Thread {
        /// A thread runs `serve()`; it waits on the stream and its `waker`.
        case running
        /// In the parking lot: no thread, the lot's ready set watches the stream.
        case parked
        /// Out of the lot; a thread is being started for it.
        case resuming
    }

    let id: SessionID
    private let platform: P
    private let router: Router<P>
    private let closeGrace: Duration
    private let lot: ParkingLot<P>
    /// The server-wide output budget, if there is one.
    private let budget: OutputBudgetKeeper<P>?
    private let lock: P.Lock
    /// The connection's byte stream; only its identity is used outside the lock (the lot).
    let stream: P.Stream
    /// Runs once, when the connection is over (frees its place in the accept quota).
    let whenFinished: @Sendable () -> Void
    /// Runs once, under the lock, when the session first holds an account (frees its
    /// stranger's place); nil once it has run.
    private var whenLoggedIn: (@Sendable () -> Void)?

    // Guarded by `lock`.
    private var session: any ConnectionSession
    private var thread = Thread.running
    /// The running thread's waker (nil when parked, or when none could be had).
    private var waker: P.Waker?
    private var output = Outbox()
    /// The backlog the budget last heard of.
    private var backlogReported = 0
    /// Sessions the budget said to close, closed once this session's lock is let go.
    private var budgetVictims: [SessionID] = []
    private var closeBy: Instant?
    private var streamOpen = true
    /// The peer can no longer take bytes (a reset, a failed write).
    private var peerGone = false
    /// The peer has finished sending (end of stream); it may still read what is pending.
    private var inputEnded = false
    /// Closing, and everything said: the stream's output is shut (close_notify, then a
    /// FIN), and what the peer still sends is read and dropped until it closes or the
    /// close grace runs out. Closing a socket with unread input would reset it, and a
    /// reset can destroy the goodbye before the peer reads it (a flooder's `BYE flood`).
    private var outputShut = false
    private var retired = false
    /// Set when an event changed what the connection's thread waits for.
    private var planChanged = false
    /// A buffer for the session's effects, reused so a delivery allocates nothing.
    private var scratchEffects: [SessionEffect] = []
    /// The rooms (global's: the Lobby) this connection's own thread posted to while
    /// serving its stream, to run once it has let go of the lock
    /// (`ActorHost.runPostedMail`); nil on any other thread, whose mail goes through the
    /// actors' mailboxes.
    private var postedToRun: PostedMail?

    private struct PostedMail {
        var rooms: [ActorHost<Room, P>] = []
        var lobby = false
    }

    init(
        id: SessionID, session: any ConnectionSession, stream: P.Stream, platform: P, router: Router<P>,
        closeGrace: Duration, lot: ParkingLot<P>, budget: OutputBudgetKeeper<P>? = nil,
        whenLoggedIn: (@Sendable () -> Void)? = nil, whenFinished: @escaping @Sendable () -> Void
    ) {
        self.budget = budget
        self.id = id
        self.session = session
        self.stream = stream
        self.platform = platform
        self.lock = platform.makeLock(role: "session")
        self.router = router
        self.closeGrace = closeGrace
        self.lot = lot
        self.whenFinished = whenFinished
        self.whenLoggedIn = whenLoggedIn
    }

    // MARK: - From any thread

    /// Mail for the session, in the order its sender sent it.
    func receive(_ messages: some Collection<SessionMessage>) {
        let victims = lock.withLock {
            let now = platform.now()
            // Taken out of the host while in use, so the buffer is uniquely referenced and
            // `removeAll(keepingCapacity:)` reuses it instead of copying it.
            var effects: [SessionEffect] = []
            swap(&effects, &scratchEffects)
            for message in messages {
                effects.removeAll(keepingCapacity: true)
                let timer = session.pendingWake
                session.receive(message, now: now, into: &effects)
                carryOut(effects, timerWas: timer, now: now)
            }
            effects.removeAll(keepingCapacity: true)
            swap(&effects, &scratchEffects)
            flush()
            if needsConnectionThread { wakeConnectionThread() }
            return takeBudgetVictims()
        }
        closeForBudget(victims)
    }

    /// When the session wants to be woken (its login deadline, a held line's turn); nil: never.
    var pendingWake: Instant? { lock.withLock { session.pendingWake } }

    /// The server is stopping: the session says goodbye and unwinds.
    func shutdown() {
        let victims = lock.withLock {
            let now = platform.now()
            handle(now: now) { $0.shutdown(now: now) }
            flush()
            wakeConnectionThread()
            return takeBudgetVictims()
        }
        closeForBudget(victims)
    }

    /// The server-wide output budget is spent and this connection is among the slowest
    /// readers: its backlog but what a TLS write may be part-way through is dropped, and
    /// it is told `BYE slow-reader` and closed.
    func closeAsSlowestReader() {
        lock.withLock {
            guard streamOpen, !peerGone else { return }
            // One closing already (its own goodbye, a shutdown) keeps its last lines.
            guard !session.isClosing else { return budget?.noteCloseOfClosing() ?? () }
            let dropped = output.dropAllButFront()
            session.outputSent(bytes: dropped)
            let now = platform.now()
            handle(now: now) { $0.outputBudgetSpent(now: now) }
            flush()
            wakeConnectionThread()
        }
    }

    /// Under the lock: what the budget asked to close, to close once the lock is let go.
    private func takeBudgetVictims() -> [SessionID] {
        guard !budgetVictims.isEmpty else { return [] }
        defer { budgetVictims = [] }
        return budgetVictims
    }

    /// Not under this session's lock: each victim's own lock is taken in turn.
    private func closeForBudget(_ victims: [SessionID]) {
        for victim in victims { router.session(victim)?.closeAsSlowestReader() }
    }

    // MARK: - The connection's own thread

    /// The connection is open: the session greets it. Once, before the first `serve()`.
    func open() {
        lock.withLock {
            let now = platform.now()
            handle(now: now) { $0.opened(now: now) }
        }
    }

    enum Outcome {
        /// The session waits in the parking lot; the thread may end.
        case parked
        /// The session has retired and the stream is closed.
        case finished
    }

    /// Serves the connection on the calling thread until the session retires, or until
    /// nothing has happened for `parkAfter` and the session parks.
    func serve(parkAfter: Duration) -> Outcome {
        let waker = platform.makeWaker()  // nil when their share runs out: then waits wake every 50 ms
        lock.withLock {
            thread = .running
            self.waker = waker
        }
        defer { waker?.close() }
        while true {
            let (events, plannedTimeout, done) = lock.withLock { waitPlan() }
            if done { break }
            // Idle: nothing but input to wait for, and no timer before `parkAfter` (a
            // stranger's login deadline is far off; the lot keeps it while parked).
            let idle = events == .readable && (plannedTimeout.map { $0 > parkAfter } ?? true)
            var timeout = idle ? parkAfter : plannedTimeout
            if waker == nil { timeout = min(timeout ?? .milliseconds(50), .milliseconds(50)) }
            // The stream only when there is something to wait for on it (see `Platform.wait`).
            let outcome = platform.wait(for: events, on: events.isEmpty ? nil : stream, waker: waker, timeout: timeout)
            if idle, outcome.timedOut, lock.withLock({ park() }) { return .parked }
            if outcome.wakerFired { waker?.clear() }
            let (victims, posted) = lock.withLock {
                postedToRun = PostedMail()
                serviceStream()
                defer { postedToRun = nil }
                return (takeBudgetVictims(), postedToRun!)
            }
            closeForBudget(victims)
            // The room's step on this thread, now that it holds no lock (an actor's lock
            // is taken before a session's, never after): no hand-off to the room's thread.
            if posted.lobby { router.lobby.runPostedMail() }
            for room in posted.rooms { room.runPostedMail() }
        }
        lock.withLock {
            closeStream()
            self.waker = nil
        }
        return .finished
    }

    /// Under the lock: hands the session to the parking lot if it still has nothing to
    /// wait for but input and its timer, if any (a waker may have changed that since the
    /// wait). The lot resumes it when its timer comes (the login deadline of a stranger).
    private func park() -> Bool {
        let (events, timeout, done) = waitPlan()
        guard !done, events == .readable else { return false }
        let deadline = session.pendingWake
        // A timeout with no timer behind it is input already decrypted: not idle.
        guard timeout == nil || (deadline != nil && timeout! > .zero && stream.pending == 0) else { return false }
        thread = .parked
        guard lot.park(self, until: deadline) else {
            thread = .running
            return false
        }
        waker = nil
        // A parked connection keeps no buffers: its lines are rare, a new one is cheap.
        output.removeAll()
        scratchEffects = []
        return true
    }

    /// The parking lot saw the stream stir: a thread is being started for the session.
    func leaveParking() {
        lock.withLock { thread = .resuming }
    }

    /// What to wait for: stream events, a timeout (nil: none), or nothing more (done).
    private func waitPlan() -> (StreamEvents, Duration?, Bool) {
        if retired, !streamOpen { return ([], .zero, true) }
        if retired, closeBy == nil { closeBy = platform.now() }
        var events: StreamEvents = []
        if streamOpen, !peerGone {
            if closeBy == nil || outputShut, !inputEnded { events.insert(.readable) }
            if !output.isEmpty { events.insert(.writable) }
        }
        var timeout: Duration?
        if streamOpen, !peerGone, !inputEnded, closeBy == nil, stream.pending > 0 { timeout = .zero }
        let now = platform.now()
        if let wake = session.pendingWake { timeout = SessionHost.sooner(timeout, wake - now) }
        if streamOpen, let closeBy { timeout = SessionHost.sooner(timeout, closeBy - now) }
        return (events, timeout, false)
    }

    private static func sooner(_ timeout: Duration?, _ wait: Duration) -> Duration {
        let wait = max(.zero, wait)
        guard let timeout else { return wait }
        return min(timeout, wait)
    }

    private func serviceStream() {
        let now = platform.now()
        readAvailable(now: now)
        if let wake = session.pendingWake, wake <= now {
            handle(now: now) { $0.tick(now: now) }
        }
        flush()
        guard let closeBy, streamOpen else { return }
        let flushed = output.isEmpty
        if flushed, !peerGone, !outputShut {
            stream.shutdown()
            outputShut = true
            drainInput()
        }
        if peerGone || (flushed && inputEnded) || platform.now() >= closeBy { closeStream() }
    }

    /// Once the output is shut: reads and drops what the peer still sends (bounded per
    /// round, like any read), noting when it closes.
    private func drainInput() {
        guard streamOpen, outputShut, !peerGone, !inputEnded else { return }
        withUnsafeTemporaryAllocation(byteCount: 4 * 1024, alignment: 1) { buffer in
            for _ in 0..<16 {
                switch stream.read(into: buffer) {
                case .bytes: continue
                case .wantRead, .wantWrite: return
                case .closed: inputEnded = true
                case .failed: peerGone = true
                }
                return
            }
        }
    }

    /// Reads what the stream has, a bounded amount per round so one peer cannot hold the
    /// lock long. The buffer is small and on the stack: every page a connection's stack
    /// touches stays resident for as long as the connection lives.
    private func readAvailable(now: Instant) {
        if outputShut { return drainInput() }
        guard streamOpen, !peerGone, !inputEnded, closeBy == nil else { return }
        withUnsafeTemporaryAllocation(byteCount: 4 * 1024, alignment: 1) { buffer in
            defer { SecretBytes.zero(buffer) }  // a line read here may have held a password
            for _ in 0..<16 {
                switch stream.read(into: buffer) {
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
    /// stream, or a timer, a close or the retirement is new. Waking it for every line
    /// would cost a thread switch per line, the very thing this design avoids.
    private var needsConnectionThread: Bool {
        defer { planChanged = false }
        return planChanged || (streamOpen && !output.isEmpty)
    }

    /// Runs one event of the session's own (not mail) and carries out what it asks.
    private func handle(now: Instant, _ event: (inout any ConnectionSession) -> [SessionEffect]) {
        let timer = session.pendingWake
        carryOut(event(&session), timerWas: timer, now: now)
    }

    /// Carries out the session's effects in order. The session's timer is not an effect:
    /// it is `pendingWake`, and a change to it is news for the connection's thread.
    private func carryOut(_ effects: [SessionEffect], timerWas timer: Instant?, now: Instant) {
        if session.pendingWake != timer { planChanged = true }
        if let loggedIn = whenLoggedIn, session.account != nil {
            whenLoggedIn = nil
            loggedIn()
        }
        for effect in effects {
            switch effect {
            case .send(.room(let id, let message)) where postedToRun != nil:
                // Posted under the lock, so it keeps its order; run once the lock is let go.
                guard let room = router.roomForMail(id) else { continue }
                if !postedToRun!.rooms.contains(where: { $0 === room }) {
                    room.beginSenderRun()
                    postedToRun!.rooms.append(room)
                }
                room.postForSender(message)
            case .send(.lobby(let message)) where postedToRun != nil:
                if !postedToRun!.lobby {
                    router.lobby.beginSenderRun()
                    postedToRun!.lobby = true
                }
                router.lobby.postForSender(message)
            case .send(let mail):
                // Routed under the lock: mail from this session keeps its order on every channel.
                router.send(mail.mail)
            case .write(let line):
                if streamOpen, !peerGone { output.append(size: line.wireSize) { line.render(into: &$0) } }
            case .writeIRC(let message):
                if streamOpen, !peerGone { output.append(size: message.wireSize) { message.render(into: &$0) } }
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

    /// Writes as much of the output as the stream takes now, a chunk (a record) at a
    /// time, then tells the budget of the backlog left.
    private func flush() {
        defer { reportBacklog() }
        guard streamOpen, !peerGone else { return }
        while !output.isEmpty {
            switch output.writeFront(to: stream) {
            case .bytes(let count):
                session.outputSent(bytes: count)
            case .wantRead, .wantWrite:
                return
            case .closed, .failed:
                peerGone = true
                output.removeAll()
                let now = platform.now()
                handle(now: now) { $0.connectionLost(now: now) }
                return
            }
        }
    }

    /// Under the lock: the budget hears of a changed backlog (a healthy reader's stays 0,
    /// so its deliveries never take the budget's lock).
    private func reportBacklog() {
        guard let budget, output.count != backlogReported else { return }
        budget.backlogChanged(id, from: backlogReported, to: output.count, into: &budgetVictims)
        backlogReported = output.count
    }

    private func closeStream() {
        guard streamOpen else { return }
        streamOpen = false
        if !peerGone, !outputShut { stream.shutdown() }
        stream.close()
        output.removeAll()
        backlogReported = 0
        budget?.ended(id)
    }

    /// Under the lock: a running thread looks at its plan again; a parked session gets
    /// a thread back.
    private func wakeConnectionThread() {
        switch thread {
        case .running:
            waker?.signal()
        case .parked:
            if lot.withdraw(self) { thread = .resuming }
        case .resuming:
            break
        }
    }
}
