import ChatCore

/// Runs whole conversations through the real actors with no threads: one FIFO queue
/// of mail, delivered in the order it was sent. Tests use it to say "three users, two
/// rooms, a whisper" and read back what each connection received. The simulator
/// explores other orders; this driver is the plain, predictable one.
public struct ChatDriver: Sendable {
    public private(set) var now = Instant(nanoseconds: 1_000_000_000)
    public let limits: Limits
    public private(set) var sessions: [SessionID: Session] = [:]
    public private(set) var gate: Gate
    public private(set) var lobby: Lobby
    public private(set) var rooms: [RoomID: Room] = [:]
    public var store = InMemoryStore()
    public let hasher = SimulatedHasher()

    /// Every line each connection was sent, in order.
    public private(set) var transcripts: [SessionID: [ServerLine]] = [:]
    /// Connections the server closed (or that hung up).
    public private(set) var closedConnections: Set<SessionID> = []
    /// Connections whose client does not read: their writes are never reported sent.
    public var slowReaders: Set<SessionID> = []
    /// Mail addressed to an actor that had already retired.
    public private(set) var undeliverable: [Mail] = []
    /// Everything the actors did, in order, for tests that look at the whole story.
    public private(set) var log: [Happening] = []

    /// One thing an actor did, as the driver carried it out.
    public enum Happening: Equatable, Sendable {
        case sent(Mail)
        case wrote(SessionID, ServerLine)
        case closedConnection(SessionID)
        case retiredSession(SessionID)
        case spawnedRoom(RoomID, Name)
        case retiredRoom(RoomID)
    }

    private var queue: [Mail] = []
    private var head = 0
    private var nextSession: UInt64 = 1

    /// `historyLines`: what a session gets on entering a room (0, the default here: none).
    public init(limits: Limits = .standard, historyLines: Int = 0) {
        self.limits = limits
        self.gate = Gate(limits: limits)
        self.lobby = Lobby(historyLines: historyLines)
    }

    // MARK: - What a client does

    /// Opens a connection; returns its session.
    public mutating func connect(address: String = "192.0.2.1") -> SessionID {
        let id = SessionID(nextSession)
        nextSession += 1
        var session = Session(id: id, address: address, limits: limits, now: now)
        let effects = session.opened(now: now)
        sessions[id] = session
        transcripts[id] = []
        apply(effects, of: id)
        run()
        return id
    }

    /// Types a line (a newline is added) and lets everything settle.
    /// With `settle: false` the mail it causes waits in the queue, so a test can put
    /// something else in between (a disconnect in the middle of a move).
    public mutating func type(_ session: SessionID, _ line: String, settle: Bool = true) {
        sendBytes(session, Array((line + "\n").utf8), settle: settle)
    }

    /// Sends raw bytes and lets everything settle.
    public mutating func sendBytes(_ session: SessionID, _ bytes: [UInt8], settle: Bool = true) {
        guard !closedConnections.contains(session) else { return }
        act(on: session) { $0.bytesReceived(bytes, now: $1) }
        if settle { run() }
    }

    /// The client hangs up.
    public mutating func disconnect(_ session: SessionID, settle: Bool = true) {
        guard !closedConnections.contains(session) else { return }
        act(on: session) { $0.connectionLost(now: $1) }
        if settle { run() }
    }

    /// Delivers only the oldest `count` pieces of mail, leaving the rest queued.
    public mutating func step(_ count: Int = 1) {
        for _ in 0..<count where head < queue.count {
            let mail = queue[head]
            head += 1
            deliver(mail)
        }
    }

    /// Mail sent and not yet delivered.
    public var queuedMail: [Mail] { Array(queue[head...]) }

    /// Connects and registers; returns the session, already in `global`.
    public mutating func register(_ name: String, password: String = "correct horse") -> SessionID {
        let session = connect()
        type(session, "/register \(name) \(password.replacingSpaces)")
        return session
    }

    /// Moves the clock on, firing every wake that falls due, and lets everything settle.
    public mutating func advance(by duration: Duration) {
        let end = now + duration
        while let (session, due) = nextWake(before: end) {
            now = max(now, due)
            act(on: session) { $0.tick(now: $1) }
            run()
        }
        now = end
    }

