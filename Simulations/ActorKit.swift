import ChatCore

// The world is generic over these small protocols so that a test can plant a broken
// actor (a wrapper that rewrites the real one's effects) without copying ChatCore.
// ChatCore's actors conform as they are; production code never sees these protocols.

/// What the world needs of a session actor.
public protocol SessionBehaviour {
    init(id: SessionID, address: String, limits: Limits, now: Instant)
    mutating func opened(now: Instant) -> [Effect]
    mutating func bytesReceived(_ bytes: ArraySlice<UInt8>, now: Instant) -> [Effect]
    mutating func tick(now: Instant) -> [Effect]
    mutating func outputSent(bytes: Int)
    mutating func connectionLost(now: Instant) -> [Effect]
    mutating func receive(_ message: SessionMessage, now: Instant) -> [Effect]
    var account: Name? { get }
    var room: RoomRef? { get }
    var isFinished: Bool { get }
    var isClosing: Bool { get }
}

/// What the world needs of the Gate.
public protocol GateBehaviour {
    init(limits: Limits)
    mutating func receive(_ message: GateMessage, now: Instant) -> [Effect]
    var onlineAccounts: [String: SessionID] { get }
    var attemptsInFlight: Int { get }
}

/// What the world needs of the Lobby.
public protocol LobbyBehaviour {
    init()
    mutating func receive(_ message: LobbyMessage, now: Instant) -> [Effect]
    var globalMembers: [SessionID: Name] { get }
    var rooms: [RoomRef] { get }
}

/// What the world needs of a temporary room.
public protocol RoomBehaviour {
    init(id: RoomID, name: Name)
    mutating func receive(_ message: RoomMessage, now: Instant) -> [Effect]
    var ref: RoomRef { get }
    var members: [SessionID: Name] { get }
    var isOpen: Bool { get }
    var isRetired: Bool { get }
}

/// The four kinds of actor a world is built from.
public protocol ActorKit {
    associatedtype SessionActor: SessionBehaviour
    associatedtype GateActor: GateBehaviour
    associatedtype LobbyActor: LobbyBehaviour
    associatedtype RoomActor: RoomBehaviour
}

/// The actors production runs: ChatCore's, unchanged.
public enum ProductionActors: ActorKit {
    public typealias SessionActor = Session
    public typealias GateActor = Gate
    public typealias LobbyActor = Lobby
    public typealias RoomActor = Room
}

extension Session: SessionBehaviour {}
extension Gate: GateBehaviour {}
extension Lobby: LobbyBehaviour {}
extension Room: RoomBehaviour {}
