import ChatCore

// An IRC client's messages in flight, and their answers: the IRC session pipelines
// messages to its channel, so several may wait at the room, and each answer must still be
// the one for its own message, in the order typed (`irc-answer-order`).
extension World {
    /// A tagged PRIVMSG or NOTICE typed by a client that asked for echo-message (`CAP REQ`:
    /// `notice` says whether the request holds it); a PART or JOIN typed behind messages
    /// still unanswered meets `irc-move-behind-messages`.
    mutating func noteIRCTyped(verb: String, target: String?, tag: TextTag?, notice: Bool, on slot: Int) {
        let client = sessions[slot].name.client - 1
        let view = clients[client].irc
        // The session takes lines in order: a CAP REQ typed before is in force for what follows.
        if verb == "CAP", target?.uppercased() == "REQ", tag == nil { return clients[client].irc.echoes = notice }
        guard clients[client].current == slot else { return }
        if verb == "PART" || verb == "JOIN" {
            guard view.welcomed, view.echoes else { return }
            if view.typed.contains(where: { !$0.notice && !$0.mayGoUnanswered }) {
                hazards.insert(.ircMoveBehindMessages)
            }
            return
        }
        guard let tag, let target = target?.lowercased() else { return }
        // A whisper to oneself is written twice (delivered, then echoed): not one answer.
        if !target.hasPrefix("#"), target == model.sessions[slot].granted?.key { return }
        // Without echo-message a message that gets through is not answered at all.
        let typed = IRCTypedMessage(tag: tag, target: target, notice: notice, mayGoUnanswered: !view.echoes)
        clients[client].irc.typed.append(typed)
        if view.firstTyped == nil { clients[client].irc.firstTyped = tag.number }
    }

    /// Judges a line an IRC client read as an answer to one of its messages, if it is one.
    mutating func judgeIRCAnswer(_ message: IRCMessage, history: Bool, on slot: Int) {
        let client = sessions[slot].name.client - 1
        guard clients[client].current == slot else { return }  // an old connection's lines
        let me = model.sessions[slot].granted?.key
        let from = message.source.map { String($0.prefix { $0 != "!" }).lowercased() }
        let parameters = message.parameters
        switch message.command {
        case "PRIVMSG",
            "NOTICE" where from != nil && from == me && !history:
            guard parameters.count == 2, let tag = TextTag(IRCView.text(of: parameters[1])), tag.client == client + 1
            else { return }
            let target = parameters[0].lowercased()
            if !target.hasPrefix("#"), target == me { return }
            // Typed on an earlier connection, stored while this one entered the room: not an answer.
            guard let first = clients[client].irc.firstTyped, tag.number >= first else { return }
            // Answered already: this is its history, replayed as the client comes back to the room.
            guard !clients[client].irc.answered.contains(tag.number) else { return }
            // An echo is the message as typed: its command (PRIVMSG or NOTICE) too.
            // (A CTCP ACTION is Parley's /me, echoed as a PRIVMSG whichever verb carried it.)
            if !history, from == me, !parameters[1].hasPrefix("\u{1}ACTION "),
                let typed = clients[client].irc.typed.first(where: { $0.tag == tag }),
                typed.notice != (message.command == "NOTICE")
            {
                return fail(
                    .ircRendering,
                    "\(sessions[slot].name) typed \(tag.text) as a \(typed.notice ? "NOTICE" : "PRIVMSG") and it was echoed as a \(message.command)"
                )
            }
            settleIRCTyped(on: slot, "the echo of \(tag.text)") { $0.tag == tag }
        case "404" where parameters.count > 1, "401" where parameters.count > 1:
            let target = parameters[1].lowercased()
            if !target.hasPrefix("#"), target == me { return }
            settleIRCTyped(on: slot, "\(message.command) for \(parameters[1])") {
                !$0.notice && $0.target == target
            }
        case "451" where parameters.count > 1 && (parameters[1] == "PRIVMSG" || parameters[1] == "NOTICE"):
            // Typed before the welcome and taken before it: refused, in order.
            let notice = parameters[1] == "NOTICE"
            settleIRCTyped(on: slot, "451 for a \(parameters[1])") { $0.notice == notice }
        case "KICK" where parameters.count > 1 && parameters[1].lowercased() == me:
            for index in clients[client].irc.typed.indices { clients[client].irc.typed[index].mayGoUnanswered = true }
        default:
            break
        }
    }

    /// The oldest unanswered message `answers` fits is answered; any PRIVMSG typed before
    /// it that could not go unanswered means an answer came out of order.
    private mutating func settleIRCTyped(
        on slot: Int, _ what: String, answers: (IRCTypedMessage) -> Bool
    ) {
        let client = sessions[slot].name.client - 1
        let typed = clients[client].irc.typed
        let name = sessions[slot].name
        guard let index = typed.firstIndex(where: answers) else {
            return fail(.ircAnswerOrder, "\(name) read \(what), and had no message in flight it answers")
        }
        if let skipped = typed[..<index].first(where: { !$0.notice && !$0.mayGoUnanswered }) {
            fail(
                .ircAnswerOrder,
                "\(name) read \(what) before any answer to \(skipped.tag.text) to \(skipped.target), typed before it")
        }
        for answered in typed[...index] { clients[client].irc.answered.insert(answered.tag.number) }
        clients[client].irc.typed.removeFirst(index + 1)
    }
}
