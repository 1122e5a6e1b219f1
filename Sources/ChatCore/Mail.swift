/// Where a message goes.
public enum Address: Hashable, Sendable, CustomStringConvertible {
    case session(SessionID)
    case gate
    case lobby
    case room(RoomID)
    case store
    case hasher

    public var description: String {
        switch self {
        case .session(let id): return "\(id)"
        case .gate: return "gate"
        case .lobby: return "lobby"
        case .room(let id): return "\(id)"
        case .store: return "store"
        case .hasher: return "hasher"
        }
    }
}

/// The envelope every mailbox and lane carries: a message and its recipient. Actors never
/// produce `Mail` themselves: each has its own output type (`ActorOutputs.swift`), which
/// names only the recipients that actor may reach.
public enum Mail: Hashable, Sendable {
    case session(SessionID, SessionMessage)
    case gate(GateMessage)
    case lobby(LobbyMessage)
    case room(RoomID, RoomMessage)
    case store(StoreRequest)
    case hasher(HashRequest)

    public var address: Address {
        switch self {
        case .session(let id, _): return .session(id)
        case .gate: return .gate
        case .lobby: return .lobby
        case .room(let id, _): return .room(id)
        case .store: return .store
        case .hasher: return .hasher
        }
    }

    /// The store's reply, addressed to the actor that asked.
    public static func storeReply(to address: Address, _ reply: StoreReply) -> Mail? {
        switch address {
        case .gate: return .gate(.store(reply))
        case .lobby: return .lobby(.store(reply))
        case .room(let id): return .room(id, .store(reply))
        case .session, .store, .hasher: return nil
        }
    }
}

/// Mail for a Session.
public enum SessionMessage: Hashable, Sendable {
    /// The Gate logged this session in as the account (registration included).
    /// `isOperator` is the account's flag as the store had it at this login.
    case loggedIn(Name, registered: Bool, isOperator: Bool = false)
    /// The Gate refused the login or registration.
    case loginRefused(ErrorCode, String)
    /// Another login took the account: say goodbye and get out.
    case replaced
    /// An operator banned the account: say goodbye and get out.
    case banned
    /// The room put this session out (`/kick`); the line says who and why. Out of a
    /// temporary room the session returns to `global`; out of `global` it is disconnected.
    case kicked(RoomID, ServerLine)
    /// The session is now a member of this room.
    case entered(RoomRef)
    /// A create or join was refused; the session is still in `global`.
    case moveRefused(ErrorCode, String)
    /// The session is out of this room; the room sends it nothing more.
    case left(RoomID)
    /// A line for the connection.
    case deliver(ServerLine)
}

/// What a member asks of its room (global or temporary).
public enum MemberRequest: Hashable, Sendable {
    case say(SessionID, text: String)
    /// `/me`: an action line, stored and delivered like a message.
    case act(SessionID, text: String)
    case whisper(SessionID, to: Name, text: String)
    case users(SessionID)
    /// `/leave`, or a move's or a kick's way out: the others hear `NAME left`.
    case leave(SessionID)
    /// Out of the room because the connection ended (`/quit`, BYE, lost): the others hear
    /// `NAME quit`, with the `/quit` message if there was one (IRC shows it as QUIT).
    case quit(SessionID, message: String?)
    /// `/kick`: `by` is the kicker's account; `asOperator` is its operator flag, which the
    /// session learnt at login. The room decides whether that is enough.
    case kick(SessionID, by: Name, target: Name, reason: String?, asOperator: Bool)
    /// `/help` in a room: the room knows who owns it; `asOperator` is the session's flag.
    case help(SessionID, asOperator: Bool)
    /// Out of the room as the server shuts down, with no word to the others: they are all
    /// leaving too, and telling each of n members about n - 1 departures costs n² lines.
    case leaveAtShutdown(SessionID)
    /// `/history N`: the room's newest N messages again.
    case history(SessionID, lines: Int)
}

/// Mail for the Gate.
public enum GateMessage: Hashable, Sendable {
    case register(SessionID, Name, Password, address: String)
    case login(SessionID, Name, Password, address: String)
    /// The session is out of every room and done with the account.
    case logout(SessionID, Name, reason: LogoutReason)
    /// The session closed while its login or registration was in flight: work for it that
    /// has not reached the hashing pool is dropped. The Gate still answers the session.
    case loginAbandoned(SessionID)
    case hashed(Ticket, PasswordHash)
    /// The hashing pool could not hash (out of memory): the registration is refused.
    case hashFailed(Ticket)
    case verified(Ticket, matches: Bool, rehashed: PasswordHash?)
    case store(StoreReply)
    /// `/ban` (`banning` true) or `/unban` from an operator's session.
    case setBanned(SessionID, by: Name, target: Name, reason: String?, banning: Bool)
    /// `/passwd OLD NEW`: checked like a login (and throttled like one), then re-hashed.
    case changePassword(SessionID, Name, old: Password, new: Password, address: String)
}

public enum LogoutReason: String, Equatable, Sendable {
    case quit, disconnected, replaced, flood, slowReader = "slow-reader", shutdown, kicked, banned
}

/// Mail for the Lobby: the global room and the directory of temporary rooms.
public enum LobbyMessage: Hashable, Sendable {
    case member(MemberRequest)
    /// A logged-in session with no room enters `global`.
    case enter(SessionID, Name)
    case create(SessionID, room: Name)
    case join(SessionID, room: Name)
    case listRooms(SessionID)
    /// A temporary room lost its last member and refuses new ones.
    case roomEmptied(RoomID)
    /// A room that had already emptied turned away a session the Lobby sent it.
    case admitRefused(RoomID, SessionID, Name)
    case store(StoreReply)
}

/// Mail for a temporary Room.
public enum RoomMessage: Hashable, Sendable {
    case member(MemberRequest)
    /// From the Lobby: the session leaves `global` for this room.
    case admit(SessionID, Name, created: Bool)
    /// From the Lobby, last of all: nothing more will be sent here.
    case shutdown
    case store(StoreReply)
}

/// Mail for the hashing pool. The reply goes to the Gate.
public enum HashRequest: Hashable, Sendable {
    case hash(Ticket, Password)
    case verify(Ticket, Password, against: PasswordHash)
}
