import ChatCore

// What clients do: connect, type, hang up, stop reading, read.
extension World {
    mutating func connect(_ number: Int) -> Outcome {
        guard let client = client(number) else { return .inapplicable("there is no client c\(number)") }
        guard client.current == nil else { return .inapplicable("c\(number) is already connected") }
        guard client.slots.count < 999 else { return .inapplicable("c\(number) has used all its connections") }
        beginStep()
        let slot = sessions.count
        let name = ConnectionName(client: number, number: client.slots.count + 1)
        let id = SessionID(UInt64(slot + 1))
        var actor = SimulatedSession<Actors.SessionActor, Actors.IRCSessionActor>(
            id: id, address: address(ofClient: number), limits: limits, now: now, speaksIRC: client.speaksIRC)
        let effects = actor.opened(now: now)
        actorSteps += 1
        sessions.append(
            SessionSlot(
                name: name, id: id, actor: actor,
                netLane: lanes.open(.net(slot: slot), rank: World.rank(1, slot)),
                readLane: lanes.open(.read(slot: slot), rank: World.rank(2, slot)),
                tickLane: lanes.open(.tick(slot: slot), rank: World.rank(3, slot)),
                hashLane: lanes.open(.hash(slot: slot), rank: World.rank(0, slot))
            ))
        observed.addSession()
        modelOpened(slot)
        clients[number - 1].slots.append(slot)
        clients[number - 1].current = slot
        clients[number - 1].belief = .anonymous
        clients[number - 1].room = "global"
        clients[number - 1].irc.connected()
        perform(effects, of: slot)
        endStep(.connect(client: number)) { world in ("c\(number)", "connects: \(name)", effects.map(world.describe)) }
        return .applied
    }

    mutating func type(_ number: Int, _ line: String) -> Outcome {
        guard let client = client(number), let slot = client.current else {
            return .inapplicable("c\(number) is not connected")
        }
        guard !line.utf8.contains(UInt8(ascii: "\n")) else { return .inapplicable("a typed line has no newline in it") }
        beginStep()
        if client.speaksIRC {
            accountIRC(typed: line, on: slot)
            clients[number - 1].note(typedIRC: line)
        } else {
            account(typed: line, on: slot)
            clients[number - 1].note(typed: line)
        }
        clients[number - 1].linesTyped += 1
        if !sessions[slot].serverClosed {
            if line.utf8.last == UInt8(ascii: ">") {
                if wireLines[line] == nil { wireLines[line] = World.wire(line) }
                let wire = wireLines[line]!
                // Where the password sits in the stream, so a timeline can hide exactly it.
                let bytes = Array(wire.utf8)
                let passwordStart =
                    wire.hasPrefix(World.changePasswordPrefix)
                    ? World.changePasswordPrefix.utf8.count : (bytes.lastIndex(of: UInt8(ascii: " ")) ?? -1) + 1
                let base = sessions[slot].inboundTotal
                sessions[slot].secrets.append((base + passwordStart)..<(base + bytes.count))
                sessions[slot].inbound.append(contentsOf: wire.utf8)
                sessions[slot].inboundTotal += wire.utf8.count
            } else {
                sessions[slot].inbound.append(contentsOf: line.utf8)
                sessions[slot].inboundTotal += line.utf8.count
            }
            // IRC clients end lines with CRLF (RFC 1459), Parley clients every other line.
            if setup.crlfLines == true, client.speaksIRC || client.linesTyped % 2 == 1 {
                sessions[slot].inbound.append(UInt8(ascii: "\r"))
                sessions[slot].inboundTotal += 1
            }
            sessions[slot].inbound.append(UInt8(ascii: "\n"))
            sessions[slot].inboundTotal += 1
            refreshNet(slot)
        }
        endStep(.type(client: number, line: line)) { _ in ("c\(number)", "types: \(line)", []) }
        return .applied
    }

    /// The checker's part of typing: count the line, and note a tagged text as typed.
    private mutating func account(typed line: String, on slot: Int) {
        // `/me TEXT` is a room message in another form: answered by its own delivery, like a say.
        let word = ClientState.commandWord(line)
        let action = word == "me" && line.utf8.count > 4 ? line.dropFirst(4) : nil
        let isCommand = line.utf8.first == UInt8(ascii: "/") && action == nil
        if isCommand {
            observed.sessions[slot].audit.commandsSent += 1
        } else {
            observed.sessions[slot].audit.saysSent += 1
        }
        let tagged: (TextTag, String?)?
        if !isCommand {
            tagged = TextTag(String(action ?? line[...])).map { ($0, nil) }
        } else if word == "whisper", case let words = line.split(separator: " ", maxSplits: 2),
            words.count == 3
        {
            tagged = TextTag(String(words[2])).map { ($0, words[1].lowercased()) }
        } else {
            tagged = nil
        }
        guard let (tag, target) = tagged, tag.whisper == (target != nil), tag.client <= clients.count,
            observed.messages[tag].stage == .unused
        else { return }
        observed.messages[tag] = MessageEntry(stage: .typed, target: target)
        let client = tag.client - 1
        clients[client].nextText = max(clients[client].nextText, tag.number + 1)
    }

