import ChatCore
import Logging
import ParleyPlatform

/// What the storage thread finds in its mailbox.
enum StorageInbox<P: Platform>: Sendable {
    case request(StoreRequest)
    /// Signalled once everything posted before it is committed.
    case barrier(Barrier<P>)
}

/// Carries mail to the mailbox of the actor it is addressed to. The shells' only
/// shared table; it decides nothing about the chat.
final class Router<P: Platform>: @unchecked Sendable {
    /// Set once at start, before any mail flows.
    private(set) var gate: ActorHost<Gate, P>!
    private(set) var lobby: ActorHost<Lobby, P>!
    let store: BlockingMailbox<StorageInbox<P>, P>
    let hasher: BlockingMailbox<HashRequest, P>
    let platform: P
    private let sessionsLock: P.Lock
    private let roomsLock: P.Lock
    // Guarded by `sessionsLock` and `roomsLock`.
    private var sessions: [SessionID: SessionHost<P>] = [:]
    private var rooms: [RoomID: ActorHost<Room, P>] = [:]
    private let logger: Logger
    /// Set (1) when the server stops: a session that registers afterwards is told at once.
    private let stopping: P.AtomicInt
    /// Fan-outs up to this many sessions may be run by the storage thread itself
    /// (`ServerConfiguration.inlineStoreReplyReach`).
    let inlineReach: Int
    /// Thread starts that failed (`ChatShell.threadStartFailures`).
    let threadStartFailures: P.AtomicInt

    init(platform: P, logger: Logger, inlineReach: Int = 128) {
        self.platform = platform
        self.logger = logger
        self.inlineReach = inlineReach
        store = BlockingMailbox(platform: platform, role: "store")
        hasher = BlockingMailbox(platform: platform, role: "hasher")
        sessionsLock = platform.makeLock(role: "router sessions")
        roomsLock = platform.makeLock(role: "router rooms")
        stopping = platform.makeAtomic(0, role: "router stopping")
        threadStartFailures = platform.makeAtomic(0, role: "thread start failures")
    }

    // MARK: - Registration

    func register(_ session: SessionID, _ host: SessionHost<P>) {
        sessionsLock.withLock { sessions[session] = host }
        if stopping.load() != 0 { host.shutdown() }
    }

    /// Stops the sessions: those registered now, and any that finish a handshake later.
    func shutDownSessions() {
        stopping.store(1)
        for host in sessionHosts { host.shutdown() }
    }

    /// After the last flush: the Gate's, the Lobby's, the hashing pool's and the storage
    /// thread's mailboxes close, so each thread ends once it has drained (rooms' threads
    /// end as their rooms retire). Nothing of the shell outlives `stop()` but connection
    /// threads in their close grace.
    func closeActorMailboxes() {
        hasher.close()
        gate?.mailbox.close()
        lobby?.mailbox.close()
        store.close()
    }

    func unregister(_ session: SessionID) {
        sessionsLock.withLock { sessions[session] = nil }
    }

    func start(gate: ActorHost<Gate, P>, lobby: ActorHost<Lobby, P>) {
        self.gate = gate
        self.lobby = lobby
    }

    func register(_ room: RoomID, _ host: ActorHost<Room, P>) {
        roomsLock.withLock { rooms[room] = host }
    }

    func roomHost(_ room: RoomID) -> ActorHost<Room, P>? {
        roomsLock.withLock { rooms[room] }
    }

    /// The room has retired: forget it and let its thread go.
    func retire(_ room: RoomID) {
        let host = roomsLock.withLock { rooms.removeValue(forKey: room) }
        host?.mailbox.close()
    }

    /// In session order, not the dictionary's: the dictionary's order changes from one
    /// process to the next (seeded hashing), and shutdown says BYE in this order, so the
    /// shell simulation could not replay a seed's shutdown otherwise.
    var sessionHosts: [SessionHost<P>] {
        sessionsLock.withLock { sessions.sorted { $0.key < $1.key }.map(\.value) }
    }

    func session(_ id: SessionID) -> SessionHost<P>? { sessionsLock.withLock { sessions[id] } }

    var liveSessionCount: Int { sessionsLock.withLock { sessions.count } }

    /// The actors whose mailboxes hold mail nobody has taken ("gate", "lobby", "room 3",
    /// "store"): at quiescence, none (the shell simulation checks it).
    var actorsWithMailWaiting: [String] {
        let openRooms = roomsLock.withLock { rooms.sorted { $0.key < $1.key } }
        var waiting: [String] = []
        if !gate.mailbox.isEmpty { waiting.append("gate") }
        if !lobby.mailbox.isEmpty { waiting.append("lobby") }
        for (id, host) in openRooms where !host.mailbox.isEmpty { waiting.append("room \(id)") }
        if !store.isEmpty { waiting.append("store") }
        return waiting
    }

    func gateIsSettled() -> Bool { gate.isSettled }
    /// Every room has retired (a room retires once it has emptied, the Lobby has shut it
    /// down and its last store reply has come): what rooms send the Lobby has been sent.
    func roomsHaveRetired() -> Bool { roomsLock.withLock { rooms.isEmpty } }
    func lobbyIsSettled() -> Bool { lobby.isSettled }

