import ChatCore

// The world is generic over these small protocols so that a test can plant a broken
// actor (a wrapper that rewrites the real one's outputs) without copying ChatCore. Each
// is ChatCore's `ChatActor` contract, the one production's hosts use, plus what the
// checker may read, plus `Hashable` (the exhaustive search digests whole worlds, private
// state included, through it: `StateDigest`); ChatCore's actors conform as they are.

/// What the world needs of a session actor.
public protocol SessionBehaviour: ChatActor, Hashable where Message == SessionMessage, Output == SessionEffect {
    init(id: SessionID, address: String, limits: Limits, now: Instant)
    mutating func opened(now: Instant) -> [SessionEffect]
    mutating func bytesReceived(_ bytes: ArraySlice<UInt8>, now: Instant) -> [SessionEffect]
    mutating func tick(now: Instant) -> [SessionEffect]
    mutating func outputSent(bytes: Int)
    mutating func connectionLost(now: Instant) -> [SessionEffect]
    /// The session's one timer, read after every event (as production reads it).
    var pendingWake: Instant? { get }
    var account: Name? { get }
    var room: RoomRef? { get }
    var isFinished: Bool { get }
    var isClosing: Bool { get }
}

/// What the world needs of the Gate.
public protocol GateBehaviour: ChatActor, Hashable where Message == GateMessage, Output == GateEffect {
    init(limits: Limits)
    var onlineAccounts: [String: SessionID] { get }
    var attemptsInFlight: Int { get }
}

/// What the world needs of the Lobby.
public protocol LobbyBehaviour: ChatActor, Hashable where Message == LobbyMessage, Output == LobbyEffect {
    init(historyLines: Int)
    var globalMembers: [SessionID: Name] { get }
    var rooms: [RoomRef] { get }
}

/// What the world needs of a temporary room.
public protocol RoomBehaviour: ChatActor, Hashable where Message == RoomMessage, Output == RoomEffect {
    init(id: RoomID, name: Name, historyLines: Int)
    var ref: RoomRef { get }
    var members: [SessionID: Name] { get }
    /// Who the room says owns it.
    var owner: SessionID? { get }
    var isOpen: Bool { get }
    var isRetired: Bool { get }
}

/// The kinds of actor a world is built from: a session for each Parley connection and
/// one for each IRC connection, the Gate, the Lobby and the rooms.
public protocol ActorKit {
    associatedtype SessionActor: SessionBehaviour
    /// The session of a client that speaks IRC (ChatCore's `IRCSession` unless planted).
    associatedtype IRCSessionActor: SessionBehaviour = IRCSession
    associatedtype GateActor: GateBehaviour
    associatedtype LobbyActor: LobbyBehaviour
    associatedtype RoomActor: RoomBehaviour
}

/// The actors production runs: ChatCore's, unchanged.
public enum ProductionActors: ActorKit {
    public typealias SessionActor = Session
    public typealias IRCSessionActor = IRCSession
    public typealias GateActor = Gate
    public typealias LobbyActor = Lobby
    public typealias RoomActor = Room
}

extension Session: SessionBehaviour {}
extension Gate: GateBehaviour {}
extension Lobby: LobbyBehaviour {}
extension Room: RoomBehaviour {}

extension IRCSession: SessionBehaviour {
    /// The simulated wall clock: `server-time` tags read as late 2023 plus the world's time.
    public static let simulatedWallClockOffset: Duration = .seconds(1_700_000_000)

    public init(id: SessionID, address: String, limits: Limits, now: Instant) {
        self.init(
            id: id, address: address, limits: limits, wallClockOffset: IRCSession.simulatedWallClockOffset, now: now)
    }
}
