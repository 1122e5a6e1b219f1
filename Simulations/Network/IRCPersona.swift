import ChatCore

/// A client persona that speaks IRC, as irssi or WeeChat would: `CAP LS 302`, a `CAP REQ`,
/// `NICK` and `USER`, then SASL PLAIN or `PASS account:password`, `CAP END`; once welcomed,
/// the same mix of commands a Parley client types, in IRC's words (`PRIVMSG #room`,
/// `PRIVMSG nick` for a whisper, `NOTICE`, `JOIN #room` from wherever it is, `PART`,
/// `NAMES`, `LIST`, `PING`, `KICK`, `QUIT`). Its draws come from a stream of their own.
///
/// Fixtures hold placeholders only: `AUTHENTICATE u1 <password>` goes on the wire as the
/// base64 of PLAIN's `NUL u1 NUL password`, `PASS u1 <password>` as `PASS u1:password`.
extension ClientModel {
    mutating func ircLine(for client: ClientState) -> String {
        if !ircScripts[client.number, default: []].isEmpty { return ircScripts[client.number]!.removeFirst() }
        switch client.belief {
        case .present: return ircPresentLine(client)
        case .offline, .anonymous, .loggingIn:
            if !client.irc.registrationStarted {
                ircScripts[client.number] = ircRegistration()
            } else if client.belief == .anonymous, let nick = client.irc.nick {
                // SASL failed: try again on the same connection, as a client asked for a password does.
                ircScripts[client.number] = ["AUTHENTICATE PLAIN", "AUTHENTICATE \(nick) \(ircPassword())"]
            } else {
                return ircRandom.chance(0.5) ? "PING :early" : "JOIN #\(ircRoom())"  // before 001: 451
            }
            return ircScripts[client.number]!.removeFirst()
        }
    }

    /// Registration as a client configured for SASL or for a server password sends it;
    /// now and then the nick is not the account's (433), or CAP END comes first.
    private mutating func ircRegistration() -> [String] {
        let account = ircSpell(ircAccount())
        let nick = ircRandom.chance(0.05) ? ircSpell(ircAccount()) : account
        var lines = ["CAP LS 302"]
        let sasl = ircRandom.chance(0.6)
        lines.append(sasl ? "CAP REQ :echo-message server-time sasl" : "CAP REQ :echo-message server-time")
        if !sasl, ircRandom.chance(0.3) { lines.append("CAP END") }
        lines += ["NICK \(nick)", "USER \(nick) 0 * :\(nick)"]
        if sasl {
            lines += ["AUTHENTICATE PLAIN", "AUTHENTICATE \(account) \(ircPassword())", "CAP END"]
        } else {
            lines.append("PASS \(account) \(ircPassword())")
            if !lines.contains("CAP END") { lines.append("CAP END") }
        }
        return lines
    }

    private mutating func ircPassword() -> String {
        ircRandom.chance(plan.wrongPassword) ? "<wrong-password>" : "<password>"
    }

