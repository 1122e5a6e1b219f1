import ChatCore

// An IRC session's flood control (`flood-bound`), judged from what its client sent and the
// seed's limits: it takes every line, queries included, through a token bucket of the
// seed's rate and burst (full at connect, refilled at the rate up to the burst), and closes
// with `ERROR :Closing link: Excess Flood` exactly when more lines wait than `maxHeldLines`.
//
// Which lines it has taken is not all visible: a NICK, a USER or a PONG may be taken in
// silence. But some replies are written only as a line of some command is taken, or while
// it is the last one taken (its moves): a PING's PONG, a 461 naming its command, a message's
// mail to its room, a JOIN's to the Lobby. Lines are taken in order, so such a reply shows
// that line and every line before it taken. The model matches it to the oldest line that
// could have sent it and is not shown taken (or, for a reply a line may get more than once,
// is the last shown): never a later line than the one that did, so the lines shown taken
// are a lower bound, and the bucket's credit an upper one.
extension World {
    /// Lines arrived: the cut is owed when more are surely waiting than the limit (more
    /// arrived than the bucket could have paid for), and wrong when no more can be waiting
    /// (as many were shown taken).
    mutating func judgeIRCArrival(
        _ chunk: ArraySlice<UInt8>, _ effects: [SessionEffect], wasClosing: Bool, on slot: Int
    ) {
        let framedBefore = World.ircFramed(model.sessions[slot])
        let ended = World.ircEnded(after: model.sessions[slot].partialLine, chunk)
        noteIRCArrived(chunk, on: slot)
        model.sessions[slot].ircLines += ended.map(IRCLineKind.init)
        let framed = World.ircFramed(model.sessions[slot])
        guard framed > framedBefore, !wasClosing, !model.sessions[slot].closed else { return }
        let flooded = effects.contains {
            guard case .writeIRC(let message) = $0, message.command == "ERROR" else { return false }
            return message.parameters.first == "Closing link: Excess Flood"
        }
        let shown = model.sessions[slot].ircShown
        let mostWaiting = framed - shown
        let mostTaken = min(framedBefore, ircMostTaken(slot) ?? framedBefore)
        let leastWaiting = framed - mostTaken
        let name = sessions[slot].name, limit = limits.maxHeldLines
        if flooded, mostWaiting <= limit {
            fail(
                .floodBound,
                "\(name) was closed for Excess Flood with at most \(mostWaiting) lines waiting (\(framed) sent, \(shown) of them shown taken); the limit is \(limit)"
            )
        } else if !flooded, leastWaiting > limit {
            fail(
                .floodBound,
                "\(name) had at least \(leastWaiting) lines waiting (\(framed) sent, at most \(mostTaken) of them taken) and was not closed for Excess Flood; the limit is \(limit)"
            )
        }
    }

    /// The lines this step's replies show taken, and the bucket's bound on them.
    mutating func noteIRCLinesTaken(_ effects: [SessionEffect], on slot: Int) {
        let before = model.sessions[slot].ircShown
        for effect in effects {
            guard let reply = IRCTakenReply(effect) else { continue }
            let lines = model.sessions[slot].ircLines
            if let index = reply.sender(in: lines, shown: model.sessions[slot].ircShown) {
                model.sessions[slot].ircShown = max(model.sessions[slot].ircShown, index + 1)
            }
        }
        let taken = model.sessions[slot].ircShown
        guard taken > before, let rate = limits.rate, let most = ircMostTaken(slot), taken > most else { return }
        fail(
            .floodBound,
            "\(sessions[slot].name) took at least \(taken) lines by \(now), connected at \(model.sessions[slot].connected): a bucket of burst \(rate.burst) at \(rate.linesPerSecond) a second pays for \(most)"
        )
    }

    /// The most lines a token bucket of the seed's limits lets a session connected at its
    /// time take by now: its burst and what the rate refilled since (never more than that,
    /// whatever the cap kept back); nil without flood control.
    private func ircMostTaken(_ slot: Int) -> Int? {
        guard let rate = limits.rate else { return nil }
        let cost = Int64(1_000_000_000 / rate.linesPerSecond)
        // The simulated clock never moves back (Exploration's clock moves, the settling waits).
        assert(now >= model.sessions[slot].connected, "the clock moved back past a connect")
        let credit = Int64(rate.burst) * cost + (now - model.sessions[slot].connected).nanoseconds
        return Int(credit / cost)
    }

    /// The lines the session's framer has made of what arrived: each ended line, and a
    /// line still arriving once it is too long (framed then, as a 417, not at its newline).
    private static func ircFramed(_ session: SessionModel) -> Int {
        session.linesIn + (session.partialLine.count > Limits.maxLineBytes + 1 ? 1 : 0)
    }

    /// The lines `chunk` ends, after the bytes of a line still arriving; a `\r` before the
    /// newline dropped, as the protocol drops it.
    private static func ircEnded(after partial: [UInt8], _ chunk: ArraySlice<UInt8>) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var line = partial
        for byte in chunk {
            guard byte == UInt8(ascii: "\n") else {
                line.append(byte)
                continue
            }
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            lines.append(line)
            line = []
        }
        return lines
    }
}

/// A line an IRC client sent, as far as its flood control's replies tell lines apart: its
/// command, and for CAP its subcommand (LS, REQ, END or another).
struct IRCLineKind: Hashable, Sendable {
    var command = ""
    var sub: String?

