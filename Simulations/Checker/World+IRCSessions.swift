import ChatCore

// The reference model's judgments of an IRC session's steps: its login and deadline as
// for a Parley session (from the mail it sends and gets), its outbox in IRC bytes, `001`
// only after a login, and each Parley line it is sent written as the IRC line it means.
extension World {
    mutating func modelIRCSession(_ slot: Int, wasClosing: Bool, _ input: SessionInput, _ effects: [SessionEffect]) {
        var history = false
        switch input {
        case .bytes(let chunk): judgeIRCArrival(chunk, effects, wasClosing: wasClosing, on: slot)
        case .lost: break
        case .tick: if !wasClosing { judgeIRCDeadlineKept(slot, effects) }
        case .mail(let message):
            _ = noteLoginAnswer(message, on: slot)
            if case .deliver(.history) = message { history = true }
        }
        noteIRCLinesTaken(effects, on: slot)
        // The world queues a line only while both directions are open, as here.
        var open = !sessions[slot].serverClosed && !sessions[slot].clientGone
        // A session takes its mail before the client's lines it held (IRCSession.receive), so a
        // line it is sent is shown as the session stood before a welcome those lines bring.
        let welcomedBefore = model.sessions[slot].welcomed
        var welcomedNow = false
        var listed: [String?] = []
        let refusal: ErrorCode?
        if case .mail(.moveRefused(let code, _)) = input { refusal = code } else { refusal = nil }
        let fromRooms: Bool
        if case .mail(.deliver(.rooms)) = input { fromRooms = true } else { fromRooms = false }
        var passwordRefused = false
        for effect in effects {
            switch effect {
            case .closeConnection:
                model.sessions[slot].closed = true
                open = false
            case .writeIRC(let message):
                if message.command == "464" { passwordRefused = true }
                if message.command == "ERROR", message.parameters == ["Closing link: see you"] {
                    model.sessions[slot].ircQuitTaken = true
                    // Parley's /quit goodbye: for a QUIT its client sent, or the /quit that
                    // follows a PASS refused (464); never for a message, however formatted.
                    if !model.sessions[slot].ircQuitTyped, !passwordRefused {
                        fail(
                            .ircRendering, "\(sessions[slot].name) said the /quit goodbye, and its client sent no QUIT")
                    }
                }
                if message.command == "433", !model.sessions[slot].welcomed { judgeRegistrationNick(message, on: slot) }
                if message.command == "001" {
                    judgeWelcome(message, on: slot)
                    model.sessions[slot].welcomed = true
                    welcomedNow = true
                }
                guard open else { continue }
                judgeNamesFirst(effect, on: slot)
                judgeIRCReply(message, on: slot, refusal: refusal)
                if message.command == "322" {
                    listed.append(message.parameters.dropFirst().first.flatMap(World.channelKey))
                }
                if message.command == "323" {
                    judgeListEnd(listing: listed, fromRooms: fromRooms, on: slot)
                    listed = []
                }
                observed.sessions[slot].ircHistory.append(history)
                // ERROR is IRC's BYE: past the bound, as the close it says.
                guard message.command != "ERROR" else { continue }
                model.sessions[slot].written += message.wireSize
                if model.sessions[slot].outbox > limits.maxOutboxBytes {
                    fail(
                        .slowReaderBound,
                        "\(sessions[slot].name) holds \(model.sessions[slot].outbox) bytes unread, over the limit of \(limits.maxOutboxBytes)"
                    )
                }
            case .send(let mail) where !model.sessions[slot].closed:
                noteLoginSent(mail, on: slot)
                // Judged while the client reads (the 366 it waits for is judged only then).
                if open { judgeNamesFirst(effect, on: slot) }
                noteIRCMove(mail, on: slot)
                judgeIRCKickTaken(mail, on: slot)
            case .write(let line):
                fail(.ircRendering, "\(sessions[slot].name) is an IRC connection and was written \(line)")
            case .send, .retire:
                break
            }
        }
        if case .mail(.deliver(let line)) = input, !wasClosing {
            if welcomedBefore {
                judgeRendering(line, effects, on: slot)
            } else if let text = line.roomText, let tag = TextTag(text), observed.messages[tag].stage == .settled {
                // Before 001 an IRC session shows no chatter (its client is not in a channel yet).
                observed.sessions[slot].audit.messagesOwed -= 1
            } else if case .whisper(let from, _, _) = line,
                model.sessions[slot].earlyWhispers.count < IRCSession.maxEarlyWhispers
            {
                // A whisper is in no history: it is owed at the welcome.
                model.sessions[slot].earlyWhispers.append(from.text)
            }
        }
        // Judged after this step's mail, which the session took before the welcome.
        if welcomedNow, open { judgeEarlyWhispers(effects, on: slot) }
        judgeDeadlineArmed(slot)
    }

