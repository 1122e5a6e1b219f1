// What each kind of actor may ask its shell to do. One type per kind: a session never
// mails a session or spawns a room, a room never writes to a connection, and the
// compiler, not a trap at run time, says so.

/// What a Session asks of its connection's shell. A session's timer is not an output:
/// the shell reads `Session.pendingWake` after every event (one source of truth).
public enum SessionEffect: Equatable, Sendable {
    /// Mail to the Gate, the Lobby or the session's room.
    case send(SessionMail)
    /// Queue a line on this session's connection.
    case write(ServerLine)
    /// Queue an IRC line on this session's connection (an `IRCSession`'s only kind of write).
    case writeIRC(IRCMessage)
    /// Close the connection once the lines written before are sent (or given up on).
    case closeConnection
    /// The session has finished: it is out of every room and logged out.
    case retire
}

/// The mail a session may send.
public enum SessionMail: Equatable, Sendable {
    case gate(GateMessage)
    case lobby(LobbyMessage)
    case room(RoomID, RoomMessage)

    /// A request from a member to the room it is in, wherever that room lives.
    public static func toRoom(_ room: RoomID, _ request: MemberRequest) -> SessionMail {
        room == .global ? .lobby(.member(request)) : .room(room, .member(request))
    }

    /// The envelope for a mailbox or a lane.
    public var mail: Mail {
        switch self {
        case .gate(let message): return .gate(message)
        case .lobby(let message): return .lobby(message)
        case .room(let id, let message): return .room(id, message)
        }
    }
}

/// What the Gate asks: answers to sessions, rows from the store, hashes from the pool.
public enum GateEffect: Equatable, Sendable {
    case session(SessionID, SessionMessage)
    case store(StoreRequest)
    case hasher(HashRequest)

    /// The envelope for a mailbox or a lane.
    public var mail: Mail {
        switch self {
        case .session(let id, let message): return .session(id, message)
        case .store(let request): return .store(request)
        case .hasher(let request): return .hasher(request)
        }
    }
}

/// What the Lobby asks: lines and answers to sessions, admissions to rooms, the store,
/// and a room's actor started before the mail addressed to it.
public enum LobbyEffect: Equatable, Sendable {
    case session(SessionID, SessionMessage)
    case room(RoomID, RoomMessage)
    case store(StoreRequest)
    /// Start a temporary room's actor; comes before any mail addressed to the room.
    case spawnRoom(RoomID, Name)

    /// The envelope, for every output but a spawn.
    public var mail: Mail? {
        switch self {
        case .session(let id, let message): return .session(id, message)
        case .room(let id, let message): return .room(id, message)
        case .store(let request): return .store(request)
        case .spawnRoom: return nil
        }
    }
}

/// What a temporary Room asks: lines to its members, word to the Lobby, the store, and
/// its own end.
public enum RoomEffect: Equatable, Sendable {
    case session(SessionID, SessionMessage)
    case lobby(LobbyMessage)
    case store(StoreRequest)
    /// The room has finished: its mailbox and thread may go. Its last output.
    case retire

    /// The envelope, for every output but the retirement.
    public var mail: Mail? {
        switch self {
        case .session(let id, let message): return .session(id, message)
        case .lobby(let message): return .lobby(message)
        case .store(let request): return .store(request)
        case .retire: return nil
        }
    }
}

/// The outputs a `Roster` writes: lines to members and requests to the store, the same
/// for the Lobby's global room and a temporary Room.
protocol RosterOutput {
    static func session(_ id: SessionID, _ message: SessionMessage) -> Self
    static func store(_ request: StoreRequest) -> Self
}

extension LobbyEffect: RosterOutput {}
extension RoomEffect: RosterOutput {}
