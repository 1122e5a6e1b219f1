/// What simulated clients type: the protocol's commands in a seeded mix, shaped by what
/// each client believes from the lines it has read. Clients may type ahead of their
/// answers (pipelining), which is how commands meet moves in flight.
struct ClientModel: Sendable {
    let setup: WorldSetup
    let plan: ExplorationPlan
    var random: SeededRandom

    /// How many clients may act now.
    func ableCount<Actors>(in world: World<Actors>) -> Int {
        var count = 0
        for index in world.clients.indices where canAct(index, world) { count += 1 }
        return count
    }

    /// The `n`-th client (from 0) that may act now, in client order.
    func able<Actors>(_ n: Int, in world: World<Actors>) -> Int {
        var seen = 0
        for index in world.clients.indices where canAct(index, world) {
            if seen == n { return index + 1 }
            seen += 1
        }
        preconditionFailure("fewer than \(n + 1) clients may act")
    }

    private func canAct<Actors>(_ index: Int, _ world: World<Actors>) -> Bool {
        guard world.clients[index].linesTyped < plan.linesPerClient else { return false }
        guard let slot = world.clients[index].current else { return world.clients[index].slots.count < plan.connectionsPerClient }
        let outstanding = world.sessions[slot].audit.commandsSent - world.sessions[slot].audit.answersRead
        return outstanding <= Int(plan.pipelining * 4)
    }

    /// The next thing this client does.
    mutating func next(for client: ClientState) -> Decision {
        guard client.current != nil else { return .connect(client: client.number) }
        return .type(client: client.number, line: line(for: client))
    }

    private mutating func line(for client: ClientState) -> String {
        switch client.belief {
        case .offline, .anonymous: return anonymousLine(client)
        case .loggingIn, .present: return presentLine(client)
        }
    }

    private mutating func anonymousLine(_ client: ClientState) -> String {
        let roll = random.below(100)
        switch roll {
        case 0..<80:
            let password = random.chance(plan.wrongPassword) ? "<wrong-password>" : "<password>"
            return "/login \(account()) \(password)"
        case 80..<86: return "/register n\(client.number)x\(client.nextText) <password>"
        case 86..<91: return "/register \(account()) <password>"
        case 91..<94: return "/help"
        case 94..<97: return "m\(client.number).\(client.nextText)"
        default: return "/join \(roomName())"
        }
    }

    private mutating func presentLine(_ client: ClientState) -> String {
        let c = client.number, n = client.nextText
        let roll = random.below(100)
        switch roll {
        case 0..<34: return "m\(c).\(n)"
        case 34..<46: return "/whisper \(account()) w\(c).\(n)"
        case 46..<54: return random.chance(0.5) ? "/create \(roomName())" : "/createchatroom \(roomName())"
        case 54..<64: return "/join \(roomName())"
        case 64..<71: return "/leave"
        case 71..<76: return "/users"
        case 76..<81: return "/chatrooms"
        case 81..<83: return "/help"
        case 83..<85: return "/quit"
        default: return garbage()
        }
    }

    private mutating func garbage() -> String {
        let lines = ["/frob", "/join", "/whisper", "/users now", "/login \(account()) <password>", "/create global", "/join global"]
        return lines[random.below(lines.count)]
    }

    /// An account to log in as or whisper to; a hot account draws bursts of logins.
    private mutating func account() -> String {
        random.chance(plan.hotAccount) ? setup.accounts[0] : setup.accounts[random.below(setup.accounts.count)]
    }

    private mutating func roomName() -> String {
        setup.roomNames[random.below(setup.roomNames.count)]
    }
}