    /// The whispers that came between the login and `001` are written with the welcome.
    private mutating func judgeEarlyWhispers(_ effects: [SessionEffect], on slot: Int) {
        let owed = model.sessions[slot].earlyWhispers
        model.sessions[slot].earlyWhispers = []
        guard !effects.contains(.closeConnection) else { return }
        // By sender: a long whisper may be written as several PRIVMSGs, never as fewer.
        var written: [String: Int] = [:]
        for case .writeIRC(let message) in effects where message.command == "PRIVMSG" {
            if let sender = message.source?.split(separator: "!").first { written[String(sender), default: 0] += 1 }
        }
        for sender in Set(owed) where written[sender, default: 0] < owed.count(where: { $0 == sender }) {
            return fail(
                .ircRendering, "\(sessions[slot].name) was whispered by \(sender) before 001 and not shown it at 001")
        }
    }

    /// A tick at or past the deadline of an IRC session still waiting to log in closes it.
    private mutating func judgeIRCDeadlineKept(_ slot: Int, _ effects: [SessionEffect]) {
        guard model.sessions[slot].login == .awaiting, now >= model.sessions[slot].loginDeadline else { return }
        guard effects.contains(.closeConnection) else {
            return fail(
                .loginDeadline,
                "\(sessions[slot].name) was still waiting to log in at \(now), past its deadline \(model.sessions[slot].loginDeadline)"
            )
        }
        hazards.insert(.loginTimeout)
    }

    /// Before the welcome a `433` refuses a nick that is not the account the connection logs
    /// in as (PROTOCOL.md: nicknames are account names), compared by key: never the account
    /// the Gate granted (SASL) or the one PASS named, in another case.
    private mutating func judgeRegistrationNick(_ message: IRCMessage, on slot: Int) {
        guard message.parameters.count > 1, let nick = Name(message.parameters[1]) else { return }
        guard let same = model.sessions[slot].granted ?? model.sessions[slot].ircPassAccount.flatMap({ Name($0) }),
            same.key == nick.key
        else { return }
        fail(
            .ircRegistration,
            "\(sessions[slot].name) was refused the nick \(nick) (433) before its welcome, yet it logs in as \(same)")
    }

    /// `001` only once the Gate has logged the connection in, addressed to that account,
    /// which is the nick the client registered with.
    private mutating func judgeWelcome(_ message: IRCMessage, on slot: Int) {
        let name = sessions[slot].name
        guard model.sessions[slot].login == .done, let account = model.sessions[slot].granted else {
            return fail(.ircRegistration, "\(name) was welcomed (001) before the Gate logged it in")
        }
        guard message.parameters.first == account.text else {
            return fail(
                .ircRegistration,
                "\(name) was welcomed as \(message.parameters.first ?? "nobody"), but is logged in as \(account)")
        }
        let typed = observed.sessions[slot].ircNick
        guard typed.flatMap({ Name($0) })?.key == account.key else {
            return fail(
                .ircRegistration, "\(name) registered with the nick \(typed ?? "none") and was welcomed as \(account)")
        }
    }

