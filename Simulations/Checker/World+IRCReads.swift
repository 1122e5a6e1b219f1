import ChatCore

// What an IRC client typed and read, in the model's terms: its tagged texts enter the
// message ledger as a Parley client's do; what it reads keeps its view of its channel
// (IRCClientView), is judged against the rooms' deliveries, and meets the IRC hazards.
extension World {
    /// An IRC line typed: a tagged PRIVMSG or NOTICE is a message (to a channel) or a whisper (to a nick).
    mutating func accountIRC(typed line: String, on slot: Int) {
        observed.sessions[slot].audit.commandsSent += 1  // paces the client (ClientModel.canAct)
        let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        let verb = words.first?.uppercased()
        if verb == "NICK", words.count > 1, !model.sessions[slot].welcomed {
            observed.sessions[slot].ircNick = String(words[1])
        }
        // `PASS NAME <password>` (on the wire `PASS NAME:password`): the account it names.
        if verb == "PASS", words.count > 2, !model.sessions[slot].welcomed {
            model.sessions[slot].ircPassAccount = String(words[1])
        }
        if verb == "JOIN", clients[sessions[slot].name.client - 1].irc.joinsInFlight > 0 {
            hazards.insert(.ircSecondJoinInFlight)
        }
        if verb == "CAP", words.count == 3 {
            let echo = words[2].split(separator: " ").contains { $0.trimmingPrefix(":") == "echo-message" }
            noteIRCTyped(verb: "CAP", target: String(words[1]), tag: nil, notice: echo, on: slot)
        }
        if verb == "JOIN" || verb == "PART" {
            noteIRCTyped(verb: verb!, target: nil, tag: nil, notice: false, on: slot)
        }
        guard verb == "PRIVMSG" || verb == "NOTICE", words.count == 3, words[2].hasPrefix(":") else { return }
        let target = words[1].hasPrefix("#") ? nil : words[1].lowercased()
        let text = String(words[2].dropFirst())
        // A text that starts with `/` behind formatting (`\u{02}/quit m1.2`) is a message the
        // session refuses (404), tagged by its last word.
        let slashed = IRCView.formattingDropped(text).hasPrefix("/")
        let tagText = slashed ? String(text.split(separator: " ").last ?? "") : IRCView.text(of: text)
        guard let tag = TextTag(tagText), tag.whisper == (target != nil),
            tag.client <= clients.count, observed.messages[tag].stage == .unused
        else { return }
        observed.messages[tag] = MessageEntry(stage: .typed, target: target)
        noteIRCTyped(verb: verb!, target: String(words[1]), tag: tag, notice: verb == "NOTICE", on: slot)
        let client = tag.client - 1
        clients[client].nextText = max(clients[client].nextText, tag.number + 1)
    }

    /// An IRC client read a line.
    mutating func clientReadIRC(_ message: IRCMessage, on slot: Int) {
        let client = sessions[slot].name.client - 1
        let audit = observed.sessions[slot].audit
        observed.sessions[slot].audit.answersRead = min(audit.answersRead + 1, audit.commandsSent)
        if message.command != "ERROR" { model.sessions[slot].read += message.wireSize }
        let index = observed.sessions[slot].ircRead
        observed.sessions[slot].ircRead += 1
        let history = index < observed.sessions[slot].ircHistory.count && observed.sessions[slot].ircHistory[index]
        let me = model.sessions[slot].granted?.key
        let from = message.source.map { String($0.prefix { $0 != "!" }).lowercased() }
        let target = message.parameters.first.map { $0.hasPrefix("#") ? String($0.dropFirst()).lowercased() : $0 }
        let mine = from != nil && from == me
        judgeIRCAnswer(message, history: history, on: slot)
        switch message.command {
        case "001":
            clients[client].belief = .present
            clients[client].irc.welcomed = true
        case "904", "464", "433":
            if clients[client].belief == .loggingIn { clients[client].belief = .anonymous }
        case "401":
            let nick = message.parameters.count > 1 ? message.parameters[1].lowercased() : ""
            if model.accounts[nick] != nil { hazards.insert(.ircWhisperAbsentNick) }
        case "403", "405":
            clients[client].irc.joinsInFlight = max(0, clients[client].irc.joinsInFlight - 1)
        case "JOIN" where mine:
            readOwnJoin(target ?? "", on: slot)
        case "JOIN":
            if target == clients[client].irc.channel, let from { clients[client].lastJoined = from }
        case "PART" where mine:
            if clients[client].irc.channel == target { clients[client].irc.channel = nil }
            if clients[client].irc.partTyped == target { clients[client].irc.partTyped = nil }
        case "KICK":
            let victim = message.parameters.count > 1 ? message.parameters[1].lowercased() : nil
            if victim == me, clients[client].irc.channel == target { clients[client].irc.channel = nil }
        case "PRIVMSG", "NOTICE":
            guard message.parameters.count == 2, let from, !message.parameters[0].isEmpty else { return }
            let channel = message.parameters[0].hasPrefix("#") ? target : nil
            readText(IRCView.text(of: message.parameters[1]), in: channel, from: from, history: history, on: slot)
        default:
            break
        }
    }

    /// The client's own JOIN: it is out of its old channel (its PART came first).
    private mutating func readOwnJoin(_ channel: String, on slot: Int) {
        let client = sessions[slot].name.client - 1
        if let here = clients[client].irc.channel {
            return fail(
                .ircPartBeforeJoin,
                "\(sessions[slot].name) was put in #\(channel) while in #\(here), with no PART of it first")
        }
        clients[client].irc.channel = channel
        clients[client].irc.joinsInFlight = max(0, clients[client].irc.joinsInFlight - 1)
        if clients[client].irc.joinWhileIn == channel {
            hazards.insert(.ircJoinWhileInRoom)
            clients[client].irc.joinWhileIn = nil
        }
    }

    /// A tagged text to a channel was delivered by that room from that sender's account,
    /// counts as a room message read, and keeps the room's order; a whisper goes to a nick.
    private mutating func readText(_ text: String, in channel: String?, from: String, history: Bool, on slot: Int) {
        guard let tag = TextTag(text) else { return }  // a long text's later pieces, a server's notice
        let name = sessions[slot].name
        guard let target = channel else {
            if !tag.whisper { fail(.ircRendering, "\(name) read the room message \(tag.text) as a whisper") }
            return
        }
        guard !tag.whisper else {
            return fail(.ircRendering, "\(name) read the whisper \(tag.text) as a message to #\(target)")
        }
        guard !history else { return }  // a history's lines are checked where the room sends them
        let view = clients[name.client - 1].irc
        if from != model.sessions[slot].granted?.key {
            if view.partTyped == target { hazards.insert(.ircPartRacingMessage) }
            if view.quitTyped { hazards.insert(.ircQuitRacingMessage) }
        }
        let entry = observed.messages[tag]
        guard entry.stage == .settled else {
            return fail(.ircChannelMessages, "\(name) read \(tag.text) in #\(target), which no room delivered")
        }
        let room = entry.room == .global ? Name.global.key : model.roomNames[entry.room]?.key
        guard room == target else {
            return fail(
                .ircChannelMessages, "\(name) read \(tag.text) in #\(target); \(roomName(entry.room)) delivered it")
        }
        guard entry.sender >= 0, model.sessions[entry.sender].granted?.key == from else {
            return fail(
                .ircChannelMessages,
                "\(name) read \(tag.text) from \(from); it was sent by \(entry.sender >= 0 ? sessions[entry.sender].name.description : "nobody")"
            )
        }
        observed.sessions[slot].audit.messagesRead += 1
        readInOrder(entry, tag, on: slot)
    }
}
