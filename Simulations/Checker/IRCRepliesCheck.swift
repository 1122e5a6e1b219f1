import ChatCore

/// A reply an IRC session owes a line its client sent, read from the protocol (RFC 2812),
/// not from the session's parser.
enum IRCReplyOwed: Hashable, Sendable {
    /// `PING token`: `PONG server token`.
    case pong(token: String)
    /// A command IRC does not have: `421 nick COMMAND :Unknown command`.
    case unknownCommand(String)
    /// `TOPIC #channel`, asking: Parley rooms have none, `331 nick #channel :No topic is set`.
    case noTopic(channel: String)
    /// `NICK other` once welcomed: the nick is the account's, `433 nick other :...`.
    case nickRefused(String)
    /// The `NAMES` of a channel (by name key) that the session's own `JOIN` of it brings (at
    /// the welcome, back in `#global` after a PART or a KICK, in a room joined or created),
    /// ended by `366 nick #channel` before the session answers anything its client sent later.
    case names(channel: String)
    /// `JOIN 0`: it parts the channel it is in (RFC 2812 3.2.1, PROTOCOL.md): its own PART of
    /// it (or a KICK of it that came first), never a `403` naming `0`.
    case partAll
    /// `MODE nick`: `221 nick +` for its own nick in any case (a nick is its account's name,
    /// `CASEMAPPING=ascii`), `502` for another's (RFC 2812 3.1.5); nil: either (own modes changed).
    case userMode(own: Bool?)

    /// Whether `other` is owed the same kind of reply (answers are matched kind by kind).
    func isKind(of other: IRCReplyOwed) -> Bool {
        switch (self, other) {
        case (.pong, .pong), (.unknownCommand, .unknownCommand), (.noTopic, .noTopic), (.nickRefused, .nickRefused),
            (.names, .names), (.partAll, .partAll), (.userMode, .userMode):
            return true
        default: return false
        }
    }

    /// The commands of RFC 2812 and the IRCv3 ones a client may send; anything else is 421.
    static let ircCommands: Set<String> = [
        "ADMIN", "AUTHENTICATE", "AWAY", "CAP", "CONNECT", "DIE", "ERROR", "INFO", "INVITE", "ISON", "JOIN", "KICK",
        "KILL", "LINKS", "LIST", "LUSERS", "MODE", "MOTD", "NAMES", "NICK", "NOTICE", "OPER", "PART", "PASS", "PING",
        "PONG", "PRIVMSG", "QUIT", "REGISTER", "REHASH", "RESTART", "SERVICE", "SERVLIST", "SQUERY", "SQUIT", "STATS",
        "SUMMON", "TAGMSG", "TIME", "TOPIC", "TRACE", "USER", "USERHOST", "USERS", "VERSION", "WALLOPS", "WHO", "WHOIS",
        "WHOWAS",
    ]
}

