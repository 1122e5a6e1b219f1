import ChatCore

/// The checker's reference model of the chat: what the answers may say. It is built only
/// from what clients typed and read, what the store (the simulator's own) did, and the
/// events the actors document in their outputs (a room's `entered` and `left`, the
/// Lobby's spawns, admissions and refusals, a room's `roomEmptied`), never by reading an
/// actor's state. Each actor is judged at the step it answers, against the model as that
/// actor's own earlier events left it, updated effect by effect in the order the actor
/// emitted them: so operations in flight are judged in the order the actor took them,
/// and a delivery is judged against the membership at the moment it was sent.
struct ReferenceModel {
    /// Live temporary rooms by name key, from the Lobby's spawn until it heard the room emptied.
    var liveRooms: [String: RoomRef] = [:]
    /// The name each room was spawned under, by id (retired ones too).
    var roomNames: [RoomID: Name] = [:]
    /// Rooms that said they emptied: from then on they turn every admission away.
    var emptied: Set<RoomID> = []
    /// Each room's members as its own events announced them, by session, with the account.
    var members: [RoomID: [SessionID: Name]] = [.global: [:]]
    /// Sessions on their way into a room, by the name they enter under: with history on
    /// they become members only when the room's history read comes back (`entered`).
    var arrivals: [SessionID: (room: RoomID, name: Name)] = [:]
    /// Kicked sessions whose leave has not reached their room: the room stays open for them.
    var departing: [RoomID: Set<SessionID>] = [:]
    /// Accounts by name key, spelled as the store keeps them (setup and registrations).
    var accounts: [String: Name] = [:]
    /// Per connection, indexed like the world's session slots.
    var sessions: [SessionModel] = []
    /// The session the Gate holds each account for (by key), from its grants and the logouts
    /// it took: who may `/ban`, and who must go when a ban is acknowledged.
    var gateHolders: [String: SessionID] = [:]

    /// The members' names as `/users` must list them: every account in the room, sorted by key.
    func userList(_ room: RoomID) -> [String] {
        (members[room] ?? [:]).values.map(\.text).sorted { $0.lowercased() < $1.lowercased() }
    }

    /// The room list `/chatrooms` must give: `global`, then every live room by key.
    var roomList: [String] {
        ["global"] + liveRooms.keys.sorted().map { liveRooms[$0]!.name.text }
    }

    /// A room's name as it was made (`global` for global): what its lines must say.
    func madeName(of room: RoomID) -> String? { room == .global ? "global" : roomNames[room]?.text }

    /// The session a history read let into `room` in this step, if one: its `joined` is about it.
    static func arrival(in room: RoomID, _ events: [ModelEvent]) -> SessionID? {
        for case .entered(let session, let ref) in events where ref.id == room { return session }
        return nil
    }

    /// The room a member is in, by the rooms' own word.
    func room(of session: SessionID) -> RoomID? {
        members.first { $0.value[session] != nil }?.key
    }
}

/// What the model knows of one connection: its lines, its bucket, its outbox and its
/// login deadline, from what its client sent and read and what its session emitted.
struct SessionModel {
    /// Where the connection stands on logging in, as its session's outputs said.
    enum Login: Hashable {
        /// Not logged in: the login deadline runs.
        case awaiting
        /// A login or registration is with the Gate since then: the deadline is paused.
        case authenticating(since: Instant)
        /// Logged in (or on the way in): no deadline any more.
        case done
    }

