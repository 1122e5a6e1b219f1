import ChatCore
import ParleySimulation

// Broken actors that live only here, to prove the simulator has teeth. Each wraps the
// real actor and rewrites its outputs into one bug of DESIGN.md's hazard table.

/// A room that keeps delivering its messages to members who have left.
struct LeakyRoom: RoomBehaviour {
    private var inner: Room
    private var departed: [SessionID] = []

    init(id: RoomID, name: Name, historyLines: Int) { inner = Room(id: id, name: name, historyLines: historyLines) }

    var ref: RoomRef { inner.ref }
    var members: [SessionID: Name] { inner.members }
    var owner: SessionID? { inner.owner }
    var isOpen: Bool { inner.isOpen }
    var isRetired: Bool { inner.isRetired }

    mutating func receive(_ message: RoomMessage, now: Instant, into effects: inout [RoomEffect]) {
        let start = effects.count
        inner.receive(message, now: now, into: &effects)
        if case .member(.leave(let session)) = message { departed.append(session) }
        if case .member(.quit(let session, _)) = message { departed.append(session) }
        if case .admit(let session, _, _) = message { departed.removeAll { $0 == session } }
        let line = effects[start...].lazy.compactMap { effect -> ServerLine? in
            if case .session(_, .deliver(let line)) = effect, case .message = line { return line }
            return nil
        }.first
        if let line {
            for session in departed { effects.append(.session(session, .deliver(line))) }
        }
    }
}

/// A room that kicks a member out of its list but keeps delivering its messages to it.
struct KickLeakyRoom: RoomBehaviour {
    private var inner: Room
    private var kicked: [SessionID] = []

    init(id: RoomID, name: Name, historyLines: Int) { inner = Room(id: id, name: name, historyLines: historyLines) }

    var ref: RoomRef { inner.ref }
    var members: [SessionID: Name] { inner.members }
    var owner: SessionID? { inner.owner }
    var isOpen: Bool { inner.isOpen }
    var isRetired: Bool { inner.isRetired }

    mutating func receive(_ message: RoomMessage, now: Instant, into effects: inout [RoomEffect]) {
        let start = effects.count
        inner.receive(message, now: now, into: &effects)
        for case .session(let session, .kicked) in effects[start...] { kicked.append(session) }
        if case .admit(let session, _, _) = message { kicked.removeAll { $0 == session } }
        // Any line the room sends its members: a message, an action, an event.
        let line = effects[start...].lazy.compactMap { effect -> ServerLine? in
            guard case .session(_, .deliver(let line)) = effect else { return nil }
            switch line {
            case .message, .action, .event: return line
            case .ok, .error, .whisper, .users, .rooms, .bye, .history, .historyEnd: return nil
            }
        }.first
        if let line {
            for session in kicked { effects.append(.session(session, .deliver(line))) }
        }
    }
}

/// A lobby that lets a second create of a taken name succeed.
struct TwinLobby: LobbyBehaviour {
    private var inner: Lobby

    init(historyLines: Int) { inner = Lobby(historyLines: historyLines) }

    var globalMembers: [SessionID: Name] { inner.globalMembers }
    var rooms: [RoomRef] { inner.rooms }

    mutating func receive(_ message: LobbyMessage, now: Instant, into effects: inout [LobbyEffect]) {
        // The directory is keyed by name, so the twin goes in under another key and
        // comes out under the taken name.
        guard case .create(let session, let name) = message, inner.rooms.contains(where: { $0.name == name }),
            let alias = Name(name.text.prefix(Name.maxLength - 5) + "-twin")
        else {
            return inner.receive(message, now: now, into: &effects)
        }
        effects += inner.receive(.create(session, room: alias), now: now).map { effect in
            if case .spawnRoom(let id, _) = effect { return .spawnRoom(id, name) }
            return effect
        }
    }
}

/// A gate that grants a second login of an account at once, without waiting for the
/// first session to log out.
struct EagerGate: GateBehaviour {
    private var inner: Gate
    private var claimants: [Ticket: Claimant] = [:]

    private struct Claimant: Hashable {
        let session: SessionID
        let name: Name
    }

    init(limits: Limits) { inner = Gate(limits: limits) }

    var onlineAccounts: [String: SessionID] { inner.onlineAccounts }
    var attemptsInFlight: Int { inner.attemptsInFlight }

