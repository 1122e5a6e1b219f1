/// What the actors ask of the store. The storage thread (production) or the simulator's
/// store answers each request that has a ticket with exactly one `StoreReply`, in order.
public enum StoreRequest: Hashable, Sendable {
    case createAccount(Ticket, Name, PasswordHash, at: Instant, replyTo: Address)
    case fetchAccount(Ticket, Name, replyTo: Address)
    case updatePasswordHash(Name, PasswordHash)
    /// `/ban` (true) or `/unban` (false): answered `banChanged`, or `accountMissing`.
    case setBanned(Ticket, Name, Bool, replyTo: Address)
    case appendMessage(Ticket, ChatRecord, replyTo: Address)
    case audit(AuditRecord)
    /// The newest `limit` room messages (no whispers) of one room's life, oldest first.
    case readHistory(Ticket, room: RoomID, limit: Int, replyTo: Address)

    /// Who gets the reply, if the request has one.
    public var replyTo: Address? {
        switch self {
        case .createAccount(_, _, _, _, let address), .fetchAccount(_, _, let address),
            .appendMessage(_, _, let address), .setBanned(_, _, _, let address),
            .readHistory(_, _, _, let address):
            return address
        case .updatePasswordHash, .audit:
            return nil
        }
    }
}

public enum StoreReply: Hashable, Sendable {
    case accountCreated(Ticket, Name)
    case accountNameTaken(Ticket)
    /// The account, its hash, and whether it is an operator (read at every login).
    case accountFound(Ticket, Name, PasswordHash, isOperator: Bool = false)
    case accountMissing(Ticket)
    /// The account exists and is banned: its logins are refused before any password check.
    case accountBanned(Ticket)
    case messageStored(Ticket)
    /// A `setBanned` is stored: the account's flag now says what was asked.
    case banChanged(Ticket)
    case history(Ticket, [HistoryEntry])
    case failed(Ticket)
}

/// A chat message as the store keeps it. A whisper has a recipient.
public struct ChatRecord: Hashable, Sendable {
    public let room: Name
    /// Which life of the room: a room's history is its own life's messages only, and a new
    /// room with an old name starts empty. `global` is always `RoomID.global`.
    public let life: RoomID
    public let sender: Name
    public let recipient: Name?
    public let text: String
    public let at: Instant
    /// A `/me` action rather than a plain message.
    public let isAction: Bool

    public init(
        room: Name, life: RoomID, sender: Name, recipient: Name?, text: String, at: Instant, isAction: Bool = false
    ) {
        self.room = room
        self.life = life
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.at = at
        self.isAction = isAction
    }
}

/// One line of the audit log.
public struct AuditRecord: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case registered, login, loginFailed = "login-failed", loginBanned = "login-banned", logout
        case roomCreated = "room-created", roomClosed = "room-closed"
        /// Moderation: `account` is who acted; `detail` is `TARGET` then, after a space, the reason.
        case kick, ban, unban
        case passwordChanged = "password-changed"
    }

    public let kind: Kind
    public let account: Name?
    public let address: String?
    public let detail: String?
    public let at: Instant

    public init(_ kind: Kind, account: Name?, address: String? = nil, detail: String? = nil, at: Instant) {
        self.kind = kind
        self.account = account
        self.address = address
        self.detail = detail
        self.at = at
    }
}