    /// Read as IRC reads a line: tags and a source skipped, the command in capitals, the
    /// first parameter a word or, after a `:`, the rest of the line.
    init(_ line: [UInt8]) {
        // A line IRC refuses to read (417, not UTF-8) is no command at all.
        var body = line[...]
        if body.first == UInt8(ascii: "@") {
            let end = body.firstIndex(of: UInt8(ascii: " ")) ?? body.endIndex
            guard end <= IRCMessage.maxTagBytes else { return }
            body = body[end...].drop { $0 == UInt8(ascii: " ") }
        }
        guard line.count <= Limits.maxLineBytes, body.count + 2 <= IRCMessage.maxBodyBytes,
            let text = String(validating: line, as: UTF8.self)
        else { return }
        var rest = Substring(text)
        if rest.first == "@" { rest = rest.drop { $0 != " " } }
        rest = rest.drop { $0 == " " }
        if rest.first == ":" { rest = rest.drop { $0 != " " }.drop { $0 == " " } }
        let command = rest.prefix { $0 != " " }
        self.command = command.uppercased()
        rest = rest.dropFirst(command.count).drop { $0 == " " }
        let first = rest.first == ":" ? rest.dropFirst() : rest.prefix { $0 != " " }
        self.sub = self.command == "CAP" ? first.uppercased() : nil
    }

}

/// A reply that shows a line taken: the lines that may have sent it.
enum IRCTakenReply {
    /// Written once for a line of these, as it is taken.
    case once(Set<String>)
    /// Written for a line of these, as it is taken or while it is the last taken (its steps
    /// or its answers from the Lobby and rooms), perhaps more than once.
    case again(Set<String>)
    /// `001`: the registration is finished, so a CAP negotiation open at the lines shown
    /// taken has been closed by a CAP END since.
    case welcome
    /// A login or registration at the Gate: a SASL payload, REGISTER, or PASS, NICK, USER
    /// or CAP END once NICK, USER and PASS are in and no CAP negotiation is open.
    case login

    init?(_ effect: SessionEffect) {
        switch effect {
        case .send(let mail):
            switch mail {
            case .gate(.login), .gate(.register): self = .login
            case .lobby(.join), .lobby(.create): self = .again(["JOIN"])
            case .lobby(.listRooms): self = .once(["LIST"])
            default:
                switch mail.memberRequest {
                case .say?, .act?, .whisper?: self = .once(["PRIVMSG", "NOTICE"])
                case .kick?: self = .once(["KICK"])
                default: return nil
                }
            }
        case .writeIRC(let message):
            guard let reply = IRCTakenReply(message) else { return nil }
            self = reply
        case .write, .closeConnection, .retire:
            return nil
        }
    }

    private init?(_ message: IRCMessage) {
        switch message.command {
        case "001": self = .welcome
        case "PONG", "409": self = .once(["PING"])
        case "CAP", "410": self = .once(["CAP"])
        case "AUTHENTICATE": self = .once(["AUTHENTICATE"])
        case "421", "451", "461":
            guard let named = message.parameters.dropFirst().first?.uppercased(), named != "*" else { return nil }
            self = .once([named])
        case "462": self = .once(["USER", "PASS", "AUTHENTICATE"])
        case "411", "412": self = .once(["PRIVMSG"])
        case "431": self = .once(["NICK", "WHOIS"])
        case "318": self = .once(["WHOIS"])
        case "331": self = .once(["TOPIC"])
        case "221", "324", "347", "349", "368", "502": self = .once(["MODE"])
        case "305", "306": self = .once(["AWAY"])
        case "315": self = .again(["WHO"])
        case "323": self = .again(["LIST"])
        case "403", "405": self = .again(["JOIN", "PART"])
        case "442": self = .again(["PART", "KICK"])
        default: return nil
        }
    }

    /// The index of the oldest line that may have sent this reply, given that `shown` lines
    /// are shown taken; nil when it shows no more.
    func sender(in lines: [IRCLineKind], shown: Int) -> Int? {
        let rest = lines.indices.dropFirst(shown)
        switch self {
        case .once(let commands):
            return rest.first { commands.contains(lines[$0].command) }
        case .again(let commands):
            if shown > 0, commands.contains(lines[shown - 1].command) { return nil }
            return rest.first { commands.contains(lines[$0].command) }
        case .welcome:
            guard IRCTakenReply.negotiating(lines.prefix(shown)) else { return nil }
            return rest.first { lines[$0].command == "CAP" && lines[$0].sub == "END" }
        case .login:
            return rest.first { index in
                let line = lines[index]
                if line.command == "AUTHENTICATE" || line.command == "REGISTER" { return true }
                guard ["NICK", "USER", "PASS", "CAP"].contains(line.command) else { return false }
                let sent = lines.prefix(through: index)
                return !IRCTakenReply.negotiating(sent)
                    && ["NICK", "USER", "PASS"].allSatisfy { command in sent.contains { $0.command == command } }
            }
        }
    }

    /// Whether these lines leave a CAP negotiation open: a CAP LS or REQ after the last CAP END.
    private static func negotiating(_ lines: ArraySlice<IRCLineKind>) -> Bool {
        guard let last = lines.last(where: { $0.command == "CAP" && ["LS", "REQ", "END"].contains($0.sub) }) else {
            return false
        }
        return last.sub != "END"
    }
}