    /// The earliest timer of a live session due by `end`, read from `pendingWake`, as
    /// production's connection threads read it.
    private func nextWake(before end: Instant) -> (SessionID, Instant)? {
        var next: (SessionID, Instant)?
        for (id, session) in sessions where !session.isFinished {
            guard let due = session.pendingWake, due <= end else { continue }
            if next.map({ (due, id) < ($0.1, $0.0) }) ?? true { next = (id, due) }
        }
        return next
    }

    /// A slow reader catches up: everything written to it counts as sent.
    public mutating func drain(_ session: SessionID) {
        sessions[session]?.outputSent(bytes: Int.max)
    }

    // MARK: - Reading what happened

    /// The lines a connection received, rendered without their newlines.
    public func lines(_ session: SessionID) -> [String] {
        (transcripts[session] ?? []).map { String($0.rendered.dropLast()) }
    }

    /// Forgets the transcripts so far, so a test can look at what comes next.
    public mutating func clearTranscripts() {
        for key in transcripts.keys { transcripts[key] = [] }
    }

    // MARK: - The loop

    /// Delivers mail, oldest first, until none is left.
    public mutating func run() {
        while head < queue.count {
            let mail = queue[head]
            head += 1
            deliver(mail)
        }
        queue.removeAll(keepingCapacity: true)
        head = 0
    }

    private mutating func deliver(_ mail: Mail) {
        switch mail {
        case .session(let id, let message):
            guard sessions[id].map({ !$0.isFinished }) == true else { return undeliverable.append(mail) }
            act(on: id) { $0.receive(message, now: $1) }
        case .gate(let message):
            apply(gate.receive(message, now: now))
        case .lobby(let message):
            apply(lobby.receive(message, now: now))
        case .room(let id, let message):
            guard rooms[id] != nil else { return undeliverable.append(mail) }
            apply(rooms[id]!.receive(message, now: now), of: id)
        case .store(let request):
            if let reply = store.handle(request) { post(reply) }
        case .hasher(let request):
            post(hasher.handle(request))
        }
    }

    private mutating func act(on id: SessionID, _ body: (inout Session, Instant) -> [SessionEffect]) {
        guard sessions[id] != nil else { return }
        let effects = body(&sessions[id]!, now)
        apply(effects, of: id)
    }

    private mutating func post(_ mail: Mail) {
        log.append(.sent(mail))
        queue.append(mail)
    }

    private mutating func apply(_ effects: [SessionEffect], of id: SessionID) {
        for effect in effects {
            switch effect {
            case .send(let mail):
                post(mail.mail)
            case .write(let line):
                log.append(.wrote(id, line))
                transcripts[id, default: []].append(line)
                if !slowReaders.contains(id) { sessions[id]?.outputSent(bytes: line.wireSize) }
            case .writeIRC:
                preconditionFailure("the FIFO driver runs Parley sessions only")
            case .closeConnection:
                log.append(.closedConnection(id))
                closedConnections.insert(id)
            case .retire:
                log.append(.retiredSession(id))
            }
        }
    }

    private mutating func apply(_ effects: [GateEffect]) {
        for effect in effects {
            switch effect {
            case .session, .store, .hasher: post(effect.mail)
            }
        }
    }

    private mutating func apply(_ effects: [LobbyEffect]) {
        for effect in effects {
            switch effect {
            case .session(let id, let message): post(.session(id, message))
            case .room(let id, let message): post(.room(id, message))
            case .store(let request): post(.store(request))
            case .spawnRoom(let id, let name):
                log.append(.spawnedRoom(id, name))
                rooms[id] = Room(id: id, name: name, historyLines: lobby.historyLines)
            }
        }
    }

    private mutating func apply(_ effects: [RoomEffect], of room: RoomID) {
        for effect in effects {
            switch effect {
            case .session(let id, let message): post(.session(id, message))
            case .lobby(let message): post(.lobby(message))
            case .store(let request): post(.store(request))
            case .retire:
                log.append(.retiredRoom(room))
                rooms[room] = nil
            }
        }
    }
}

extension String {
    fileprivate var replacingSpaces: String { split(separator: " ").joined(separator: "-") }
}
