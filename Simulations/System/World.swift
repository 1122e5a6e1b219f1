import ChatCore

/// The whole simulated system in one value: clients, their connections, the network
/// between them and their sessions, the Gate, the Lobby, the rooms, the store, the
/// hashing pool and the clock. Nothing runs on a thread; mailboxes are arrays.
///
/// A world moves only by `apply(_:)`, one decision at a time, and checks the
/// invariants after every step; `settle()` stops the faults, lets everything drain in
/// a fixed order, and checks the invariants of quiescence. So a run is a pure function
/// of its setup and its decisions.
public struct World<Actors: ActorKit> {
    public let setup: WorldSetup
    let limits: Limits
    public internal(set) var now = Instant(nanoseconds: 1_000_000_000)

    var gate: Actors.GateActor
    var lobby: Actors.LobbyActor
    var rooms: [RoomSlot<Actors.RoomActor>] = []
    var roomIndex: [RoomID: Int] = [:]
    var sessions: [SessionSlot<SimulatedSession<Actors.SessionActor, Actors.IRCSessionActor>>] = []
    var clients: [ClientState]
    public internal(set) var store = InMemoryStore()
    var storeFailing = false
    var lanes = LaneTable()

    /// The checker's own model of the run (Checker/Observations.swift): never read from
    /// the actors, never stored in their slots.
    var observed: Observations
    /// The checker's reference model of rooms, members, accounts and each connection's
    /// policies (Checker/ReferenceModel.swift), built from outputs and client views alone.
    var model = ReferenceModel()
    /// Which connection's login each Gate ticket serves, to name hashing jobs by connection.
    var ticketOwners: [Ticket: Int] = [:]
    /// The checker's own account of password checks (LoginPolicyCheck.swift).
    var logins = LoginLedger()
    /// Its account of the waits after filled windows, and of logins and jobs in flight (LoginBackoffCheck.swift).
    var waits = LoginWaits()
    /// Lines with a password placeholder as they go on the wire; a run types few distinct ones.
    var wireLines: [String: String] = [:]

    // What a run leaves behind.
    public internal(set) var violation: Violation?
    public internal(set) var hazards = Hazards()
    /// Every step, decisions and the settling after them.
    public internal(set) var steps = 0
    /// Steps in which an actor handled an event (the simulator's unit of work).
    public internal(set) var actorSteps = 0
    public internal(set) var trace = TraceHasher()
    /// The trace hash after each step, kept when asked, to find where two runs part.
    public internal(set) var stepHashes: [UInt64]?
    /// The timeline a person reads, kept when asked.
    public internal(set) var timeline: [StepRecord]?
    /// The decisions as they were applied (adapted, when applied leniently), kept when asked.
    public internal(set) var applied: [Decision]?
    var settling = false

    public init(
        setup: WorldSetup, recordTimeline: Bool = false, recordStepHashes: Bool = false, recordDecisions: Bool = false
    ) {
        precondition(setup.clients > 0 && setup.clients < 1000, "a world has 1 to 999 clients")
        self.setup = setup
        self.limits = setup.limits.limits
        self.gate = Actors.GateActor(limits: limits)
        self.lobby = Actors.LobbyActor(historyLines: setup.historyLines ?? 0)
        let irc = Set(setup.ircClients ?? [])
        self.clients = (1...setup.clients).map { ClientState(number: $0, speaksIRC: irc.contains($0)) }
        self.observed = Observations(clients: setup.clients)
        if recordTimeline { timeline = [] }
        if recordStepHashes { stepHashes = [] }
        if recordDecisions { applied = [] }
        openAccounts()
    }

    /// The accounts of the setup exist before the run, as rows in the store.
    private mutating func openAccounts() {
        for account in setup.accounts {
            guard let name = Name(account) else { preconditionFailure("account \(account) is not a valid name") }
            let hash = WorldSetup.storedHash(for: account)
            _ = store.handle(.createAccount(Ticket(0), name, hash, at: now, replyTo: .gate))
            model.accounts[name.key] = name
        }
        for account in setup.bannedAccounts ?? [] {
            guard let name = Name(account) else { preconditionFailure("account \(account) is not a valid name") }
            store.ban(name)
        }
        for account in setup.operatorAccounts ?? [] {
            guard let name = Name(account) else { preconditionFailure("account \(account) is not a valid name") }
            store.grantOperator(name)
        }
    }

    /// What became of one decision.
    public enum Outcome: Equatable, Sendable {
        case applied
        /// The decision does not fit the world: nothing happened. A strict replay calls
        /// the fixture stale; a lenient one (shrinking) skips the decision.
        case inapplicable(String)
    }

    /// Applies one decision and checks the invariants it touches.
    /// Strict: the decision must fit exactly. Lenient: a delivery takes whatever mail is
    /// at the head of its lane, a partial delivery whatever bytes are there.
    @discardableResult
    public mutating func apply(_ decision: Decision, lenient: Bool = false) -> Outcome {
        guard violation == nil else { return .inapplicable("the run has already failed") }
        switch decision {
        case .connect(let client): return connect(client)
        case .type(let client, let line): return type(client, line)
        case .hangUp(let client, let drop): return hangUp(client, dropUnsent: drop)
        case .stopReading(let client): return setReading(client, false)
        case .resumeReading(let client): return setReading(client, true)
        case .deliver(let from, let to, let kind): return deliver(from: from, to: to, kind: kind, lenient: lenient)
        case .receive(let name, let bytes): return receive(name, bytes: bytes, lenient: lenient)
        case .lose(let name): return lose(name)
        case .read(let name): return read(name)
        case .tick(let name): return tick(name)
        case .hash(let name): return hash(name)
        case .advanceClock(let ms): return advanceClock(milliseconds: ms)
        case .storeFailing(let on): return setStoreFailing(on)
        }
    }

    // MARK: - Reading the world (the explorer's view)

    /// Lanes that can run now, in a fixed order.
    var runnableLanes: [Int] { lanes.runnable }

    /// The decision that runs a lane's next event.
    func decision(forLane id: Int) -> Decision {
        switch lanes.keys[id] {
        case .mail(let from, let to):
            return .deliver(from: from, to: to, kind: lanes.headKind(id)!)
        case .net(let slot):
            let session = sessions[slot]
            return session.pendingInbound > 0
                ? .receive(session.name, bytes: session.pendingInbound) : .lose(session.name)
        case .read(let slot): return .read(sessions[slot].name)
        case .tick(let slot): return .tick(sessions[slot].name)
        case .hash(let slot): return .hash(sessions[slot].name)
        }
    }

    func client(_ number: Int) -> ClientState? {
        number >= 1 && number <= clients.count ? clients[number - 1] : nil
    }

    func slot(of name: ConnectionName) -> Int? {
        // Index in place: copying a client's state would cost more than the look-up.
        guard name.client >= 1, name.client <= clients.count, name.number >= 1,
            name.number <= clients[name.client - 1].slots.count
        else { return nil }
        return clients[name.client - 1].slots[name.number - 1]
    }

    /// The earliest wake any live session waits for.
    var earliestWake: Instant? {
        var earliest: Instant?
        for slot in sessions.indices where !sessions[slot].retired {
            if let wake = sessions[slot].wake, earliest.map({ wake < $0 }) ?? true { earliest = wake }
        }
        return earliest
    }
}
