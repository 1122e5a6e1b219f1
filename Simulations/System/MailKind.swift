import ChatCore

/// What kind of mail sits at the head of a lane: recorded with each delivery so that a
/// fixture whose code has moved on notices that the mail it meant is not there.
public enum MailKind: String, Sendable, CaseIterable {
    // To a session.
    case loggedIn, loginRefused, replaced, banned, kicked, entered, moveRefused, left, deliver
    // From a member to its room.
    case say, act, whisper, users, leave, quit, leaveAtShutdown, kick, help
    // To the Gate.
    case register, login, logout, loginAbandoned, hashed, hashFailed, verified, setBanned, changePassword
    // To the Lobby.
    case enter, create, join, listRooms, roomEmptied, admitRefused
    // To a room.
    case admit, shutdown
    // To the store.
    case createAccount, fetchAccount, updatePasswordHash, storeBan, appendMessage, audit
    // From the store.
    case accountCreated, accountNameTaken, accountFound, accountMissing, accountBanned, banChanged, messageStored,
        failed
    // To the hashing pool.
    case hash, verify
    // History: a member's /history, the store's read and its answer (last, so the kinds
    // before keep their numbers).
    case history, readHistory, historyRead

    public init(_ mail: Mail) {
        switch mail {
        case .session(_, let message): self.init(message)
        case .gate(let message): self.init(message)
        case .lobby(let message): self.init(message)
        case .room(_, let message): self.init(message)
        case .store(let request): self.init(request)
        case .hasher(.hash): self = .hash
        case .hasher(.verify): self = .verify
        }
    }

    init(_ message: SessionMessage) {
        switch message {
        case .loggedIn: self = .loggedIn
        case .loginRefused: self = .loginRefused
        case .replaced: self = .replaced
        case .banned: self = .banned
        case .kicked: self = .kicked
        case .entered: self = .entered
        case .moveRefused: self = .moveRefused
        case .left: self = .left
        case .deliver: self = .deliver
        }
    }

    init(_ request: MemberRequest) {
        switch request {
        case .say: self = .say
        case .act: self = .act
        case .whisper: self = .whisper
        case .users: self = .users
        case .leave: self = .leave
        case .quit: self = .quit
        case .kick: self = .kick
        case .help: self = .help
        case .leaveAtShutdown: self = .leaveAtShutdown
        case .history: self = .history
        }
    }

    init(_ message: GateMessage) {
        switch message {
        case .register: self = .register
        case .login: self = .login
        case .logout: self = .logout
        case .loginAbandoned: self = .loginAbandoned
        case .hashed: self = .hashed
        case .hashFailed: self = .hashFailed
        case .verified: self = .verified
        case .setBanned: self = .setBanned
        case .changePassword: self = .changePassword
        case .store(let reply): self.init(reply)
        }
    }

    init(_ message: LobbyMessage) {
        switch message {
        case .member(let request): self.init(request)
        case .enter: self = .enter
        case .create: self = .create
        case .join: self = .join
        case .listRooms: self = .listRooms
        case .roomEmptied: self = .roomEmptied
        case .admitRefused: self = .admitRefused
        case .store(let reply): self.init(reply)
        }
    }

    init(_ message: RoomMessage) {
        switch message {
        case .member(let request): self.init(request)
        case .admit: self = .admit
        case .shutdown: self = .shutdown
        case .store(let reply): self.init(reply)
        }
    }

    init(_ request: StoreRequest) {
        switch request {
        case .createAccount: self = .createAccount
        case .fetchAccount: self = .fetchAccount
        case .updatePasswordHash: self = .updatePasswordHash
        case .setBanned: self = .storeBan
        case .appendMessage: self = .appendMessage
        case .audit: self = .audit
        case .readHistory: self = .readHistory
        }
    }

    init(_ reply: StoreReply) {
        switch reply {
        case .accountCreated: self = .accountCreated
        case .accountNameTaken: self = .accountNameTaken
        case .accountFound: self = .accountFound
        case .accountMissing: self = .accountMissing
        case .accountBanned: self = .accountBanned
        case .banChanged: self = .banChanged
        case .messageStored: self = .messageStored
        case .failed: self = .failed
        case .history: self = .historyRead
        }
    }

}
