import ChatCore

/// What the reference model reads of one output of the Lobby or a room: the documented
/// events that move members and rooms, the lines sent, and the store asked to keep a text.
enum ModelEvent {
    case deliver(SessionID, ServerLine)
    case entered(SessionID, RoomRef)
    case left(SessionID, RoomID)
    case moveRefused(SessionID, ErrorCode)
    case admit(RoomID, SessionID, created: Bool)
    case spawn(RoomID, Name)
    case emptied(RoomID)
    case admitRefused(RoomID, SessionID)
    case storeAppend
    /// A room put this session out with `/kick`: it is no member from this output on.
    case kicked(SessionID, RoomID)
    /// Anything the model does not read (audit records, the other answers to sessions, retiring).
    case other

    init(_ mail: Mail?) {
        switch mail {
        case .session(let id, .deliver(let line))?: self = .deliver(id, line)
        case .session(let id, .entered(let room))?: self = .entered(id, room)
        case .session(let id, .left(let room))?: self = .left(id, room)
        case .session(let id, .moveRefused(let code, _))?: self = .moveRefused(id, code)
        case .session(let id, .kicked(let room, _))?: self = .kicked(id, room)
        case .room(let room, .admit(let id, _, let created))?: self = .admit(room, id, created: created)
        case .lobby(.roomEmptied(let room))?: self = .emptied(room)
        case .lobby(.admitRefused(let room, let id, _))?: self = .admitRefused(room, id)
        case .store(.appendMessage)?: self = .storeAppend
        default: self = .other
        }
    }
}

/// The outputs the model reads, from the Lobby and from rooms alike.
protocol ModelOutput {
    var modelEvent: ModelEvent { get }
}

extension LobbyEffect: ModelOutput {
    var modelEvent: ModelEvent {
        if case .spawnRoom(let id, let name) = self { return .spawn(id, name) }
        return ModelEvent(mail)
    }
}

extension RoomEffect: ModelOutput {
    var modelEvent: ModelEvent { ModelEvent(mail) }
}

extension MemberRequest {
    var isKick: Bool {
        if case .kick = self { return true }
        return false
    }

    /// The member who asked.
    var session: SessionID {
        switch self {
        case .say(let id, _), .act(let id, _), .whisper(let id, _, _), .users(let id), .leave(let id),
            .quit(let id, _), .leaveAtShutdown(let id), .history(let id, _), .kick(let id, _, _, _, _),
            .help(let id, _):
            return id
        }
    }
}

extension LobbyMessage {
    /// A step whose goings are not announced: the shutdown's.
    var isQuiet: Bool {
        if case .member(.leaveAtShutdown) = self { return true }
        return false
    }
}

extension RoomMessage {
    /// A step whose goings are not announced: the shutdown's.
    var isQuiet: Bool {
        switch self {
        case .member(.leaveAtShutdown), .shutdown: return true
        case .member, .admit, .store: return false
        }
    }
}
