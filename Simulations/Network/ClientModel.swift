import ChatCore

/// What simulated clients type: the protocol's commands in a seeded mix, shaped by what
/// each client believes from the lines it has read. Clients may type ahead of their
/// answers (pipelining), which is how commands meet moves in flight.
struct ClientModel: Sendable {
    let setup: WorldSetup
    let plan: ExplorationPlan
    var random: SeededRandom
    /// Draws for moderation lines only, so a seed's other lines stay as they were.
    var moderation: SeededRandom
    /// Draws for IRC clients' lines (IRCPersona.swift), and the lines each means to type next.
    var ircRandom: SeededRandom
    var ircScripts: [Int: [String]] = [:]
    /// Bytes a slow reader in the typing client's room may still take (set by the explorer
    /// before each line): now and then a message is padded to fill exactly that.
    var fill: Int?

    /// Whether any client may act now (stops at the first).
    func anyAble<Actors>(in world: World<Actors>) -> Bool {
        world.clients.indices.contains { canAct($0, world) }
    }

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
        let guesser = plan.guessing?.isGuesser(index + 1) == true
        guard let slot = world.clients[index].current else {
            return world.clients[index].slots.count < (guesser ? plan.guessing!.connections : plan.connectionsPerClient)
        }
        let outstanding =
            world.observed.sessions[slot].audit.commandsSent - world.observed.sessions[slot].audit.answersRead
        return outstanding <= (guesser ? plan.guessing!.typeAhead : Int(plan.pipelining * 4))
    }

    /// The next thing this client does.
    mutating func next(for client: ClientState) -> Decision {
        guard client.current != nil else {
            ircScripts[client.number] = nil
            return .connect(client: client.number)
        }
        if client.speaksIRC { return .type(client: client.number, line: ircLine(for: client)) }
        return .type(client: client.number, line: line(for: client))
    }

    private mutating func line(for client: ClientState) -> String {
        if let guessing = plan.guessing, guessing.isGuesser(client.number), client.belief != .present {
            return guessing.guess(&random)
        }
        switch client.belief {
        case .offline, .anonymous: return ClientModel.recased(anonymousLine(client), client.linesTyped)
        case .loggingIn, .present: return ClientModel.recased(presentLine(client), client.linesTyped)
        }
    }

    /// Commands are typed in any case (`/JOIN den`, `/Login u1 ...`): one command in six,
    /// chosen without a draw so that every other draw stays as it was. `/passwd` keeps its
    /// case: its two placeholders are found on the wire by the command as written.
    static func recased(_ line: String, _ typed: Int) -> String {
        guard typed % 6 == 5, let word = ClientState.commandWord(line), !word.isEmpty, word != "passwd" else {
            return line
        }
        let retyped = typed / 6 % 2 == 0 ? word.uppercased() : word.prefix(1).uppercased() + word.dropFirst()
        return "/" + retyped + line.dropFirst(1 + word.count)
    }

    private mutating func anonymousLine(_ client: ClientState) -> String {
        let roll = random.below(100)
        switch roll {
        case 0..<80:
            let password = random.chance(plan.wrongPassword) ? "<wrong-password>" : "<password>"
            // A banned person mostly tries the banned account again (a draw of its own stream).
            if let banned = client.bannedAs, moderation.chance(0.7) {
                return "/login \(ClientModel.spell(banned, with: &moderation)) \(password)"
            }
            return "/login \(account()) \(password)"
        // New names from a small pool, so that registrations race each other and logins.
        // With `_` and `-`, which names may hold, so a name rule that refuses them is seen.
        case 80..<85: return "/register \(spell(["n1", "n_2", "n-3"][random.within(1...3) - 1])) <password>"
        case 85..<86: return edgeCredentials()
        case 86..<91: return "/register \(account()) <password>"
        case 91..<94: return "/help"
        case 94..<97: return text("m\(client.number).\(client.nextText)")
        default: return "/join \(roomName())"
        }
    }

    /// What a logged-in client may type, in the order of `ExplorationPlan.commandWeights`.
    static let commands = [
        "message", "whisper", "create", "join", "leave", "users", "chatrooms", "help", "quit", "garbage", "login",
    ]

    private mutating func presentLine(_ client: ClientState) -> String {
        // A temporary room is where owners kick and members try to: three times as often there.
        if let chance = plan.moderation, moderation.chance(client.room == "global" ? chance : min(1, 3 * chance)) {
            return moderationLine(client)
        }
        let c = client.number, n = client.nextText
        let weights = plan.commandWeights
        let total = weights.reduce(0, +)
        guard total > 0 else { return text("m\(c).\(n)") }
        var roll = random.below(total)
        var command = 0
        while roll >= weights[command] {
            roll -= weights[command]
            command += 1
        }
        switch command {
        // Every fifth text is a /me action, chosen without a draw so other draws stay as they were.
        case 0:
            if let filled = filling("m\(c).\(n)", client) { return filled }
            return text(n % 5 == 2 ? "/me m\(c).\(n)" : "m\(c).\(n)")
        case 1: return text("/whisper \(random.chance(0.1) ? spell("u\(c)") : account()) w\(c).\(n)")
        case 2: return random.chance(0.5) ? "/create \(roomName())" : "/createchatroom \(roomName())"
        case 3: return "/join \(roomName())"
        case 4: return "/leave"
        // Every third /users is a /history instead, of a few sizes, chosen without a draw.
        case 5:
            return client.linesTyped % 3 == 2
                ? ClientModel.history[client.linesTyped / 3 % ClientModel.history.count] : "/users"
        case 6: return "/chatrooms"
        // Every other /help is a /history too, and every fourth a /passwd.
        case 7:
            if client.linesTyped % 4 == 3 { return changePassword(client) }
            return client.linesTyped % 2 == 0
                ? ClientModel.history[client.linesTyped / 2 % ClientModel.history.count] : "/help"
        // With a message (the room hears it) or without, by either name, without a draw.
        case 8: return ["/quit", "/quit see you", "/exit", "/exit gone  fishing"][client.linesTyped % 4]
        case 9: return garbage()
        default: return "/login \(account()) <password>"
        }
    }

    /// `/passwd OLD NEW`, OLD right or (one in two, without a draw) wrong, and one in eight
    /// a byte short of the seed's floor (refused `bad-password` before any check); NEW is
    /// the same password again, so the account's later logins stay as the world expects them.
    private func changePassword(_ client: ClientState) -> String {
        let account = client.account ?? setup.accounts[0]
        let floor = setup.limits.limits.minPasswordBytes
        let old: String
        switch client.linesTyped % 16 {
        case 3, 11: old = "<wrong-password>"
        case 15 where floor > 1: old = "<wrong-password-\(floor - 1)>"
        default: old = "<password-of-\(account)>"
        }
        return "/passwd \(old) <password-of-\(account)>"
    }

    /// `/history` with its default, a count smaller than a run's history, and the largest;
    /// and counts the protocol refuses: none, one past the largest, not a number.
    static let history = [
        "/history", "/history 1", "/history 2", "/history 3", "/history 500", "/history 0", "/history 501",
        "/history x",
    ]

    /// `/kick`, `/ban` or `/unban` of one of the accounts (the client's own included); a
    /// kick mostly aims at the last account the client saw join its room, an unban at the
    /// last it banned, and in a temporary room nine lines in ten are kicks.
    private mutating func moderationLine(_ client: ClientState) -> String {
        // An operator who has banned someone mostly lifts it next, so that the banned
        // account's next login meets the lifted ban.
        if let banned = client.lastBanned, moderation.chance(0.5) {
            return "/unban \(ClientModel.spell(banned, with: &moderation, chance: 0.7))"
        }
        var target = setup.accounts[moderation.below(setup.accounts.count)]
        let roll = moderation.below(10)
        switch client.room == "global" ? roll : roll * 2 / 3 {
        case 0..<6:
            if let joined = client.lastJoined, moderation.chance(0.7) { target = joined }
            target = ClientModel.spell(target, with: &moderation, chance: 0.7)
            return moderation.chance(0.5) ? "/kick \(target)" : "/kick \(target) be nice"
        case 6..<8:
            // Often the first account: guessers and hot logins aim at it, so its logins are in flight.
            if moderation.chance(0.4) { target = setup.accounts[0] }
            return "/ban \(ClientModel.spell(target, with: &moderation, chance: 0.7)) spam"
        default:
            if moderation.chance(0.4) { target = setup.accounts[0] }
            return "/unban \(ClientModel.spell(target, with: &moderation, chance: 0.7))"
        }
    }

    private mutating func garbage() -> String {
        let lines = [
            "/frob", "/join", "/whisper", "/users now", "/login \(account()) <password>",
            // One word too many after the password (refused bad-password, never logged in).
            "/login \(account()) <password> again",
            // `global` as people type it, in any case: reserved for rooms and accounts alike.
            "/create \(spell("global"))", "/join \(spell("global"))", "/register \(spell("global")) <password>",
            // Names no rule allows: a dot, a letter outside ASCII (refused bad-name).
            "/create den.2", "/join caf\u{E9}", "/whisper u.1 hi",
            // A word too many after a room's name (refused bad-name), a password with a tab
            // in it (bad-password: a tab is not a blank inside a word, yet no password holds one).
            "/join \(roomName()) \(roomName())", "/create \(roomName()) too", "/login \(account()) secret\tpassword1",
        ]
        return lines[random.below(lines.count)]
    }

    /// An account to log in as or whisper to; a hot account draws bursts of logins.
    private mutating func account() -> String {
        spell(random.chance(plan.hotAccount) ? setup.accounts[0] : setup.accounts[random.below(setup.accounts.count)])
    }

    private mutating func roomName() -> String {
        spell(setup.roomNames[random.below(setup.roomNames.count)])
    }

    // MARK: - Real inputs

    /// A name as people type it back: often in another case than it was made in.
    private mutating func spell(_ name: String) -> String { ClientModel.spell(name, with: &random) }

    /// Moderation draws from a stream of its own, so its spellings do too; a moderator types
    /// a name back in another case more often (`chance`), so that a kick or ban that keeps
    /// the typed spelling is seen.
    private static func spell(_ name: String, with random: inout SeededRandom, chance: Double = 0.35) -> String {
        guard random.chance(chance) else { return name }
        return String(name.map { random.chance(0.5) ? Character($0.uppercased()) : $0 })
    }

    /// A line with its tag as it is, or now and then with a payload people type: tabs and
    /// multi-byte UTF-8; exactly at the line limit or one byte past it; a control, format
    /// or separator character of any class (most refused with `ERR bad-text`).
    private mutating func text(_ line: String) -> String {
        // Where the seed bounds a line's run without a newline, a few lines run past it.
        let bound = setup.limits.maxUnterminatedBytes
        if bound < Limits.standard.maxUnterminatedBytes, random.chance(0.03) {
            return ClientModel.padded(line, to: bound + random.within(1...64))
        }
        let roll = random.below(100)
        switch roll {
        case 0..<4: return line + "\tcaf\u{E9} \u{2615} na\u{EF}ve \u{1F469}\u{200D}\u{1F4BB}\tend"
        case 4..<5: return ClientModel.padded(line, to: Limits.maxLineBytes)
        case 5..<6:
            // One byte past the limit, or (one in four) twice past it: the framer drops the rest.
            if random.chance(0.25) { return ClientModel.padded(line, to: 2 * Limits.maxLineBytes + 3) }
            return ClientModel.padded(line, to: Limits.maxLineBytes + 1)
        case 6..<8:
            let scalar = InvisibleScalars.draw(from: InvisibleScalars.classes, &random)
            return line + " look" + String(Character(scalar)) + "here"
        default: return line
        }
    }

    /// One message in four, when a slow reader shares the room: the tag padded so that its
    /// `MSG` line is exactly the bytes that reader may still take (from the moderation
    /// stream, so other draws stay as they were).
    private mutating func filling(_ tag: String, _ client: ClientState) -> String? {
        guard let fill, let account = client.account.flatMap({ Name($0) }), let room = Name(client.room),
            moderation.chance(0.25)
        else { return nil }
        let overhead = ServerLine.message(room: room, from: account, text: "").wireSize
        let text = fill - overhead
        guard text > tag.utf8.count + 1, text <= Limits.maxLineBytes else { return nil }
        return ClientModel.padded(tag, to: text)
    }

    /// The line, a blank, then multi-byte filler up to exactly `bytes` bytes.
    static func padded(_ line: String, to bytes: Int) -> String {
        var padded = line + " "
        let filler = "\u{E9}\u{4E16}x"  // 2, 3 and 1 bytes
        while padded.utf8.count + filler.utf8.count <= bytes { padded += filler }
        while padded.utf8.count < bytes { padded += "y" }
        return padded
    }

    /// Credentials at their limits and one past them: a name of 32 and 33 characters, a
    /// password of 256 and 257 bytes, and one a byte short of the seed's floor.
    private mutating func edgeCredentials() -> String {
        let longest = "n" + String(repeating: "x", count: Name.maxLength - 1)
        switch random.below(5) {
        case 0: return "/register \(spell(longest)) <password>"
        case 1: return "/register \(spell(longest))z <password>"
        case 2: return "/login \(account()) <wrong-password-\(Password.maxBytes)>"
        case 3: return "/login \(account()) <wrong-password-\(Password.maxBytes + 1)>"
        default:
            // One byte short of the floor; at a floor of 1, exactly it (none is shorter).
            let floor = setup.limits.limits.minPasswordBytes
            return "/login \(account()) <wrong-password-\(floor > 1 ? floor - 1 : floor)>"
        }
    }
}