// The IRC session's answers to its client's own lines, besides messages (World+IRCAnswers):
// owed in the order typed, kind by kind, so held lines and mail between do not matter.
extension World {
    /// The lines that ended in this chunk, as IRC frames them: what each is owed.
    mutating func noteIRCArrived(_ chunk: ArraySlice<UInt8>, on slot: Int) {
        let ended = noteArrived(chunk, on: slot)
        guard ended > 0 else { return }
        let lines = model.sessions[slot].waitingLines.suffix(ended)
        model.sessions[slot].waitingLines.removeLast(ended)
        // PING is answered before the welcome too; other commands only after it.
        let welcomed = model.sessions[slot].welcomed
        for line in lines {
            var words = String(decoding: line, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
            if words.first?.hasPrefix("@") == true { words.removeFirst() }  // tags
            if words.first?.hasPrefix(":") == true { words.removeFirst() }  // a source
            guard let verb = words.first?.uppercased() else { continue }
            if verb == "QUIT" {  // nothing after it is answered
                if !model.sessions[slot].ircQuitTyped {
                    model.sessions[slot].ircQuitTyped = true
                    model.sessions[slot].ircQuitReason = World.ircQuitReason(line)
                }
                return
            }
            if verb == "KICK" { model.sessions[slot].ircKicksTyped.append(IRCKickTyped(line)) }
            if verb == "LIST", welcomed {
                // `LIST #a,#b`: those channels; an item that names no channel matches nothing.
                let only = words.count > 1 ? (words[1].hasPrefix(":") ? words[1].dropFirst() : words[1][...]) : nil
                model.sessions[slot].ircListsOwed.append(
                    only.map { $0.split(separator: ",").compactMap { World.channelKey($0) } })
            }
            if verb == "JOIN", words.count > 1 {
                let list = words[1].hasPrefix(":") ? words[1].dropFirst() : words[1][...]
                for item in list.split(separator: ",") {
                    guard let key = World.channelKey(item) else { continue }
                    model.sessions[slot].ircJoinsOwed[key, default: 0] += 1
                }
            }
            if verb == "PING", words.count > 1 {
                let token = words[1].hasPrefix(":") ? String(words[1].dropFirst()) : String(words[1])
                if !token.isEmpty { model.sessions[slot].ircRepliesOwed.append(.pong(token: token)) }
            } else if welcomed, !IRCReplyOwed.ircCommands.contains(verb), verb.allSatisfy({ $0.isLetter }) {
                model.sessions[slot].ircRepliesOwed.append(.unknownCommand(verb))
            } else if welcomed, verb == "TOPIC", words.count == 2, let key = World.channelKey(words[1]) {
                model.sessions[slot].ircRepliesOwed.append(.noTopic(channel: key))
            } else if welcomed, verb == "JOIN", words.count == 2, words[1] == "0" || words[1] == ":0" {
                model.sessions[slot].ircRepliesOwed.append(.partAll)
            } else if welcomed, verb == "MODE", words.count > 1, case let target = words[1].trimmingPrefix(":"),
                !target.hasPrefix("#")
            {
                let own = Name(String(target))?.key == model.sessions[slot].granted?.key
                model.sessions[slot].ircRepliesOwed.append(.userMode(own: own && words.count > 2 ? nil : own))
            } else if welcomed, verb == "NICK", words.count == 2, !words[1].hasPrefix(":"),
                Name(String(words[1]))?.key != model.sessions[slot].granted?.key
            {
                model.sessions[slot].ircRepliesOwed.append(.nickRefused(String(words[1])))
            }
        }
    }

    /// A `323` ended a LIST's answer, whose `322`s named `listed`. From global the live rooms
    /// answer it (judged with the `ROOMS` line that brought it); from any other channel,
    /// where Parley lists no rooms, it is that channel alone, if the LIST asked about it.
    mutating func judgeListEnd(listing listed: [String?], fromRooms: Bool, on slot: Int) {
        guard !model.sessions[slot].ircListsOwed.isEmpty else { return }
        let only = model.sessions[slot].ircListsOwed.removeFirst()
        guard !fromRooms, let here = model.sessions[slot].ircChannel, here != Name.global.key else { return }
        let owed = only?.contains(here) ?? true ? [here] : []
        if listed != owed {
            fail(
                .ircRendering,
                "\(sessions[slot].name) in #\(here) was listed [\(listed.map { $0 ?? "?" }.joined(separator: " "))] for a LIST of \(only.map { $0.joined(separator: ",") } ?? "every channel")"
            )
        }
    }

    /// The oldest reply owed of `kind`'s kind is answered by `message`; `fits` says whether
    /// it answers it rightly.
    private mutating func answer(
        _ kind: IRCReplyOwed, with message: IRCMessage, on slot: Int, fits: (IRCReplyOwed) -> Bool
    ) {
        guard let index = model.sessions[slot].ircRepliesOwed.firstIndex(where: { $0.isKind(of: kind) }) else {
            return  // asked in a form the checker does not owe (a channel no rule allows, say)
        }
        judgeNoneSkipped(before: index, answered: message, on: slot)
        let owed = model.sessions[slot].ircRepliesOwed.remove(at: index)
        if !fits(owed) {
            fail(
                .ircRendering,
                "\(sessions[slot].name) was owed \(owed) and written \(message.command) \(message.parameters)")
        }
    }

    /// PING, TOPIC, NICK and a command IRC lacks are answered as the session takes their
    /// lines, one by one in the order sent, and none is taken while the NAMES an own JOIN brings is
    /// in flight (only messages go on while something is): a reply to a later one while an
    /// earlier one is still owed means the earlier went unanswered (or was answered as
    /// something else). Not judged at a close: a session cut off (a ping timeout, say) with
    /// lines held behind a reply still in flight owes them nothing.
    private mutating func judgeNoneSkipped(before index: Int, answered message: IRCMessage, on slot: Int) {
        guard let skipped = model.sessions[slot].ircRepliesOwed.prefix(index).first else { return }
        fail(
            .ircRendering,
            "\(sessions[slot].name) was written \(message.command) \(message.parameters) still owing \(skipped)")
    }

    /// Between its own JOIN of a channel and that channel's 366 the session takes none of its
    /// client's lines (IRCSession runs the NAMES before them): nothing that shows a line
    /// taken (IRCFloodCheck.swift) is written or sent while such a NAMES is owed.
    mutating func judgeNamesFirst(_ effect: SessionEffect, on slot: Int) {
        guard model.sessions[slot].welcomed, let reply = IRCTakenReply(effect),
            let owed = model.sessions[slot].ircRepliesOwed.first(where: { $0.isKind(of: .names(channel: "")) }),
            case .names(let channel) = owed
        else { return }
        if case .welcome = reply { return }
        let shown: String
        switch effect {
        case .writeIRC(let message): shown = "wrote \(message.command) \(message.parameters)"
        case .send(let mail): shown = "sent \(mail)"
        default: shown = "\(effect)"
        }
        fail(
            .ircRendering,
            "\(sessions[slot].name) took a line of its client (it \(shown)) after its JOIN of #\(channel) and before that channel's NAMES (366)"
        )
    }

    /// A JOIN's request to the Lobby (a join or a create), for `judgeJoinGivenUp`.
    mutating func noteIRCMove(_ mail: SessionMail, on slot: Int) {
        switch mail {
        case .lobby(.join): model.sessions[slot].ircMoveChain.append(false)
        case .lobby(.create): model.sessions[slot].ircMoveChain.append(true)
        default: break
        }
    }

    /// A JOIN given up (`403`/`405`) on a Lobby refusal must have tried what the protocol
    /// says first: no such room is followed by a create, a name taken by a create by one
    /// more join; the join after a create, or any other refusal, may be the last word.
    private mutating func judgeJoinGivenUp(_ message: IRCMessage, refusal: ErrorCode?, on slot: Int) {
        let chain = model.sessions[slot].ircMoveChain
        model.sessions[slot].ircMoveChain.removeAll()
        guard let refusal, let last = chain.last else { return }
        let retried = chain.dropLast().contains(true)
        let owedMore = last ? refusal == .nameTaken : !retried && refusal == .noSuchRoom
        if owedMore {
            fail(
                .ircRendering,
                "\(sessions[slot].name) gave up its JOIN of \(message.parameters[1]) (\(message.command)) on \(refusal.rawValue) after \(last ? "a create" : "a join"); the protocol tries \(last ? "one more join" : "a create") first"
            )
        }
    }

    /// A channel's name key, if `text` names a channel: `#` and a Parley room name.
    static func channelKey(_ text: some StringProtocol) -> String? {
        guard text.first == "#", let name = Name(String(text.dropFirst())) else { return nil }
        return name.key
    }

    /// A PONG or 421 the session wrote answers the oldest line owed one of its kind. Its
    /// own JOINs and KICKs say which channel it has shown its client; a `442` (not on that
    /// channel) must not name that one, and a `403` naming a channel must answer a JOIN
    /// of it (a PART of a channel it is not on is `442`, RFC 2812 3.2.2).
    mutating func judgeIRCReply(_ message: IRCMessage, on slot: Int, refusal: ErrorCode? = nil) {
        let name = sessions[slot].name
        // Nicks are account names on Parley: the one the Gate granted (its loggedIn mail).
        let nick = model.sessions[slot].granted?.key
        let fromSelf = message.source?.split(separator: "!").first.flatMap { Name(String($0)) }?.key == nick
        switch message.command {
        case "JOIN" where fromSelf && nick != nil:
            guard let key = message.parameters.first.flatMap(World.channelKey) else { return }
            model.sessions[slot].ircChannel = key
            model.sessions[slot].ircMoveChain.removeAll()
            // IRCSession runs the channel's NAMES next, before any line its client sent.
            model.sessions[slot].ircRepliesOwed.append(.names(channel: key))
            if let owed = model.sessions[slot].ircJoinsOwed[key], owed > 0 {
                model.sessions[slot].ircJoinsOwed[key] = owed - 1
            }
        case "PART" where fromSelf && nick != nil:
            // Lenient: a PART or JOIN its client typed before may part it first.
            if let index = model.sessions[slot].ircRepliesOwed.firstIndex(of: .partAll) {
                model.sessions[slot].ircRepliesOwed.remove(at: index)
            }
        case "KICK" where message.parameters.count > 1 && Name(message.parameters[1])?.key == nick && nick != nil:
            if message.parameters.first.flatMap(World.channelKey) == model.sessions[slot].ircChannel {
                // A kick while its JOIN 0 was on its way parts it (no PART follows).
                if let index = model.sessions[slot].ircRepliesOwed.firstIndex(of: .partAll) {
                    model.sessions[slot].ircRepliesOwed.remove(at: index)
                }
                // What was in flight there is dropped with the kick, a LIST's answer too, and
                // the NAMES its JOIN brought (if not yet answered, it may come after global's).
                model.sessions[slot].ircListsOwed.removeAll()
                if let here = model.sessions[slot].ircChannel {
                    model.sessions[slot].ircRepliesOwed.removeAll { $0 == .names(channel: here) }
                }
                model.sessions[slot].ircChannel = Name.global.key
            }
        case "442":
            guard message.parameters.count > 1, let key = World.channelKey(message.parameters[1]),
                key == model.sessions[slot].ircChannel
            else { return }
            fail(.ircRendering, "\(name) was told 442 for \(message.parameters[1]), the channel it is on")
        case "331":
            answer(.noTopic(channel: ""), with: message, on: slot) { owed in
                guard case .noTopic(let key) = owed else { return false }
                return message.parameters.dropFirst().first.flatMap(World.channelKey) == key
            }
        case "433" where model.sessions[slot].welcomed:
            answer(.nickRefused(""), with: message, on: slot) { owed in
                guard case .nickRefused(let nick) = owed else { return false }
                return message.parameters.dropFirst().first == nick
            }
        case "366":
            // Lenient: a NAMES its client typed ends the same way.
            guard let key = message.parameters.dropFirst().first.flatMap(World.channelKey),
                let index = model.sessions[slot].ircRepliesOwed.firstIndex(of: .names(channel: key))
            else { return }
            model.sessions[slot].ircRepliesOwed.remove(at: index)
        case let code where (code == "403" || code == "405") && message.parameters.dropFirst().first == "0":
            guard let index = model.sessions[slot].ircRepliesOwed.firstIndex(of: .partAll) else { return }
            model.sessions[slot].ircRepliesOwed.remove(at: index)
            fail(
                .ircRendering, "\(name) sent JOIN 0, which parts its channel, and was answered \(message.command) for 0"
            )
        case "221", "502":
            answer(.userMode(own: nil), with: message, on: slot) { owed in
                guard case .userMode(let own) = owed else { return false }
                return own.map { $0 == (message.command == "221") } ?? true
            }
        case "403", "405":
            guard message.parameters.count > 1, let key = World.channelKey(message.parameters[1]) else { return }
            guard let owed = model.sessions[slot].ircJoinsOwed[key], owed > 0 else {
                return fail(
                    .ircRendering,
                    "\(name) was answered \(message.command) for \(message.parameters[1]), which it never asked to join"
                )
            }
            model.sessions[slot].ircJoinsOwed[key] = owed - 1
            judgeJoinGivenUp(message, refusal: refusal, on: slot)
        case "PONG":
            guard
                let index = model.sessions[slot].ircRepliesOwed.firstIndex(where: {
                    if case .pong = $0 { return true } else { return false }
                })
            else { return }  // a PONG to the server's own PING is not an answer to a line
            judgeNoneSkipped(before: index, answered: message, on: slot)
            let owed = model.sessions[slot].ircRepliesOwed.remove(at: index)
            if case .pong(let token) = owed, message.parameters.last != token {
                fail(.ircRendering, "\(name) sent PING \(token) and was answered PONG \(message.parameters)")
            }
        case "421":
            guard
                let index = model.sessions[slot].ircRepliesOwed.firstIndex(where: {
                    if case .unknownCommand = $0 { return true } else { return false }
                })
            else {
                return fail(
                    .ircRendering, "\(name) was answered 421 \(message.parameters) with no unknown command sent")
            }
            judgeNoneSkipped(before: index, answered: message, on: slot)
            let owed = model.sessions[slot].ircRepliesOwed.remove(at: index)
            if case .unknownCommand(let verb) = owed, message.parameters.dropFirst().first?.uppercased() != verb {
                fail(.ircRendering, "\(name) sent \(verb) and was answered 421 \(message.parameters)")
            }
        case let numeric where numeric.count == 3 && numeric.allSatisfy(\.isNumber):
            // Another numeric naming the oldest unknown command owed: the wrong reply to it.
            guard
                let owed = model.sessions[slot].ircRepliesOwed.first(where: {
                    if case .unknownCommand = $0 { return true } else { return false }
                }), case .unknownCommand(let verb) = owed, message.parameters.dropFirst().first?.uppercased() == verb
            else { return }
            fail(.ircRendering, "\(name) sent \(verb), which IRC lacks, and was answered \(numeric), not 421")
        default:
            break
        }
    }
}

extension World {
    /// The `/quit` message a `QUIT` line means (PROTOCOL.md, IRC): its one parameter (a
    /// trailing one whole), mIRC's bold, colour, reset, italics, underline, strike-out,
    /// monospace, reverse and hex colour codes dropped; nil when nothing but blanks is left,
    /// when a control character or an invisible scalar remains, or when `/quit ` and it
    /// would pass Parley's line limit.
    static func ircQuitReason(_ line: [UInt8]) -> String? {
        let message = IRCView.formattingDropped(String(IRCView.parameters(of: line).first ?? ""))
        // The line `/quit MESSAGE` must fit and hold no scalar Parley refuses; the message is
        // what follows the command and its blanks.
        guard message.contains(where: { $0 != " " && $0 != "\t" }),
            !message.unicodeScalars.contains(where: ReferenceModel.isInvisible),
            ("/quit " + message).utf8.count <= Limits.maxLineBytes
        else { return nil }
        return String(message.drop { $0 == " " })
    }
}

/// A `KICK #channel nick [:reason]` its client sent, as the checker reads the line (RFC 2812
/// 3.2.8: tags and a source skipped, the comment its third parameter): the channel's and the
/// nick's keys (nil when they name none), and the reason Parley's `/kick nick reason` must
/// carry (PROTOCOL.md): the comment, its leading spaces dropped; nil when none is left.
struct IRCKickTyped: Hashable, Sendable {
    var channel: String?
    var target: String?
    var reason: String?

