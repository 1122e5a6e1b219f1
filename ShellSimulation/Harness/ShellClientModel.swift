import ParleySimulation

/// What the clients may do next, and what they type: the protocol's commands in a seeded
/// mix. A client types its next line only once the last one is answered (no pipelining:
/// every line then has exactly one answer the checker can count; the core simulator
/// explores lines meeting moves in flight).
struct ShellClientModel {
    let setup: ShellSetup
    var random: SeededRandom

    init(setup: ShellSetup, random: SeededRandom) {
        self.setup = setup
        self.random = random
    }

    /// The client acts possible now, repeated by weight; faults only at their rates.
    mutating func acts(in world: ShellWorld, step: Int) -> [ShellDecision] {
        var acts: [ShellDecision] = []
        for client in world.clients {
            let c = client.number
            guard let connection = client.connection else {
                if client.connections.count < setup.connectionsPerClient, client.linesTyped < setup.linesPerClient,
                    !world.shutdownBegun
                {
                    acts += Array(repeating: .connect(client: c), count: 2)
                }
                if let k = client.connections.indices.last, client.connections[k].stream.unreadByClient > 0,
                    client.reading
                {
                    acts.append(.read(client: c, bytes: Int.max))
                }
                continue
            }
            if connection.isOpen, connection.outstanding == 0, connection.unsent.isEmpty,
                client.linesTyped < setup.linesPerClient, !lurks(client, connection)
            {
                acts += Array(repeating: .type(client: c, line: line(for: client, connection)), count: 3)
            }
            if typesAhead(client, connection) {
                acts += Array(repeating: .type(client: c, line: "m\(c).\(client.nextText)"), count: 2)
            }
            if !connection.unsent.isEmpty, connection.stream.sendSpace > 0, !connection.stream.serverClosed {
                let partial = random.chance(setup.partialSends) && connection.unsent.count > 1
                acts += Array(
                    repeating: .send(
                        client: c, bytes: partial ? random.within(1...(connection.unsent.count - 1)) : Int.max),
                    count: 3)
            }
            if client.reading,
                connection.stream.unreadByClient > 0 || (connection.stream.clientSeesEnd && !connection.sawEnd)
            {
                let partial = random.chance(setup.partialReads) && connection.stream.unreadByClient > 1
                acts += Array(
                    repeating: .read(
                        client: c, bytes: partial ? random.within(1...(connection.stream.unreadByClient - 1)) : Int.max),
                    count: 3)
            }
            if client.reading, random.chance(setup.slowReader) { acts.append(.stopReading(client: c)) }
            if !client.reading, random.chance(0.3) { acts.append(.resumeReading(client: c)) }
            if random.chance(setup.hangUp) {
                acts.append(.hangUp(client: c, dropUnsent: random.chance(setup.dropUnsent)))
            }
        }
        if random.chance(setup.storeFailure) { acts.append(.storeFailing(!world.storeFailing)) }
        if setup.shutdownMidRun, !world.shutdownBegun, step > setup.steps / 2, random.chance(0.05) {
            acts.append(.shutdown)
        }
        return acts
    }

    /// The lurker's first connection types nothing: it stays a stranger until its login
    /// deadline (or a hang-up) ends it, and the client connects again.
    private func lurks(_ client: ShellClient, _ connection: ClientConnection) -> Bool {
        setup.lurker == client.number && client.connections.count == 1 && connection.account == nil
    }

    /// In a room-talk seed, a client in a room (global too) may type a text before the texts it sent
    /// are answered (up to three in flight): its texts then meet each other on the way to
    /// the room, whichever thread runs the room's step. Texts only, and no flood control:
    /// their answers come in the order typed, which is how the checker pairs them.
    private func typesAhead(_ client: ShellClient, _ connection: ClientConnection) -> Bool {
        guard setup.roomTalk == true, setup.flood == nil, connection.isOpen, connection.unsent.isEmpty,
            (1...2).contains(connection.outstanding), client.linesTyped < setup.linesPerClient,
            connection.room != nil
        else { return false }
        return connection.sent.suffix(connection.outstanding).allSatisfy {
            if case .text = LineKind($0) { return true } else { return false }
        }
    }

    private mutating func line(for client: ShellClient, _ connection: ClientConnection) -> String {
        let c = client.number
        guard connection.account != nil else {
            // Talkers register first; the general mix also guesses at logins.
            return client.registered || (setup.roomTalk != true && random.chance(0.3))
                ? "/login \(client.account) <password>" : "/register \(client.account) <password>"
        }
        let n = client.nextText
        if setup.roomTalk == true {
            let inRoom = connection.room.map { $0 != "global" } ?? false
            if !inRoom, random.chance(0.7) {
                // Mostly the first room, so that talkers meet there.
                let room = random.chance(0.8) ? setup.roomNames[0] : room()
                return random.chance(0.5) ? "/createchatroom \(room)" : "/join \(room)"
            }
            if inRoom, random.chance(0.7) { return "m\(c).\(n)" }
        }
        let roll = random.below(100)
        switch roll {
        case 0..<40: return "m\(c).\(n)"
        case 40..<50: return "/whisper \(setup.accounts[random.below(setup.accounts.count)]) w\(c).\(n)"
        case 50..<62: return "/createchatroom \(room())"
        case 62..<76: return "/join \(room())"
        case 76..<86: return "/leave"
        case 86..<91: return "/users"
        case 91..<95: return "/chatrooms"
        case 95..<97: return "/help"
        default: return "/quit"
        }
    }

    private mutating func room() -> String { setup.roomNames[random.below(setup.roomNames.count)] }
}
