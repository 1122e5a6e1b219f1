import ChatCore

/// What an IRC client believes from the lines it typed and read: the nick it registered
/// with, the channel it is in (by its own JOIN, PART and KICK lines), and the commands it
/// has in flight. The checker's IRC invariants and hazards read it (World+IRCReads.swift).
struct IRCClientView: Sendable, Hashable {
    var registrationStarted = false
    /// The nick it sent, as typed.
    var nick: String?
    var welcomed = false
    /// The channel it is in, by name key; nil before its first JOIN, after a PART or a KICK.
    var channel: String?
    /// A `PART` of this channel typed and not yet answered by the client's own PART line.
    var partTyped: String?
    /// `JOIN`s typed and not yet answered by a JOIN of the client (or an error).
    var joinsInFlight = 0
    /// A `JOIN` of this channel typed while in another temporary room.
    var joinWhileIn: String?
    var quitTyped = false
    /// It asked for echo-message: every message it sends is answered (its echo or an error).
    var echoes = false
    /// Its PRIVMSGs and NOTICEs typed and not yet answered, oldest first (World+IRCAnswers.swift).
    var typed: [IRCTypedMessage] = []
    /// The number of the first tagged text typed on this connection (older ones are not its).
    var firstTyped: Int?
    /// The numbers of its tagged texts answered (or passed over) on this connection.
    var answered: Set<Int> = []

    /// Resets for a new connection.
    mutating func connected() { self = IRCClientView() }

    /// The client typed a line: what it now expects.
    mutating func note(typed line: String, belief: inout ClientState.Belief) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let verb = words.first?.uppercased() else { return }
        switch verb {
        case "CAP", "USER": registrationStarted = true
        case "NICK" where !welcomed:
            registrationStarted = true
            nick = words.count > 1 ? String(words[1]) : nil
        case "AUTHENTICATE" where words.count == 3, "PASS":
            if belief == .anonymous { belief = .loggingIn }
        case "JOIN" where welcomed && words.count > 1 && words[1] == "0":
            // JOIN 0 parts the channel it is in (from global: Parley's /leave, goodbye).
            if let here = channel { partTyped = here }
        case "JOIN" where welcomed && words.count > 1:
            let targets = words[1].split(separator: ",").map { $0.dropFirst().lowercased() }
            if let here = channel, here != "global", let last = targets.last, last != here { joinWhileIn = last }
            joinsInFlight += 1
        case "PART" where welcomed && words.count > 1:
            let target = words[1].dropFirst().lowercased()
            if target == channel { partTyped = target }
        case "QUIT": quitTyped = true
        default: break
        }
    }
}

/// A tagged PRIVMSG or NOTICE an IRC client typed, waiting for its answer: its echo, or
/// for a PRIVMSG the 404 or 401 that refuses it.
struct IRCTypedMessage: Sendable, Hashable {
    let tag: TextTag
    /// `#room` or a nick, lowercased, as typed.
    let target: String
    let notice: Bool
    /// Typed before the client read its KICK: the room let go of it, and may never answer.
    var mayGoUnanswered = false

    var toChannel: Bool { target.hasPrefix("#") }
}

extension ClientState {
    /// What typing an IRC line makes the client expect.
    mutating func note(typedIRC line: String) { irc.note(typed: line, belief: &belief) }
}