    /// A connection's lane in the settling order: after all mail, by kind, then by slot
    /// (slots follow the decisions: the order clients connected).
    static func rank(_ kind: UInt64, _ slot: Int) -> UInt64 { 1 << 60 | kind << 40 | UInt64(slot) }

    static var changePasswordPrefix: String { "/passwd " }

    /// The line as it goes on the wire: a placeholder at its end (`/login NAME <password>`)
    /// becomes the account's password, or a wrong one.
    /// IRC's forms: `AUTHENTICATE NAME <password>` becomes SASL PLAIN's base64 of
    /// `NUL NAME NUL password`, `PASS NAME <password>` becomes `PASS NAME:password`.
    static func wire(_ line: String) -> String {
        // `/passwd OLD NEW`: each a placeholder, `<password-of-NAME>` or `<wrong-password>`.
        if line.hasPrefix(changePasswordPrefix) {
            return line.split(separator: " ", omittingEmptySubsequences: false).map { word in
                if word == "<wrong-password>" { return "not-the-password" }
                if word.hasPrefix("<wrong-password-"), let bytes = Int(word.dropFirst(16).dropLast()) {
                    return String(repeating: "q", count: bytes)
                }
                guard word.hasPrefix("<password-of-"), word.hasSuffix(">") else { return String(word) }
                return WorldSetup.password(for: word.dropFirst(13).dropLast())
            }.joined(separator: " ")
        }
        guard line.utf8.last == UInt8(ascii: ">"), let space = line.lastIndex(of: " ") else { return line }
        let head = line[..<space], placeholder = line[line.index(after: space)...]
        guard let account = head.split(separator: " ").last else { return line }
        let password: String
        switch placeholder {
        case "<password>": password = WorldSetup.password(for: account)
        case "<wrong-password>": password = "not-the-password"
        default:
            // `<wrong-password-N>`: a wrong password of exactly N bytes, for the limits.
            guard placeholder.hasPrefix("<wrong-password-"), let bytes = Int(placeholder.dropFirst(16).dropLast())
            else { return line }
            password = String(repeating: "q", count: bytes)
        }
        if head.hasPrefix("AUTHENTICATE ") {
            return "AUTHENTICATE " + World.base64([0] + Array(account.utf8) + [0] + Array(password.utf8))
        }
        if head.hasPrefix("PASS ") { return "PASS \(account):\(password)" }
        return head + " " + password
    }