    /// What a welcomed IRC client types, by the seed's command weights (the order of `commands`).
    private mutating func ircPresentLine(_ client: ClientState) -> String {
        if let chance = plan.moderation, moderation.chance(chance) {
            let target = client.lastJoined ?? setup.accounts[moderation.below(setup.accounts.count)]
            // Reasons as clients send them: a trailing one, none, one word, an empty one, leading blanks.
            let reasons = [" :be nice", "", " calm", " :", " :  twice over"]
            let reason = ircRandom.chance(0.5) ? reasons[0] : reasons[ircRandom.below(reasons.count)]
            return "KICK #\(client.irc.channel ?? "global") \(target)\(reason)"
        }
        let c = client.number, n = client.nextText
        let here = client.irc.channel ?? "global"
        let weights = plan.commandWeights
        let total = weights.reduce(0, +)
        guard total > 0 else { return "PRIVMSG #\(here) :m\(c).\(n)" }
        var roll = ircRandom.below(total)
        var command = 0
        while roll >= weights[command] {
            roll -= weights[command]
            command += 1
        }
        let verb = ircRandom.chance(0.15) ? "NOTICE" : "PRIVMSG"
        switch command {
        case 0:
            // Mostly to the channel it is in; now and then to one it is not in (404).
            let channel = ircRandom.chance(0.9) ? here : ircRoom()
            // Now and then a text that starts with `/` behind formatting: a message, refused (404).
            if ircRandom.chance(0.06) {
                let hidden = ["\u{02}", "\u{03}4", "\u{0F}", "\u{1D}\u{02}"]
                return "PRIVMSG #\(channel) :\(hidden[ircRandom.below(hidden.count)])/quit m\(c).\(n)"
            }
            let text = n % 5 == 2 ? "\u{1}ACTION m\(c).\(n)\u{1}" : ircText("m\(c).\(n)")
            if channel == here, ircRandom.chance(0.15) { ircScripts[c] = ircBurst(client, after: n) }
            return "\(verb) #\(channel) :\(text)"
        case 1: return "\(verb) \(ircRandom.chance(0.1) ? ircSpell("u\(c)") : ircSpell(ircAccount())) :w\(c).\(n)"
        case 2, 3:
            // A second channel in one JOIN now and then: Parley keeps the last.
            if ircRandom.chance(0.1) { return "JOIN #\(ircRoom()),#\(ircRoom())" }
            return ircRandom.chance(0.1) ? "JOIN #global" : "JOIN #\(ircRoom())"
        case 4:
            // A PART of #global is Parley's /leave there: goodbye. Clients mostly part temporary rooms.
            if here == "global", ircRandom.chance(0.8) { return "JOIN #\(ircRoom())" }
            // JOIN 0 parts every channel: Parley's one (from global, its /leave: goodbye).
            if ircRandom.chance(here == "global" ? 0.1 : 0.2) { return "JOIN 0" }
            return ircRandom.chance(0.9) ? "PART #\(here) :bye" : "PART #\(ircRoom())"
        case 5: return ircRandom.chance(0.5) ? "NAMES" : "NAMES #\(here)"
        case 6: return "LIST"
        case 7:
            // User modes: its own nick in another case (221), someone else's (502).
            if ircRandom.chance(0.2) {
                let nick = client.irc.nick ?? "u\(c)"
                let own = String(nick.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) })
                return "MODE \(ircRandom.chance(0.5) ? own : ircSpell(ircAccount()))"
            }
            let queries = [
                "PING :p\(c).\(n)", "WHO #\(here)", "MODE #\(here)", "TOPIC #\(here)", "WHOIS \(ircAccount())",
            ]
            return queries[ircRandom.below(queries.count)]
        case 8:
            // Reasons as clients send them: a trailing one, none, one word, mIRC formatting, blanks.
            let quits = [
                "QUIT :see you", "QUIT", "QUIT later", "QUIT :\u{02}gone\u{02} \u{03}4,1fishing\u{0F}", "QUIT :  ",
                "QUIT :  later", "QUIT :zero\u{200B}width",
            ]
            return ircRandom.chance(0.5) ? quits[0] : quits[ircRandom.below(quits.count)]
        case 9:
            let lines = ["FROB", "JOIN", "PRIVMSG", "PRIVMSG #\(here)", "NICK \(ircAccount())zz", "JOIN den", "PART"]
            return lines[ircRandom.below(lines.count)]
        default: return "AUTHENTICATE PLAIN"  // after 001: 462
        }
    }

    /// A few more messages to the channel typed without waiting for answers, as a paste
    /// or a script sends them, and now and then a PART or JOIN typed right behind them.
    private mutating func ircBurst(_ client: ClientState, after n: Int) -> [String] {
        let c = client.number, here = client.irc.channel ?? "global"
        var lines = (1...(1 + ircRandom.below(3))).map { "PRIVMSG #\(here) :\(ircText("m\(c).\(n + $0)"))" }
        if ircRandom.chance(0.4) { lines.append(here == "global" ? "JOIN #\(ircRoom())" : "PART #\(here) :bye") }
        return lines
    }

    /// A text with its tag, now and then with multi-byte UTF-8, IRC bold, or a format or
    /// separator character of any class (most refused, so 404).
    private mutating func ircText(_ tag: String) -> String {
        switch ircRandom.below(100) {
        case 0..<5: return tag + " caf\u{E9} \u{2615} na\u{EF}ve"
        case 5..<8: return tag + " \u{2}bold\u{2} words"
        case 8..<10:
            let scalar = InvisibleScalars.draw(from: InvisibleScalars.formatClasses, &ircRandom)
            return tag + " look" + String(Character(scalar)) + "here"
        default: return tag
        }
    }

    /// A name in another case now and then, as people type it back.
    private mutating func ircSpell(_ name: String) -> String {
        guard ircRandom.chance(0.35) else { return name }
        return String(name.map { ircRandom.chance(0.5) ? Character($0.uppercased()) : $0 })
    }

    private mutating func ircAccount() -> String {
        ircRandom.chance(plan.hotAccount) ? setup.accounts[0] : setup.accounts[ircRandom.below(setup.accounts.count)]
    }

    private mutating func ircRoom() -> String {
        ircSpell(setup.roomNames[ircRandom.below(setup.roomNames.count)])
    }
}
