import ChatCore

/// One connection and the session actor serving it, with the wire in both directions.
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
    var outbound: [OutboundLine?] = []
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

    var pendingInbound: Int { inbound.count - inboundHead }
    var hasOutbound: Bool { outboundHead < outbound.count }
    /// Both directions are open: the connection is checked for answers at quiescence.
    var isOpen: Bool { !serverClosed && !clientGone }
}

/// One temporary room's actor.
struct RoomSlot<Actor: RoomBehaviour> {
    var actor: Actor
    var retired = false
}

/// A simulated client: a person at a terminal, as much as the world needs to know.
struct ClientState: Hashable, Sendable {
    let number: Int
    /// The client speaks IRC (an `IRCSession` serves its connections), not Parley's protocol.
    var speaksIRC = false
    /// IRC lines the client means to type next, in order (its registration, a retry).
    var script: [String] = []
    /// What an IRC client believes of its channel and its commands in flight.
    var irc = IRCClientView()
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
    /// The last account it saw join its room: whom a `/kick` aims at, so kicks meet members.
    var lastJoined: String?
    /// The last account it banned: whom an `/unban` aims at, so bans are lifted and the
    /// account's next login meets the lifted ban.
    var lastBanned: String?
    /// The account its last connection was banned as (`BYE banned`): a banned person tries
    /// that account again, and so meets the ban, or its lifting.
    var bannedAs: String?
    /// The account it last logged in as.
    var account: String?

    enum Belief: Sendable, Hashable {
        case offline, anonymous, loggingIn, present
    }
}