    /// The IRC lines a Parley line sent to the session became, in the same step.
    private mutating func judgeRendering(_ line: ServerLine, _ effects: [SessionEffect], on slot: Int) {
        guard !model.sessions[slot].closed, !effects.contains(.closeConnection) else { return }
        var written: [IRCMessage] = []
        for case .writeIRC(let message) in effects {
            if message.command == "ERROR" { return }  // closing: nothing more is owed
            written.append(message)
        }
        let name = sessions[slot].name
        switch line {
        case .message(let room, let from, let text), .action(let room, let from, let text):
            // One's own line comes back only with echo-message (IRCv3), which its client
            // asks for with CAP REQ; an older connection's client view is not this one's.
            let client = name.client - 1
            if from.key == model.sessions[slot].granted?.key,
                clients[client].current != slot || !clients[client].irc.echoes
            {
                return
            }
            guard World.channelLine(in: written, room: room, from: from, text: text, notice: true) != nil else {
                return fail(
                    .ircRendering,
                    "\(name) was sent \(from)'s \"\(text.prefix(40))\" in \(room) and wrote no PRIVMSG of it to #\(room)"
                )
            }
        case .whisper(let from, let to, let text):
            guard
                written.contains(where: {
                    $0.command == "PRIVMSG" && $0.parameters.first == to.text
                        && $0.source?.hasPrefix("\(from.text)!") == true
                })
            else {
                return fail(
                    .ircRendering,
                    "\(name) was sent \(from)'s whisper \"\(text.prefix(40))\" and wrote no PRIVMSG of it to \(to)")
            }
        case .users(let room, let names):
            var listed: [String] = []
            for message in written where message.command == "353" || message.command == "352" {
                if message.command == "352" {
                    if message.parameters.count > 5 { listed.append(message.parameters[5]) }
                } else {
                    for nick in (message.parameters.last ?? "").split(separator: " ") { listed.append(String(nick)) }
                }
            }
            guard written.contains(where: { $0.command == "366" || $0.command == "315" }) else {
                // A kicked room's answer to a NAMES in flight there: the client has seen the KICK.
                if let from = observed.kickedFrom[slot], from != .global, model.sessions[slot].presentIn == from,
                    model.roomNames[from]?.key == room.key
                {
                    return
                }
                return fail(.ircRendering, "\(name) was sent the users of \(room) and wrote no end of NAMES or WHO")
            }
            guard listed == names.map(\.text) else {
                return fail(
                    .ircRendering,
                    "\(name) was sent the users of \(room) (\(names.map(\.text).joined(separator: " "))) and listed \(listed.joined(separator: " "))"
                )
            }
        case .rooms(let names):
            let listed = written.filter { $0.command == "322" && $0.parameters.count > 1 }.map { $0.parameters[1] }
            guard written.contains(where: { $0.command == "323" }), listed == names.map({ "#\($0.text)" }) else {
                return fail(
                    .ircRendering,
                    "\(name) was sent the rooms \(names.map(\.text).joined(separator: " ")) and listed \(listed.joined(separator: " "))"
                )
            }
        case .event(let room, let text):
            judgeComingOrGoing(room, text, written, on: slot)
            judgeKickShown(room, text, written, on: slot)
        case .history(let room, let at, let from, let text):
            // A history line is the channel's PRIVMSG from its sender, stamped (server-time)
            // with the time the store kept it, not the time it was replayed.
            guard let sent = World.channelLine(in: written, room: room, from: from, text: text, notice: false) else {
                return fail(
                    .ircRendering,
                    "\(name) was sent \(from)'s \"\(text.prefix(40))\" from \(room)'s history and wrote no PRIVMSG of it"
                )
            }
            if let time = sent.tags.first(where: { $0.key == "time" })?.value, time != at.description {
                fail(.ircRendering, "\(name) was sent a history line kept at \(at) and stamped it \(time)")
            }
        case .ok, .error, .bye, .historyEnd:
            break
        }
    }

    /// The PRIVMSG (or, with `notice`, NOTICE) to `#room` from `from` that begins with `text`.
    private static func channelLine(
        in written: [IRCMessage], room: Name, from: Name, text: String, notice: Bool
    ) -> IRCMessage? {
        written.first {
            ($0.command == "PRIVMSG" || notice && $0.command == "NOTICE") && $0.parameters.first == "#\(room.text)"
                && $0.source?.hasPrefix("\(from.text)!") == true
                && $0.parameters.last.map { IRCView.text(of: $0).hasPrefix(IRCView.start(of: text)) } == true
        }
    }

