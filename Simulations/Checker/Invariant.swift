/// The invariants of DESIGN.md, one case each, as the simulator checks them.
public enum Invariant: String, Codable, Sendable, CaseIterable {
    /// An account has at most one live session (checked after every step).
    case oneSessionPerAccount = "one-session-per-account"
    /// A session is a member of at most one room at any moment (after every step).
    case oneRoomAtATime = "one-room-at-a-time"
    /// A room message reaches every member present from before it was sent until it was
    /// delivered, exactly once, and no one outside the room (at each delivery).
    case roomDelivery = "room-delivery"
    /// Every member sees a room's messages in one order, and one sender's keep theirs.
    case roomOrder = "room-order"
    /// A whisper reaches its target alone, or its sender gets an error; never both, never neither.
    case whisperOutcome = "whisper-outcome"
    /// Room names are unique among open rooms.
    case uniqueRoomNames = "unique-room-names"
    /// At quiescence every temporary room has members; empty ones are gone.
    case emptyRoomsGone = "empty-rooms-gone"
    /// At quiescence every logged-in session is in exactly one room, the room agrees, and
    /// the Gate's list of who is online agrees.
    case membershipAgrees = "membership-agrees"
    /// What the store holds matches what was delivered: no delivered message missing from
    /// it, none invented, none stored twice, every stored room message delivered.
    case storeMatchesDeliveries = "store-matches-deliveries"
    /// A line a session is sent reaches its connection unless the session is closing.
    case linesReachConnection = "lines-reach-connection"
    /// No mail is addressed to an actor that has retired (but a stale takeover notice).
    case noMailLost = "no-mail-lost"
    /// Password checks (verifies the Gate sends the hashing pool for logins) for one account
    /// from one address, and from one address over all accounts, stay within their limits
    /// in every window, those in flight included (LoginPolicyCheck.swift).
    case failedLoginBound = "failed-login-bound"
    /// Registrations the Gate takes on from one address (an IPv6 /64 as one) within any
    /// registration window never exceed the limit, and one is refused as rate-limited only
    /// when the window is full.
    case registrationBound = "registration-bound"
    /// The hashing pool never holds more jobs than its slots, more than one job from one
    /// address (loopback excepted, where the server exempts it), or more than one password
    /// check of one account: the Gate's queue holds the rest (LoginPolicyCheck.swift).
    case hashingPoolBound = "hashing-pool-bound"
    /// A login from an address that never failed a check and has no other login in flight
    /// is never refused as rate-limited, whatever others guessed at the account.
    case noStrangerLockout = "no-stranger-lockout"
    /// An (account, address) pair that fills its window waits the window, twice that the
    /// next time, and so on up to the longest backoff (a pair quiet that long after its
    /// wait starts over), and no login of the pair is taken on while it waits; and a login
    /// is refused as rate-limited only while such a wait runs or a window is full
    /// (LoginBackoffCheck.swift).
    case loginBackoff = "login-backoff"
    /// `wrong-credentials` answers a password check, for a missing account too (no shortcut
    /// whose timing tells which accounts exist).
    case wrongCredentialsChecked = "wrong-credentials-checked"
    /// A login whose connection has gone costs no more hashing: once the Gate hears a session
    /// abandoned its login, it sends the hashing pool no job for it that it had not sent before.
    case abandonedLoginDropped = "abandoned-login-dropped"
    /// A banned account never gets a live session: the Gate grants it no login.
    case bannedNeverLogsIn = "banned-never-logs-in"
    /// A kicked member gets nothing more from that room once the room has put it out.
    case kickedGetsNothing = "kicked-gets-nothing"
    /// Once a `/ban` is acknowledged the account's live session is told to go, and the
    /// account gets no session afterwards (until an unban is acknowledged).
    case bannedHasNoSession = "banned-has-no-session"
    /// A room has at most one owner, who is a member: its creator, then the member there longest.
    case oneOwner = "one-owner"
    /// A room message stored while someone enters the room reaches them exactly once, in
    /// the room's history or live, never both and never neither, in the room's order; the
    /// history comes before any live message of that room (HistoryCheck.swift).
    case historyOnce = "history-once"
    /// `USERS` and `ROOMS` list exactly the members and live rooms of the reference model,
    /// an `EVENT` reaches exactly the room's other members, a room message no one outside
    /// it, a whisper only its target (ReferenceModel.swift).
    case answerContents = "answer-contents"
    /// Each request gets the OK or ERR the reference model allows: a join of a missing room
    /// `no-such-room`, a create of a live one `name-taken`, a whisper to a name not in the
    /// room `no-such-user` (names compared without case), a login granted only for an
    /// account the store found and the right password, `wrong-credentials` never for those.
    case answerCodes = "answer-codes"
    /// No session takes a line a token bucket of the seed's rate and burst could not pay
    /// for (full at connect, refilled up to the burst), and
    /// `BYE flood` comes exactly when more lines wait than `maxHeldLines`.
    case floodBound = "flood-bound"
    /// No connection holds more unread bytes than `maxOutboxBytes`, and `BYE slow-reader`
    /// only when the next line could not fit.
    case slowReaderBound = "slow-reader-bound"
    /// `BYE login-timeout` only past the login deadline (paused while the Gate has the
    /// login), and always at the first tick past it; the timer is never set later.
    case loginDeadline = "login-deadline"
    /// An IRC client is put in a channel only once it is out of the one it was in: its
    /// own `PART` (or `KICK`) of the old channel comes before its `JOIN` of the new one.
    case ircPartBeforeJoin = "irc-part-before-join"
    /// An IRC session writes each Parley line it is sent as the IRC line it means: a room
    /// message as a PRIVMSG to the channel from its sender, a whisper as a PRIVMSG to the
    /// target's nick, `USERS` as NAMES (353/366) or WHO (352/315) of exactly those names,
    /// `ROOMS` as LIST (321/322/323) of exactly those rooms.
    case ircRendering = "irc-rendering"
    /// `001` comes only after the Gate logged the connection in, to the account's name,
    /// and the nick the client registered with is that account.
    case ircRegistration = "irc-registration"
    /// Every tagged PRIVMSG to a channel an IRC client reads was delivered by that room,
    /// from the nick of the account that sent it.
    case ircChannelMessages = "irc-channel-messages"
    /// An IRC client's messages are answered in the order it typed them, each by its own
    /// answer (its echo, or the 404, 401 or 451 that refuses it).
    case ircAnswerOrder = "irc-answer-order"
    /// Once faults stop, every mailbox drains, every session settles, every command is answered.
    case liveness
    /// The same seed gives the same trace.
    case determinism

