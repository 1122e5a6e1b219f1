/// The races of DESIGN.md's table, noticed when a run meets one. A fixture made for a
/// hazard fails on replay if the run no longer meets it: it never passes untested.
public enum Hazard: String, Codable, Sendable, CaseIterable {
    /// A join the Lobby forwarded reached a room that had just lost its last member.
    case joinRacingLastLeave = "join-racing-last-leave"
    /// A create lost to another create of the same name that was still landing.
    case createRacingCreate = "create-racing-create"
    /// An account logged in while it already had a live session.
    case secondLogin = "second-login"
    /// A login was granted by the logout of the session it replaced, or a newer one overtook it.
    case logoutRacingLogin = "logout-racing-login"
    /// A connection dropped while its session was between rooms or logging in.
    case disconnectMidMove = "disconnect-mid-move"
    /// A room message reached a session that had already left the room.
    case messageAfterLeaving = "message-after-leaving"
    /// A whisper's target left while the store was writing it.
    case whisperTargetLeft = "whisper-target-left"
    /// The store failed a write.
    case storeFailure = "store-failure"
    /// A reader too slow to keep up was cut off.
    case slowReader = "slow-reader"
    /// A flooder was cut off.
    case flood
    /// The Gate refused a login or registration as rate-limited.
    case loginThrottled = "login-throttled"
    /// The Gate refused a registration because its address had filled its window.
    case registrationThrottled = "registration-throttled"
    /// A login's password check waited in the Gate's queue (its account or address had one
    /// in flight, or the hashing pool was full).
    case loginQueued = "login-queued"
    /// One address filled its window of checks for one account, and was checked again
    /// after the window had passed.
    case guessWindowReopened = "guess-window-reopened"
    /// One address filled its window of checks for one account again after waiting out a
    /// backoff, so it waits longer this time.
    case backoffGrew = "backoff-grew"
    /// A connection went while its login waited in the Gate (for the store or in the
    /// hashing queue), so the Gate had work to drop.
    case loginAbandoned = "login-abandoned"
    /// A login for a banned account reached the Gate (and had to be refused).
    case bannedLogin = "banned-login"
    /// A room kicked a member.
    case kick
    /// A member's leave reached the room after the room had kicked it.
    case kickRacingLeave = "kick-racing-leave"
    /// A create or join reached the Lobby from a session it had just kicked out of global.
    case kickRacingMove = "kick-racing-move"
    /// The store acknowledged a chat `/ban`.
    case chatBan = "chat-ban"
    /// A job went to the hashing pool ahead of an address that had waited longer but had
    /// been served more recently (the queue's turn by service, not by arrival).
    case hashQueueTurn = "hash-queue-turn"
    /// A `/history` read came back to a room its member had left meanwhile (the room
    /// answered the member at its leave).
    case historyOutAtLeave = "history-out-at-leave"
    /// The store failed a history read: an arrival got its missed lines live, a `/history`
    /// its error.
    case historyReadFailed = "history-read-failed"
    /// ... and an arrival whose read failed had missed room messages while it waited.
    case missedLiveAfterFailedRead = "missed-live-after-failed-read"
    /// A login or a takeover was refused because a ban was acknowledged while it was in flight.
    case banRacingLogin = "ban-racing-login"
    /// An account was logged in after an `/unban` lifted a ban of it (acknowledged in the
    /// run, or the world's): the lifted ban must not refuse it.
    case loginAfterUnban = "login-after-unban"
    /// A line filled a session's outbox to exactly its limit, or was one byte too many for it.
    case outboxEdge = "outbox-edge"
    /// A kick's notice did not fit a slow reader's outbox: the session closes, and its quit,
    /// not a leave, takes it out of the room (fixtures/answer-contents-seed6162.json).
    case kickedSlowReader = "kicked-slow-reader"
    /// A session arrived at a room whose ownership had passed on.
    case ownerLeftWhileJoining = "owner-left-while-joining"
    /// The store failed a message whose sender the room had kicked while the store had it
    /// (the sender hears nothing of it).
    case kickedSenderStoreFailed = "kicked-sender-store-failed"
    /// A room delivered a message while a session waited for that room's history: the
    /// message was stored while the history read was in flight.
    case storedWhileJoining = "stored-while-joining"
    /// A connection that had not logged in by its deadline was closed (`BYE login-timeout`).
    case loginTimeout = "login-timeout"
    /// An IRC client joined a channel while in a temporary room: its session left it first.
    case ircJoinWhileInRoom = "irc-join-while-in-room"
    /// A channel message reached an IRC client after it typed PART and before its PART came back.
    case ircPartRacingMessage = "irc-part-racing-message"
    /// An IRC client whispered to an account's nick that was not in its room (401).
    case ircWhisperAbsentNick = "irc-whisper-absent-nick"
    /// An IRC client typed a JOIN while another of its JOINs was still in flight.
    case ircSecondJoinInFlight = "irc-second-join-in-flight"
    /// A channel message reached an IRC client after it typed QUIT.
    case ircQuitRacingMessage = "irc-quit-racing-message"
    /// An IRC client typed a PART or JOIN while messages it had typed were still unanswered.
    case ircMoveBehindMessages = "irc-move-behind-messages"
    /// A connection ended while its /leave (or a PART) was still on its way to the room:
    /// the room says the session left, not that it quit.
    case leaveRacingQuit = "leave-racing-quit"

    var bit: UInt64 { 1 << UInt64(Hazard.allCases.firstIndex(of: self)!) }
}

/// The hazards a run has met so far.
public struct Hazards: Equatable, Sendable {
    public private(set) var bits: UInt64 = 0

    public init() {}

    public func contains(_ hazard: Hazard) -> Bool { bits & hazard.bit != 0 }
    mutating func insert(_ hazard: Hazard) { bits |= hazard.bit }

    public var all: [Hazard] { Hazard.allCases.filter(contains) }
}