    /// "VICTIM was kicked by KICKER[: REASON]" is a KICK from the kicker's full mask,
    /// of the victim, with the reason (or `kicked`): every field as IRC clients read it.
    private mutating func judgeKickShown(_ room: Name, _ text: String, _ written: [IRCMessage], on slot: Int) {
        let words = text.split(separator: " ", maxSplits: 4)
        guard words.count == 5, words[1] == "was", words[2] == "kicked", words[3] == "by" else { return }
        let victim = String(words[0])
        let tail = words[4]
        let kicker = String(tail.prefix { $0 != ":" && $0 != " " })
        let reason = text.firstRange(of: ": ").map { String(text[$0.upperBound...]) } ?? "kicked"
        let mask = "\(kicker)!\(kicker)@\(IRCSession.userHost)"
        let expected = ["#\(room)", victim, reason]
        guard written.contains(where: { $0.command == "KICK" && $0.source == mask && $0.parameters == expected }) else {
            return fail(
                .ircRendering,
                "\(sessions[slot].name) was sent \"\(text)\" in \(room) and wrote no KICK \(expected) from \(mask): \(written.map { "\($0.source ?? "") \($0.command) \($0.parameters)" })"
            )
        }
    }

    /// An arrival is a JOIN from them, a leave a PART, a quit (their connection ended) a
    /// QUIT with their /quit message or `Quit`.
    private mutating func judgeComingOrGoing(_ room: Name, _ text: String, _ written: [IRCMessage], on slot: Int) {
        // An event that came as the welcome went out is shown by the NAMES that follows it.
        guard let who = ReferenceModel.comingOrGoing(text), !written.contains(where: { $0.command == "001" }) else {
            return
        }
        let verb = text.dropFirst(who.count + 1)
        let command: String
        let last: String
        if verb == "joined" {
            (command, last) = ("JOIN", "#\(room)")
        } else if verb == "left" {
            (command, last) = ("PART", "#\(room)")
        } else {
            (command, last) = ("QUIT", verb == "quit" ? "Quit" : String(verb.dropFirst("quit: ".count)))
        }
        let shown = written.contains {
            $0.command == command && $0.source?.hasPrefix("\(who)!") == true
                && ($0.parameters.last.map { last.hasPrefix(IRCView.start(of: $0)) } ?? false)
        }
        if !shown {
            fail(
                .ircRendering,
                "\(sessions[slot].name) was sent \"\(text)\" in \(room) and wrote no \(command) from \(who): \(written.map(\.command))"
            )
        }
    }
}

/// How the checker reads IRC text: CTCP ACTION unwrapped, the way the model compares texts.
enum IRCView {
    /// A PRIVMSG's text as the Parley text it carries (a CTCP ACTION is `/me`'s text).
    static func text(of parameter: String) -> String {
        guard parameter.hasPrefix("\u{1}ACTION ") else { return parameter }
        var text = parameter.dropFirst(8)
        if text.hasSuffix("\u{1}") { text = text.dropLast() }
        return String(text)
    }

    /// A text with mIRC's bold, colour, reset, italics, underline, strike-out, monospace,
    /// reverse and hex colour codes dropped, as the checker reads them.
    static func formattingDropped(_ text: String) -> String {
        var kept = String.UnicodeScalarView()
        var scalars = text.unicodeScalars[...]
        func digits(_ most: Int, hex: Bool = false) {
            var taken = 0
            while taken < most, let next = scalars.first,
                hex ? next.properties.isASCIIHexDigit : ("0"..."9").contains(next)
            {
                scalars.removeFirst()
                taken += 1
            }
        }
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\u{02}", "\u{0F}", "\u{11}", "\u{16}", "\u{1D}", "\u{1E}", "\u{1F}": continue
            case "\u{03}":
                digits(2)
                if scalars.first == ",", let after = scalars.dropFirst().first, ("0"..."9").contains(after) {
                    scalars.removeFirst()
                    digits(2)
                }
            case "\u{04}": digits(6, hex: true)
            default: kept.append(scalar)
            }
        }
        return String(kept)
    }

    /// The first few characters of a text: a long one is cut into several PRIVMSGs.
    static func start(of text: String) -> String { String(text.prefix(8)) }
}