    /// A line for a person.
    public var summary: String {
        switch self {
        case .oneSessionPerAccount: return "an account has at most one live session"
        case .oneRoomAtATime: return "a session is in at most one room at a time"
        case .roomDelivery:
            return "a room message reaches every member present throughout, exactly once, and no one outside"
        case .roomOrder: return "members see a room's messages in one order; one sender's keep their order"
        case .whisperOutcome: return "a whisper reaches its target alone, or its sender gets an error"
        case .uniqueRoomNames: return "room names are unique among live rooms"
        case .emptyRoomsGone: return "an empty temporary room is gone at quiescence"
        case .membershipAgrees: return "every logged-in user is in exactly one room, and the room agrees"
        case .storeMatchesDeliveries: return "what the store holds matches what was delivered"
        case .linesReachConnection: return "a line for a session reaches its connection"
        case .noMailLost: return "no mail is sent to an actor that has retired"
        case .failedLoginBound:
            return "password checks per account and address, and per address, stay within the limit in every window"
        case .registrationBound:
            return "registrations taken on from one address stay within the limit in every window"
        case .hashingPoolBound:
            return "the hashing pool holds at most its slots, one job per address and one password check per account"
        case .noStrangerLockout: return "a login from an address with no failed check is never refused as rate-limited"
        case .loginBackoff:
            return
                "a pair that fills its window waits, twice as long each time, and refusals come only from a wait or a full window"
        case .wrongCredentialsChecked:
            return "wrong-credentials always answers a password check, for missing accounts too"
        case .abandonedLoginDropped: return "a login abandoned by its connection sends no new work to the hashing pool"
        case .bannedNeverLogsIn: return "a banned account is granted no login"
        case .kickedGetsNothing: return "a kicked member gets nothing more from that room"
        case .bannedHasNoSession: return "a banned account has no live session once the ban is acknowledged"
        case .oneOwner: return "a room has at most one owner, who is a member, and it passes to the longest there"
        case .historyOnce:
            return "a message stored while someone enters a room reaches them once, in its history or live, in order"
        case .answerContents: return "USERS, ROOMS and EVENT lines say what the reference model holds"
        case .answerCodes: return "each request gets the OK or ERR the reference model allows"
        case .floodBound:
            return "no session takes more lines than its token bucket allows, and flood cuts off past the limit"
        case .slowReaderBound: return "no outbox passes its limit, and slow-reader cuts off only when a line cannot fit"
        case .loginDeadline: return "login-timeout comes exactly past the login deadline, paused while the Gate checks"
        case .ircPartBeforeJoin: return "an IRC client's PART of its channel comes before its JOIN of the next"
        case .ircRendering: return "an IRC session writes each Parley line as the IRC line it means"
        case .ircRegistration: return "001 only after a login, to the account's name, which is the nick"
        case .ircChannelMessages: return "every channel PRIVMSG was delivered by that room, from its sender's nick"
        case .ircAnswerOrder: return "an IRC client's messages are answered in the order typed, each by its own answer"
        case .liveness: return "once faults stop, every command is answered and every mailbox drains"
        case .determinism: return "the same seed gives the same trace"
        }
    }
}

/// A broken invariant: which, when, and what was seen.
public struct Violation: Equatable, Sendable, CustomStringConvertible {
    public let invariant: Invariant
    /// The step after which it was seen (the quiescence checks report the last step).
    public let step: Int
    public let detail: String

    public var description: String { "\(invariant.rawValue) at step \(step): \(detail)" }
}