    mutating func receive(_ message: GateMessage, now: Instant, into effects: inout [GateEffect]) {
        let start = effects.count
        inner.receive(message, now: now, into: &effects)
        let added = effects[start...]
        switch message {
        case .login(let session, let name, _, _):
            for case .store(.fetchAccount(let ticket, _, _)) in added {
                claimants[ticket] = Claimant(session: session, name: name)
            }
        case .verified(let ticket, _, _):
            if let (session, name) = claimants.removeValue(forKey: ticket).map({ ($0.session, $0.name) }),
                added.contains(where: {
                    if case .session(_, .replaced) = $0 { return true }
                    return false
                })
            {
                effects.append(.session(session, .loggedIn(name, registered: false)))
            }
        default:
            break
        }
    }
}

/// A gate that lets a banned account in when its password is right: it takes the store's
/// `accountBanned` for an ordinary account and goes on to the password check.
struct BanBlindGate: GateBehaviour {
    private var inner: Gate
    private var logins: [Ticket: Name] = [:]

    init(limits: Limits) { inner = Gate(limits: limits) }

    var onlineAccounts: [String: SessionID] { inner.onlineAccounts }
    var attemptsInFlight: Int { inner.attemptsInFlight }

    mutating func receive(_ message: GateMessage, now: Instant, into effects: inout [GateEffect]) {
        let start = effects.count
        if case .store(.accountBanned(let ticket)) = message, let name = logins[ticket] {
            let hash = WorldSetup.storedHash(for: name.text)
            inner.receive(.store(.accountFound(ticket, name, hash)), now: now, into: &effects)
        } else {
            inner.receive(message, now: now, into: &effects)
        }
        if case .login(_, let name, _, _) = message {
            for case .store(.fetchAccount(let ticket, _, _)) in effects[start...] { logins[ticket] = name }
        }
    }
}

/// A session that, when its connection drops in the middle of a move, logs out and
/// retires at once instead of waiting for the move to land.
struct HastySession: SessionBehaviour {
    private var inner: Session
    private var gone = false

    init(id: SessionID, address: String, limits: Limits, now: Instant) {
        inner = Session(id: id, address: address, limits: limits, now: now)
    }

    var account: Name? { gone ? nil : inner.account }
    var room: RoomRef? { gone ? nil : inner.room }
    var isFinished: Bool { gone || inner.isFinished }
    var isClosing: Bool { gone || inner.isClosing }

    var pendingWake: Instant? { gone ? nil : inner.pendingWake }

    mutating func opened(now: Instant) -> [SessionEffect] { inner.opened(now: now) }
    mutating func bytesReceived(_ bytes: ArraySlice<UInt8>, now: Instant) -> [SessionEffect] {
        gone ? [] : inner.bytesReceived(bytes, now: now)
    }
    mutating func tick(now: Instant) -> [SessionEffect] { gone ? [] : inner.tick(now: now) }
    mutating func outputSent(bytes: Int) { inner.outputSent(bytes: bytes) }

    mutating func receive(_ message: SessionMessage, now: Instant, into effects: inout [SessionEffect]) {
        if !gone { inner.receive(message, now: now, into: &effects) }
    }

    mutating func connectionLost(now: Instant) -> [SessionEffect] {
        guard let account = inner.account, inner.room == nil, !inner.isClosing else {
            return inner.connectionLost(now: now)
        }
        gone = true
        return [.closeConnection, .send(.gate(.logout(inner.id, account, reason: .disconnected))), .retire]
    }
}

/// How a planted room rewrites the mail it is sent before the real one reads it.
protocol RoomRewrite: Hashable, Sendable {
    static func rewrite(_ message: RoomMessage) -> RoomMessage
}

/// A real room that reads its mail as `Rewrite` changes it.
struct RewritingRoom<Rewrite: RoomRewrite>: RoomBehaviour {
    private var inner: Room

    init(id: RoomID, name: Name, historyLines: Int) { inner = Room(id: id, name: name, historyLines: historyLines) }

    var ref: RoomRef { inner.ref }
    var members: [SessionID: Name] { inner.members }
    var owner: SessionID? { inner.owner }
    var isOpen: Bool { inner.isOpen }
    var isRetired: Bool { inner.isRetired }

    mutating func receive(_ message: RoomMessage, now: Instant, into effects: inout [RoomEffect]) {
        inner.receive(Rewrite.rewrite(message), now: now, into: &effects)
    }
}