    // MARK: - Delivery

    /// Hands each session its mail, grouped by session and in the order it was sent: a
    /// room's batch of lines for a member becomes one call, one TLS write.
    func deliver(_ batch: inout SessionMailBatch) {
        guard !batch.targets.isEmpty else { return }
        // Only (session, position) pairs are sorted: plain integers, no enum copies.
        // Swift's sort finds runs, so a room's members, often already in order, cost one pass.
        batch.targets.sort { ($0.id, $0.index) < ($1.id, $1.index) }
        let targets = batch.targets
        var runs: [Range<Int>] = []
        var start = 0
        for index in 1...targets.count where index == targets.count || targets[index].id != targets[start].id {
            runs.append(start..<index)
            start = index
        }
        let hosts = sessionsLock.withLock { runs.map { sessions[SessionID(targets[$0.lowerBound].id)] } }
        let messages = batch.messages
        for (host, run) in zip(hosts, runs) {
            host?.receive(targets[run].lazy.map { messages[$0.index] })
        }
    }

    /// A room the Lobby opened: registered before the Lobby's `admit` is sent to it; its
    /// mailbox keeps that mail until its thread runs.
    func openRoom(_ id: RoomID, _ name: Name, historyLines: Int) {
        register(
            id,
            ActorHost(
                Room(id: id, name: name, historyLines: historyLines), role: "room", platform: platform, router: self,
                reach: { $0.members.count }))
    }

    /// The room that mail is addressed to; nil (and the mail dropped) once it has retired.
    /// `send` posts to it; a session on its connection's own thread posts to it quietly
    /// and runs it (`ActorHost.runPostedMail`) once it has let go of its lock.
    func roomForMail(_ id: RoomID) -> ActorHost<Room, P>? {
        guard let host = roomsLock.withLock({ rooms[id] }) else {
            logger.debug("mail for a room that has retired", metadata: ["room": "\(id)"])
            return nil
        }
        return host
    }

    func send(_ mail: Mail) {
        switch mail {
        case .session(let id, let message):
            let host = sessionsLock.withLock { sessions[id] }
            host?.receive([message])
        case .gate(let message):
            gate.mailbox.post(message)
        case .lobby(let message):
            lobby.mailbox.post(message)
        case .room(let id, let message):
            roomForMail(id)?.mailbox.post(message)
        case .store(let request):
            store.post(.request(request))
        case .hasher(let request):
            hasher.post(request)
        }
    }
}

extension Router {

    /// The store's replies to one batch, run by the storage thread itself right after its
    /// commit, under each recipient's lock (see `ActorHost`): one thread hand-off fewer
    /// per stored message. Replies to one actor are run together, in order, so a room's
    /// fan-out of the whole batch is one write per member. An actor with a large fan-out
    /// gets its replies through its mailbox instead, so its writes do not hold up the next
    /// commit and every other room (replies to one actor keep their order either way:
    /// a reply runs inline only when every reply posted to the actor's mailbox before it
    /// has been run).
    func deliverStoreReplies(_ replies: [Mail]) {
        var gateReplies: [GateMessage] = []
        var lobbyReplies: [LobbyMessage] = []
        var roomOrder: [RoomID] = []
        var roomReplies: [RoomID: [RoomMessage]] = [:]
        for reply in replies {
            switch reply {
            case .gate(let message): gateReplies.append(message)
            case .lobby(let message): lobbyReplies.append(message)
            case .room(let id, let message):
                if roomReplies[id] == nil { roomOrder.append(id) }
                roomReplies[id, default: []].append(message)
            case .session, .store, .hasher: send(reply)
            }
        }
        if !gateReplies.isEmpty {
            if gate.runsInline { gate.run(gateReplies) } else { gate.postReplies(gateReplies) }
        }
        if !lobbyReplies.isEmpty {
            if lobby.runsInline { lobby.run(lobbyReplies) } else { lobby.postReplies(lobbyReplies) }
        }
        for id in roomOrder {
            guard let host = roomsLock.withLock({ rooms[id] }) else { continue }
            if host.runsInline { host.run(roomReplies[id]!) } else { host.postReplies(roomReplies[id]!) }
        }
    }
}

/// The mail one run of an actor sends to sessions, in order, for `Router.deliver`.
struct SessionMailBatch {
    /// Which session each message is for, and its place in `messages`.
    fileprivate(set) var targets: [(id: UInt64, index: Int)] = []
    fileprivate(set) var messages: [SessionMessage] = []

    mutating func add(_ session: SessionID, _ message: SessionMessage) {
        targets.append((session.rawValue, messages.count))
        messages.append(message)
    }
}

/// A one-shot signal between threads.
final class Barrier<P: Platform>: @unchecked Sendable {
    private let platform: P
    private let signalled: P.AtomicInt

    init(platform: P, role: String) {
        self.platform = platform
        signalled = platform.makeAtomic(0, role: role)
    }

    func signal() { signalled.store(1) }

    /// Waits for the signal until the deadline; true if it came.
    func wait(until deadline: Instant) -> Bool {
        while signalled.load() == 0 {
            guard platform.now() < deadline else { return false }
            platform.sleep(for: .milliseconds(2))
        }
        return true
    }
}