    /// Base64 with padding (RFC 4648), for SASL PLAIN.
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let word = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[Int(word >> (18 - 6 * UInt32(position)) & 63)] : 61)
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func hangUp(_ number: Int, dropUnsent: Bool) -> Outcome {
        guard let client = client(number), let slot = client.current else {
            return .inapplicable("c\(number) is not connected")
        }
        beginStep()
        if dropUnsent {
            sessions[slot].inbound.removeSubrange(sessions[slot].inboundHead...)
        }
        if !sessions[slot].serverClosed { sessions[slot].hangUpQueued = true }
        forget(client: number, slot: slot)
        refreshNet(slot)
        endStep(.hangUp(client: number, dropUnsent: dropUnsent)) { _ in
            ("c\(number)", dropUnsent ? "hangs up, dropping unsent bytes" : "hangs up", [])
        }
        return .applied
    }

    /// The client is done with this connection: nothing more reaches it.
    private mutating func forget(client number: Int, slot: Int) {
        sessions[slot].clientGone = true
        sessions[slot].outbound.removeAll()
        sessions[slot].outboundHead = 0
        refreshRead(slot)
        if clients[number - 1].current == slot {
            clients[number - 1].current = nil
            clients[number - 1].belief = .offline
        }
    }

    mutating func setReading(_ number: Int, _ reading: Bool) -> Outcome {
        guard let client = client(number) else { return .inapplicable("there is no client c\(number)") }
        guard client.reading != reading else {
            return .inapplicable("c\(number) is already \(reading ? "reading" : "not reading")")
        }
        beginStep()
        clients[number - 1].reading = reading
        for slot in client.slots { refreshRead(slot) }
        endStep(reading ? .resumeReading(client: number) : .stopReading(client: number)) { _ in
            ("c\(number)", reading ? "reads again" : "stops reading", [])
        }
        return .applied
    }

    mutating func read(_ name: ConnectionName) -> Outcome {
        guard let slot = slot(of: name), lanes.isRunnable(sessions[slot].readLane) else {
            return .inapplicable("nothing waits to be read on \(name)")
        }
        beginStep()
        let item = sessions[slot].outbound[sessions[slot].outboundHead]
        sessions[slot].outboundHead += 1
        if !sessions[slot].hasOutbound {
            sessions[slot].outbound.removeAll(keepingCapacity: true)
            sessions[slot].outboundHead = 0
        }
        if let line = item {
            // The connection's writer reports the bytes sent, as production's does.
            if !sessions[slot].retired { sessions[slot].actor.outputSent(bytes: line.wireSize) }
            switch line {
            case .parley(let line): clientRead(line, on: slot)
            case .irc(let message): clientReadIRC(message, on: slot)
            }
        } else {
            forget(client: name.client, slot: slot)
        }
        refreshRead(slot)
        endStep(.read(name)) { _ in
            ("c\(name.client)", item.map { "reads: \($0.rendered.dropLast())" } ?? "sees \(name) close", [])
        }
        return .applied
    }

    /// The checker's and the client's part of reading a line.
    private mutating func clientRead(_ line: ServerLine, on slot: Int) {
        clients[sessions[slot].name.client - 1].note(read: line)
        modelRead(line, on: slot)
        switch line {
        case .ok, .error, .users, .rooms:
            observed.sessions[slot].audit.answersRead += 1
        case .message(_, _, let text), .action(_, _, let text):
            observed.sessions[slot].audit.messagesRead += 1
            guard let tag = TextTag(text), !tag.whisper, observed.messages[tag].stage == .settled else {
                return fail(.storeMatchesDeliveries, "\(sessions[slot].name) read \(text), which no room delivered")
            }
            readInOrder(observed.messages[tag], tag, on: slot)
        case .whisper, .event, .bye, .history, .historyEnd:
            break  // A history's lines are checked where the room sends them (HistoryCheck.swift).
        }
    }

    /// Each connection reads a room's messages in the room's order.
    mutating func readInOrder(_ entry: MessageEntry, _ tag: TextTag, on slot: Int) {
        if let index = observed.sessions[slot].audit.lastRead.firstIndex(where: { $0.room == entry.room }) {
            guard observed.sessions[slot].audit.lastRead[index].seq < entry.seq else {
                return fail(
                    .roomOrder,
                    "\(sessions[slot].name) read \(tag.text) (number \(entry.seq) in \(entry.room)) after number \(observed.sessions[slot].audit.lastRead[index].seq)"
                )
            }
            observed.sessions[slot].audit.lastRead[index].seq = entry.seq
        } else {
            observed.sessions[slot].audit.lastRead.append((entry.room, entry.seq))
        }
    }

    // MARK: - Which lanes can run

    // These read single fields: copying a whole slot costs more than the rest of a step.

    mutating func refreshNet(_ slot: Int) {
        let runnable =
            !sessions[slot].serverClosed && (sessions[slot].pendingInbound > 0 || sessions[slot].hangUpQueued)
        lanes.setRunnable(sessions[slot].netLane, runnable)
    }

    mutating func refreshRead(_ slot: Int) {
        let reading = clients[sessions[slot].name.client - 1].reading
        lanes.setRunnable(sessions[slot].readLane, reading && !sessions[slot].clientGone && sessions[slot].hasOutbound)
    }

    mutating func refreshTick(_ slot: Int) {
        let due = !sessions[slot].retired && sessions[slot].wake.map { $0 <= now } == true
        lanes.setRunnable(sessions[slot].tickLane, due)
    }
}

extension ClientState {
    /// What typing a line makes the client expect.
    mutating func note(typed line: String) {
        let word = ClientState.commandWord(line)
        if word == "login" || word == "register", line.contains(" "), belief == .anonymous { belief = .loggingIn }
    }

    /// A command line's word, in lower case (commands are typed in any case): `me` for
    /// `/ME hi`; nil for a line that is no command.
    static func commandWord(_ line: String) -> String? {
        guard line.utf8.first == UInt8(ascii: "/") else { return nil }
        return line.dropFirst().prefix { $0 != " " }.lowercased()
    }

    /// What a line tells the client about where it is.
    mutating func note(read line: ServerLine) {
        switch line {
        case .ok(.registered(let name)), .ok(.loggedIn(let name)):
            belief = .present
            room = Name.global.text
            account = name.text
        case .ok(.returnedToGlobal):
            belief = .present
            room = Name.global.text
        case .bye(.banned, _):
            bannedAs = account
        case .ok(.created(let name)), .ok(.joined(let name)):
            belief = .present
            room = name.text
        case .ok(.banned(let name)):
            lastBanned = name.text
        case .ok(.unbanned(let name)) where name.key == lastBanned?.lowercased():
            lastBanned = nil
        case .error:
            if belief == .loggingIn { belief = .anonymous }
        case .event(_, let text) where text.hasPrefix("you were kicked from ") && text.hasSuffix("; you are in global"):
            room = Name.global.text
        case .event(let place, let text) where place.text == room && text.hasSuffix(" joined"):
            lastJoined = String(text.dropLast(" joined".count))
        default:
            break
        }
    }
}