/// A member whose connection ended is taken for one that left: the others hear `NAME
/// left` (an IRC client a PART) for a disconnect, as before issue 16.
enum QuitAsLeave: RoomRewrite {
    static func rewrite(_ message: RoomMessage) -> RoomMessage {
        guard case .member(.quit(let session, _)) = message else { return message }
        return .member(.leave(session))
    }
}

/// A `/me` is taken for a plain message: the room stores it as one and sends `MSG`, not
/// `ACTION`.
enum ActionAsMessage: RoomRewrite {
    static func rewrite(_ message: RoomMessage) -> RoomMessage {
        guard case .member(.act(let session, let text)) = message else { return message }
        return .member(.say(session, text: text))
    }
}

enum FlatActionRoomActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = RewritingRoom<ActionAsMessage>
}

enum PartingRoomActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = RewritingRoom<QuitAsLeave>
}

enum KickLeakyRoomActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = KickLeakyRoom
}

/// A lobby that lets a session into `global` at once and reads its history only then: a
/// message stored while that read is in flight reaches the session live and again in its
/// history (the race `HistoryReads` settles by waiting for the read).
struct LateHistoryLobby: LobbyBehaviour {
    private var inner: Lobby
    private let historyLines: Int
    private var reads: [Ticket: SessionID] = [:]
    /// Tickets of its own, far above the inner global room's.
    private var nextTicket: UInt64 = 1 << 40

    init(historyLines: Int) {
        inner = Lobby(historyLines: 0)
        self.historyLines = historyLines
    }

    var globalMembers: [SessionID: Name] { inner.globalMembers }
    var rooms: [RoomRef] { inner.rooms }

    mutating func receive(_ message: LobbyMessage, now: Instant, into effects: inout [LobbyEffect]) {
        if case .store(.history(let ticket, let entries)) = message, let session = reads.removeValue(forKey: ticket) {
            for entry in entries {
                let line = ServerLine.history(room: Name.global, at: entry.at, from: entry.sender, text: entry.text)
                effects.append(.session(session, .deliver(line)))
            }
            effects.append(.session(session, .deliver(.historyEnd(room: Name.global))))
            return
        }
        inner.receive(message, now: now, into: &effects)
        if historyLines > 0, case .enter(let session, _) = message {
            let ticket = Ticket(nextTicket)
            nextTicket += 1
            reads[ticket] = session
            effects.append(.store(.readHistory(ticket, room: .global, limit: historyLines, replyTo: .lobby)))
        }
    }
}

enum LateHistoryActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = LateHistoryLobby
    typealias RoomActor = Room
}

enum LeakyRoomActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = LeakyRoom
}

enum TwinLobbyActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = TwinLobby
    typealias RoomActor = Room
}

enum EagerGateActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = EagerGate
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

enum BanBlindGateActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = BanBlindGate
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

enum HastySessionActors: ActorKit {
    typealias SessionActor = HastySession
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

/// A lobby whose `/users` in global still lists the last member who left it.
struct StaleUsersLobby: LobbyBehaviour {
    private var inner: Lobby
    private var departed: [Name] = []

    init(historyLines: Int) { inner = Lobby(historyLines: historyLines) }

    var globalMembers: [SessionID: Name] { inner.globalMembers }
    var rooms: [RoomRef] { inner.rooms }

    mutating func receive(_ message: LobbyMessage, now: Instant, into effects: inout [LobbyEffect]) {
        let before = inner.globalMembers
        let start = effects.count
        inner.receive(message, now: now, into: &effects)
        let gone = before.filter { inner.globalMembers[$0.key] == nil }.values.sorted { $0.key < $1.key }
        departed += gone
        departed.removeAll { name in inner.globalMembers.values.contains(name) }
        guard case .member(.users) = message, let stale = departed.last else { return }
        for index in start..<effects.count {
            if case .session(let id, .deliver(.users(let room, let names))) = effects[index] {
                let listed = (names + [stale]).sorted { $0.key < $1.key }
                effects[index] = .session(id, .deliver(.users(room: room, names: listed)))
            }
        }
    }
}

/// A lobby that answers a join of a room that does not exist as if it had worked: the
/// session stays in global and hears `OK joined global`.
struct OpenDoorLobby: LobbyBehaviour {
    private var inner: Lobby

