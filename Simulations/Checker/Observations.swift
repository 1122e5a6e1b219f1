import ChatCore

/// What the checker keeps: its own model of the run, built only from what the actors were
/// sent and did and what clients saw. Nothing here is read from an actor's state or stored
/// in an actor's slot, so a broken actor cannot hide its bug from the checks (after
/// TigerBeetle's state checker).
struct Observations {
    /// Per connection, indexed like the world's session slots.
    var sessions: [SessionObservation] = []
    /// Per temporary room, indexed like the world's room slots.
    var rooms: [RoomObservation] = []
    /// The global room's members and numbering.
    var global = RoomBook()
    /// Which slot holds each account (name keys).
    var holders: [String: Int] = [:]
    var messages: MessageLedger
    /// Which tagged text each store ticket carries, per room.
    var storeTickets: [StoreTicket: TextTag] = [:]
    /// Room histories: the store's order per room life, reads, arrivals (HistoryCheck.swift).
    var history = HistoryBook()
    /// Sessions (by slot) whose connection abandoned a login, and the Gate tickets it has
    /// handed the hashing pool so far.
    var abandonedLogins: Set<Int> = []
    var ticketsHashed: Set<Ticket> = []
    /// Sessions (by slot) a room has kicked out, and the room, until they join it again.
    var kickedFrom: [Int: RoomID] = [:]
    /// Bans and unbans the Gate asked the store for, and the accounts (name keys) whose
    /// chat ban the store has acknowledged.
    var banTickets: [Ticket: BanTicket] = [:]
    var chatBanned: Set<String> = []
    /// Accounts a chat `/unban` freed: the setup's ban no longer holds for them.
    var chatUnbanned: Set<String> = []
    /// Scratch marks, one per session, for finding duplicates in one step without a Set.
    var stamps: [Int] = []

    init(clients: Int) {
        messages = MessageLedger(clients: clients)
    }

    mutating func addSession() {
        sessions.append(SessionObservation())
        stamps.append(0)
    }
}

/// What the checker knows of one connection.
struct SessionObservation {
    /// The room the checker last saw this session join, from the rooms' own member lists.
    var memberOf: RoomID?
    var joinedStep = 0
    /// The account the checker last saw this session hold.
    var account: Name?
    var audit = ConnectionAudit()
    /// For an IRC connection: whether each line it queued was history, in order, and how
    /// many its client has read (World+IRCReads.swift).
    var ircHistory: [Bool] = []
    var ircRead = 0
    /// The last nick typed on an IRC connection before its welcome.
    var ircNick: String?
}

/// What the checker knows of one temporary room.
struct RoomObservation {
    var book = RoomBook()
    /// The session whose create made this room, until it enters.
    var creatorPending = true
    /// The member the checker holds to be the owner: the creator, then the one there longest.
    var owner: Int?
    /// The step the ownership last passed on (0: never).
    var ownerChangedStep = 0
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

/// The checker's view of one room (the global room's lives in the world).
struct RoomBook: Hashable, Sendable {
    /// Members as the checker last saw them, by slot, in the order they came.
    var members: [Int] = []
    /// The next sequence number a delivered message gets.
    var nextSeq = 1
}