    let connected: Instant
    var login = Login.awaiting
    var loginDeadline: Instant
    /// Complete lines the network delivered to the session.
    var linesIn = 0
    /// Lines the session turned into requests or answers (one reaction each).
    var linesTaken = 0
    /// The credit a token bucket of the seed's rate and burst would have left after the
    /// lines taken so far, in nanoseconds, and when it last took one; nil before the first.
    var bucket: (credit: Int64, updated: Instant)?
    /// Bytes of lines the session queued on the connection (BYE lines aside) and bytes
    /// the client read of them.
    var written = 0
    var read = 0
    /// The login the session has at the Gate: the name as typed, and whether the password
    /// is the account's; and whether the store found the account for it.
    var pendingLogin: (name: Name, rightPassword: Bool, register: Bool)?
    var accountFound: Bool?
    /// Bytes of a line still arriving, and the lines arrived and not yet taken, in order.
    var partialLine: [UInt8] = []
    var waitingLines: [[UInt8]] = []
    /// The rest of a line answered as too long while it arrived is dropped up to its newline:
    /// the bytes of that line so far, as the framer counts them (nil: no line is dropped).
    var droppedRun: Int?
    /// The room the session last entered, by the mail it was sent; nil before logging in.
    var presentIn: RoomID?
    /// The operator flag the Gate logged the session in with: `/ban` and `/unban` are theirs.
    var isOperator = false
    /// The account the Gate logged this connection in as (one a connection, at most).
    var granted: Name?
    /// An IRC connection was welcomed (`001`): from then on it shows its channel's lines.
    var welcomed = false
    /// The senders of whispers an IRC connection was sent after its login and before 001.
    var earlyWhispers: [String] = []
    var closed = false
    /// The connection ended, as the model saw it: lost, or closed by its session. From
    /// then on the session's way out of a room is a quit; before, a leave.
    var quitting = false
    /// A leave the session sent and its room has not answered with `left`.
    var leaveInFlight = false
    /// The message of the `/quit` its client typed (the words after the command), once the
    /// session took it: what the room must tell the others it quit with.
    var quitMessage: String?
    /// An IRC session's replies owed to lines its client sent, oldest first: `PONG` with a
    /// `PING`'s token, `421` naming a command IRC does not have (IRCRepliesCheck.swift).
    var ircRepliesOwed: [IRCReplyOwed] = []
    /// The channel an IRC session has shown its client it is in (by name key): where its
    /// own last `JOIN` put it, or `global` after a `KICK` of it from there. Nil before.
    var ircChannel: String?
    /// JOINs of each channel (by name key) its client sent that no `403` or `405` has
    /// refused and no `JOIN` of it has answered: a `403` naming a channel needs one.
    var ircJoinsOwed: [String: Int] = [:]
    /// LISTs its client sent and not yet ended by a `323`, oldest first: the channels each
    /// asked about (by name key), or nil for every channel.
    var ircListsOwed: [[String]?] = []
    /// The Lobby requests an IRC session sent for its JOIN in hand, oldest first (true: a
    /// create): `/join`, `/createchatroom` if there was no such room, one more `/join` if
    /// someone created it meanwhile (PROTOCOL.md, IRC). Cleared by its JOIN or its refusal.
    var ircMoveChain: [Bool] = []
    /// The lines an IRC session's client sent, by what its replies tell apart, and how many
    /// of the first of them its replies have shown taken (IRCFloodCheck.swift).
    var ircLines: [IRCLineKind] = []
    var ircShown = 0
    /// The first `QUIT` an IRC session's client sent, if any, and its reason as Parley's
    /// `/quit` message must carry it (nil: a bare quit), read from RFC 2812 and PROTOCOL.md.
    var ircQuitTyped = false
    var ircQuitReason: String?
    /// The session said its `/quit` goodbye (`ERROR :Closing link: see you`): it took that
    /// QUIT, so the room must tell the others its reason.
    var ircQuitTaken = false
    /// The account the client's last `PASS NAME:password` before its welcome named.
    var ircPassAccount: String?
    /// The KICKs an IRC session's client sent, as the checker reads them, oldest first, until
    /// a `/kick` the session sent shows them taken: what reason that `/kick` must carry.
    var ircKicksTyped: [IRCKickTyped] = []

    init(connected: Instant, deadline: Duration) {
        self.connected = connected
        self.loginDeadline = connected + deadline
    }

    var held: Int { linesIn - linesTaken }
    var outbox: Int { max(0, written - read) }
}