    init(historyLines: Int) { inner = Lobby(historyLines: historyLines) }

    var globalMembers: [SessionID: Name] { inner.globalMembers }
    var rooms: [RoomRef] { inner.rooms }

    mutating func receive(_ message: LobbyMessage, now: Instant, into effects: inout [LobbyEffect]) {
        if case .join(let session, let name) = message, inner.globalMembers[session] != nil,
            !inner.rooms.contains(where: { $0.name == name })
        {
            return effects.append(.session(session, .entered(.global)))
        }
        inner.receive(message, now: now, into: &effects)
    }
}

/// A lobby that looks whisper targets up in global with their case: `/whisper U1 hi`
/// misses u1.
struct CaseSensitiveLobby: LobbyBehaviour {
    private var inner: Lobby

    init(historyLines: Int) { inner = Lobby(historyLines: historyLines) }

    var globalMembers: [SessionID: Name] { inner.globalMembers }
    var rooms: [RoomRef] { inner.rooms }

    mutating func receive(_ message: LobbyMessage, now: Instant, into effects: inout [LobbyEffect]) {
        if case .member(.whisper(let session, let target, _)) = message, inner.globalMembers[session] != nil,
            !inner.globalMembers.values.contains(where: { $0.text == target.text })
        {
            return effects.append(.session(session, .deliver(.error(.noSuchUser, "\(target) is not in global"))))
        }
        inner.receive(message, now: now, into: &effects)
    }
}

/// A session whose token bucket lets one line more than its burst through.
struct GenerousSession: SessionBehaviour {
    private var inner: Session

    init(id: SessionID, address: String, limits: Limits, now: Instant) {
        var generous = limits
        if let rate = limits.rate {
            generous.rate = RateLimit(linesPerSecond: rate.linesPerSecond, burst: rate.burst + 1)
        }
        inner = Session(id: id, address: address, limits: generous, now: now)
    }

    var account: Name? { inner.account }
    var room: RoomRef? { inner.room }
    var isFinished: Bool { inner.isFinished }
    var isClosing: Bool { inner.isClosing }
    var pendingWake: Instant? { inner.pendingWake }

    mutating func opened(now: Instant) -> [SessionEffect] { inner.opened(now: now) }
    mutating func bytesReceived(_ bytes: ArraySlice<UInt8>, now: Instant) -> [SessionEffect] {
        inner.bytesReceived(bytes, now: now)
    }
    mutating func tick(now: Instant) -> [SessionEffect] { inner.tick(now: now) }
    mutating func outputSent(bytes: Int) { inner.outputSent(bytes: bytes) }
    mutating func connectionLost(now: Instant) -> [SessionEffect] { inner.connectionLost(now: now) }
    mutating func receive(_ message: SessionMessage, now: Instant, into effects: inout [SessionEffect]) {
        inner.receive(message, now: now, into: &effects)
    }
}

enum StaleUsersActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = StaleUsersLobby
    typealias RoomActor = Room
}

enum OpenDoorActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = OpenDoorLobby
    typealias RoomActor = Room
}

enum CaseSensitiveActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = CaseSensitiveLobby
    typealias RoomActor = Room
}

enum GenerousSessionActors: ActorKit {
    typealias SessionActor = GenerousSession
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

/// A session that folds a room's name to lower case when it asks the Lobby to create it,
/// so `/create DeN` makes `den`: names are shown as typed.
struct FoldingSession: SessionBehaviour {
    private var inner: Session

    init(id: SessionID, address: String, limits: Limits, now: Instant) {
        inner = Session(id: id, address: address, limits: limits, now: now)
    }

    var account: Name? { inner.account }
    var room: RoomRef? { inner.room }
    var isFinished: Bool { inner.isFinished }
    var isClosing: Bool { inner.isClosing }
    var pendingWake: Instant? { inner.pendingWake }

    mutating func opened(now: Instant) -> [SessionEffect] { inner.opened(now: now) }
    mutating func bytesReceived(_ bytes: ArraySlice<UInt8>, now: Instant) -> [SessionEffect] {
        FoldingSession.fold(inner.bytesReceived(bytes, now: now))
    }
    mutating func tick(now: Instant) -> [SessionEffect] { FoldingSession.fold(inner.tick(now: now)) }
    mutating func outputSent(bytes: Int) { inner.outputSent(bytes: bytes) }
    mutating func connectionLost(now: Instant) -> [SessionEffect] { inner.connectionLost(now: now) }
    mutating func receive(_ message: SessionMessage, now: Instant, into effects: inout [SessionEffect]) {
        var added: [SessionEffect] = []
        inner.receive(message, now: now, into: &added)
        effects += FoldingSession.fold(added)
    }

