import ChatCore

/// One connection and the session actor serving it, with the wire in both directions and
/// the checker's bookkeeping for it.
struct SessionSlot<Actor: SessionBehaviour> {
    let name: ConnectionName
    let id: SessionID
    var actor: Actor
    /// The wake the session asked for, if any.
    var wake: Instant?
    /// The session said `retireSession`: nothing may be sent to it any more.
    var retired = false

    // The wire, client to server: bytes the network has not handed over yet, then the hang-up.
    var inbound: [UInt8] = []
    var inboundHead = 0
    /// Bytes ever typed on this connection, and where in that stream passwords are.
    var inboundTotal = 0
    var secrets: [Range<Int>] = []
    /// The stream position of `inbound[inboundHead]`.
    var consumedPosition: Int { inboundTotal - pendingInbound }
    var hangUpQueued = false
    // The wire, server to client: lines not yet read; nil is the close.
    var outbound: [ServerLine?] = []
    var outboundHead = 0
    /// The session closed the connection: nothing more is read from the client.
    var serverClosed = false
    /// The client is gone (hung up, or read the close): nothing more reaches it.
    var clientGone = false

    let netLane: Int
    let readLane: Int
    let tickLane: Int
    /// The hashing pool's jobs for this connection's logins.
    let hashLane: Int

    // What the checker knows.
    /// The room the checker last saw this session join, from the rooms' own member lists.
    var memberOf: RoomID?
    var joinedStep = 0
    /// The account the checker last saw this session hold.
    var account: Name?
    var audit = ConnectionAudit()

    var pendingInbound: Int { inbound.count - inboundHead }
    var hasOutbound: Bool { outboundHead < outbound.count }
    /// Both directions are open: the connection is checked for answers at quiescence.
    var isOpen: Bool { !serverClosed && !clientGone }
}

/// Counts on one connection that must balance at quiescence: every command answered,
/// every room message addressed to the session read by its client.
struct ConnectionAudit: Sendable {
    /// Lines typed that are commands (a line starting with `/`).
    var commandsSent = 0
    /// Lines typed that are room messages, and how many of them a room accepted.
    var saysSent = 0
    var saysAccepted = 0
    /// Store failures of this session's room messages, each answered with an error.
    var sayFailuresOwed = 0
    /// Answers read: OK, ERR, USERS, ROOMS.
    var answersRead = 0
    /// Room messages rooms delivered to this session, and how many its client read.
    var messagesOwed = 0
    var messagesRead = 0
    /// The last room sequence number read, per room: a room's order must rise.
    var lastRead: [(room: RoomID, seq: Int)] = []
    /// The last message number a room delivered from this sender, per room.
    var lastDelivered: [(room: RoomID, number: Int)] = []

    /// Answers a connection is owed: one per command, one per room message no room
    /// accepted (it was refused with an error), one per room message the store failed.
    var answersOwed: Int { commandsSent + (saysSent - saysAccepted) + sayFailuresOwed }
}

/// One temporary room's actor and the checker's view of it.
struct RoomSlot<Actor: RoomBehaviour> {
    var actor: Actor
    var retired = false
    var book = RoomBook()
    /// The session whose create made this room, until it enters.
    var creatorPending = true
}

/// The checker's view of one room (the global room's lives in the world).
struct RoomBook: Sendable {
    /// Members as the checker last saw them, by slot, in the order they came.
    var members: [Int] = []
    /// The next sequence number a delivered message gets.
    var nextSeq = 1
}

/// A simulated client: a person at a terminal, as much as the world needs to know.
struct ClientState: Sendable {
    let number: Int
    /// Its connections' slots, oldest first: connection n is `slots[n - 1]`.
    var slots: [Int] = []
    /// The slot of the connection it is using, if any.
    var current: Int?
    var reading = true
    /// The number of the next tagged text it types ("m3.7", "w3.8").
    var nextText = 1
    var linesTyped = 0
    /// What the client believes from what it has read.
    var belief = Belief.offline
    /// The room it believes it is in.
    var room = "global"

    enum Belief: Sendable, Equatable {
        case offline, anonymous, loggingIn, present
    }
}