    init(_ line: [UInt8]) {
        let parameters = IRCView.parameters(of: line)
        channel = parameters.first.flatMap { $0.first == "#" ? Name(String($0.dropFirst()))?.key : nil }
        target = parameters.count > 1 ? Name(String(parameters[1]))?.key : nil
        let comment = parameters.count > 2 ? parameters[2].drop { $0 == " " } : ""
        reason = comment.contains { $0 != " " && $0 != "\t" } ? String(comment) : nil
    }
}

extension IRCView {
    /// A line's parameters as IRC reads them (tags, a source and the command skipped): words
    /// split on spaces, and one that starts with `:` the rest of the line.
    static func parameters(of line: [UInt8]) -> [Substring] {
        var text = Substring(String(decoding: line, as: UTF8.self))
        for prefix in ["@", ":"] where text.hasPrefix(prefix) {  // tags, then a source
            text = text.drop { $0 != " " }.drop { $0 == " " }
        }
        text = text.drop { $0 != " " }.drop { $0 == " " }  // the command
        var parameters: [Substring] = []
        while !text.isEmpty {
            if text.hasPrefix(":") { return parameters + [text.dropFirst()] }
            let word = text.prefix { $0 != " " }
            parameters.append(word)
            text = text.dropFirst(word.count).drop { $0 == " " }
        }
        return parameters
    }
}

extension World {
    /// A `/kick` an IRC session sent (its mail to the room) came from a KICK its client typed:
    /// the oldest one not shown taken, of that nick, on the channel the session was in as it
    /// took it (it refuses any other with `442`). Lines are taken in order, so every KICK
    /// before that one was taken already; but an earlier KICK of that nick may have been
    /// refused (a channel it has left since, a reason Parley refuses) and a later one be the
    /// sender: the reason is judged only when every such KICK still held owes the same one.
    mutating func judgeIRCKickTaken(_ mail: SessionMail, on slot: Int) {
        guard case .kick(_, _, let target, let reason, _)? = mail.memberRequest,
            let here = model.sessions[slot].ircChannel
        else { return }
        let typed = model.sessions[slot].ircKicksTyped
        let fits = { (kick: IRCKickTyped) in kick.target == target.key && kick.channel == here }
        guard let first = typed.firstIndex(where: fits) else { return }
        model.sessions[slot].ircKicksTyped.removeFirst(first + 1)
        let reasons = Set(typed[first...].filter(fits).map(\.reason))
        guard reasons.count == 1, let owed = reasons.first, owed != reason else { return }
        fail(
            .ircRendering,
            "\(sessions[slot].name) typed KICK #\(here) \(target) \(owed.map { "with the reason \"\($0)\"" } ?? "with no reason") and its /kick carried \(reason.map { "\"\($0)\"" } ?? "none")"
        )
    }
}