    private static func fold(_ effects: [SessionEffect]) -> [SessionEffect] {
        effects.map { effect in
            if case .send(.lobby(.create(let id, let name))) = effect, let folded = Name(name.key) {
                return .send(.lobby(.create(id, room: folded)))
            }
            return effect
        }
    }
}

enum FoldingSessionActors: ActorKit {
    typealias SessionActor = FoldingSession
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

/// How a planted gate's own limits are one notch looser than the world's.
protocol GateLoosening: Hashable, Sendable {
    static func loosen(_ limits: inout Limits)
}

/// A real gate run with looser limits than the world checks it by.
struct LooseGate<Loosening: GateLoosening>: GateBehaviour {
    private var inner: Gate

    init(limits: Limits) {
        var loose = limits
        Loosening.loosen(&loose)
        inner = Gate(limits: loose)
    }

    var onlineAccounts: [String: SessionID] { inner.onlineAccounts }
    var attemptsInFlight: Int { inner.attemptsInFlight }

    mutating func receive(_ message: GateMessage, now: Instant, into effects: inout [GateEffect]) {
        inner.receive(message, now: now, into: &effects)
    }
}

/// One registration per address more than the limit allows in a window.
enum OneRegistrationMore: GateLoosening {
    static func loosen(_ limits: inout Limits) { limits.maxRegistrationsPerAddress += 1 }
}

/// One job more than the hashing pool's slots.
enum OneSlotMore: GateLoosening {
    static func loosen(_ limits: inout Limits) { limits.hashingSlots = limits.hashingSlots.map { $0 + 1 } }
}

enum LaxRegistrarActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = LooseGate<OneRegistrationMore>
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

enum CrowdedPoolActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = LooseGate<OneSlotMore>
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

/// How a planted lobby rewrites the mail it is sent before the real one reads it.
protocol LobbyRewrite: Hashable, Sendable {
    static func rewrite(_ message: LobbyMessage) -> LobbyMessage
}

/// A real lobby that reads its mail as `Rewrite` changes it.
struct RewritingLobby<Rewrite: LobbyRewrite>: LobbyBehaviour {
    private var inner: Lobby

    init(historyLines: Int) { inner = Lobby(historyLines: historyLines) }

    var globalMembers: [SessionID: Name] { inner.globalMembers }
    var rooms: [RoomRef] { inner.rooms }

    mutating func receive(_ message: LobbyMessage, now: Instant, into effects: inout [LobbyEffect]) {
        inner.receive(Rewrite.rewrite(message), now: now, into: &effects)
    }
}

/// Anyone in global may kick: every kick is taken as an operator's.
enum EveryKickAnOperators: LobbyRewrite {
    static func rewrite(_ message: LobbyMessage) -> LobbyMessage {
        guard case .member(.kick(let session, let kicker, let target, let reason, _)) = message else { return message }
        return .member(.kick(session, by: kicker, target: target, reason: reason, asOperator: true))
    }
}

enum AnyoneKicksActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = RewritingLobby<EveryKickAnOperators>
    typealias RoomActor = Room
}

/// A backoff that never grows: every wait after a filled window is the window itself.
enum BackoffNeverGrows: GateLoosening {
    static func loosen(_ limits: inout Limits) { limits.maxLoginBackoff = limits.failedLoginWindow }
}

enum ForgetfulGateActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = LooseGate<BackoffNeverGrows>
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

/// `/history N` in global reads one line more than asked.
enum OneHistoryLineMore: LobbyRewrite {
    static func rewrite(_ message: LobbyMessage) -> LobbyMessage {
        guard case .member(.history(let session, let lines)) = message else { return message }
        return .member(.history(session, lines: lines + 1))
    }
}

enum GreedyHistoryActors: ActorKit {
    typealias SessionActor = Session
    typealias GateActor = Gate
    typealias LobbyActor = RewritingLobby<OneHistoryLineMore>
    typealias RoomActor = Room
}
