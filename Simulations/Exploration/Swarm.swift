import ChatCore

/// Draws a seed's world and plan. Every seed gets its own mix: how many clients and
/// accounts, how few room names (few names make creates and joins collide), how tight
/// the limits, and which faults at what rates.
public enum Swarm {
    public static func draw(seed: UInt64, options: SimulationOptions) -> (WorldSetup, ExplorationPlan) {
        var random = SeededRandom(seed: seed, stream: 1)
        let clients = options.clients ?? random.within(2...6)
        // Most seeds give every client an account of its own (chat); some share a few
        // (logins replace each other).
        var accounts = (1...(random.chance(0.35) ? random.within(1...clients) : clients)).map { "u\($0)" }
        var roomNames = Array(["den", "loft", "attic"].prefix(random.within(1...3)))
        // Accounts are spelled in mixed case in most seeds (U2 beside u1), from a stream of
        // their own, and so are room names (Den beside attic), so that lists sorted by spelling
        // instead of by name disagree with the model.
        var spelling = SeededRandom(seed: seed, stream: 14)
        if spelling.chance(0.7) { accounts = accounts.map { spelling.chance(0.5) ? $0.uppercased() : $0 } }
        if spelling.chance(0.7) {
            roomNames = roomNames.map { spelling.chance(0.5) ? $0.prefix(1).uppercased() + $0.dropFirst() : $0 }
        }
        var world = WorldSetup(
            clients: clients, accounts: accounts, roomNames: roomNames, limits: limits(&random, options))
        var plan = plan(&random, options)
        // The login policy draws from a stream of its own, so every other draw is as before.
        var login = SeededRandom(seed: seed, stream: 6)
        LoginPolicySetup.draw(&login, into: &world.limits)
        plan.guessing = GuessingPlan.draw(&login, world: &world)
        // Loopback is exempt from the per-address limits and not from the per-account ones:
        // some seeds put the guessers (or everyone) there. A stream of its own again.
        // One seed in five bounds a line's run without a newline at a few lines' length, so
        // that lines twice past the limit close the connection (a stream of its own).
        var framing = SeededRandom(seed: seed, stream: 17)
        if framing.chance(0.2) { world.limits.maxUnterminatedBytes = framing.within(4_200...20_000) }
        var loopback = SeededRandom(seed: seed, stream: 16)
        if loopback.chance(0.15) {
            let everyone = plan.guessing == nil || loopback.chance(0.3)
            // Loopback as the kernel names it: all of 127/8, ::1, and IPv4 mapped into IPv6.
            let address = ["127.0.0.1", "::1", "127.0.0.2", "::ffff:127.0.0.1"][loopback.below(4)]
            world.addresses = (1...clients).map { number in
                guard everyone || plan.guessing?.isGuesser(number) == true else {
                    return world.addresses.map { $0[number - 1] } ?? "10.0.0.\(number)"
                }
                return address
            }
        }
        // So does history: one seed in four without, the rest with a short one (often a
        // single line), so that bursts outgrow it, and more is said while someone waits for
        // it than it holds.
        var history = SeededRandom(seed: seed, stream: 7)
        world.historyLines = history.chance(0.25) ? 0 : history.chance(0.4) ? 1 : history.within(2...5)
        // Deadlines short enough to pass within a run, from a stream of their own too.
        var deadlines = SeededRandom(seed: seed, stream: 8)
        if deadlines.chance(0.5) { world.limits.loginDeadlineMilliseconds = deadlines.within(1...16) * 250 }
        // So do bans: some seeds ban one account, whose logins must all be refused.
        var moderation = SeededRandom(seed: seed, stream: 10)
        if accounts.count >= 2, moderation.chance(0.3) {
            world.bannedAccounts = [accounts[moderation.within(0...(accounts.count - 1))]]
        }
        // Chat moderation too: some accounts are operators, and some seeds' clients kick,
        // ban and unban; a stream of its own again.
        var chat = SeededRandom(seed: seed, stream: 11)
        // One operator in most seeds; every account one in some, so that bans and unbans are
        // many and meet logins in flight, and kicks in global are carried out.
        if chat.chance(0.7) {
            world.operatorAccounts =
                chat.chance(0.3) ? accounts : [accounts[chat.within(0...(accounts.count - 1))]]
        }
        if chat.chance(0.8) { plan.moderation = Double(chat.within(5...30)) / 100 }
        // Some of those seeds keep the store failing half the time, so that a kick meets a
        // message of its target's that the store then fails (kicked-sender-store-failed).
        // (Stream 16 is the loopback draw's: sharing it made every loopback seed a storm.)
        var storm = SeededRandom(seed: seed, stream: 20)
        if plan.moderation != nil, options.faults, storm.chance(0.3) { plan.storeFailure = 1 }
        // Most seeds end lines as real clients do, with CRLF (a stream of its own).
        var lineEnds = SeededRandom(seed: seed, stream: 23)
        world.crlfLines = lineEnds.chance(0.8)
        // A store failure fails writes, history reads, or both, by seed (a stream of its own):
        // with reads failing and writes working, an arrival gets the messages it missed live
        // after an empty history, and `/history` its error.
        var unreadable = SeededRandom(seed: seed, stream: 24)
        world.storeFailureMode = [.writes, .reads, .both][unreadable.below(3)]
        // A password floor lowered as for a test suite, one seed in five (the model checks
        // passwords by it); a stream of its own.
        var floor = SeededRandom(seed: seed, stream: 15)
        if floor.chance(0.2) { world.limits.minPasswordBytes = floor.within(Limits.minPasswordBytesAllowed) }
        // Three seeds in ten with two or more room names keep rooms alive and list them: many
        // creates and joins, few leaves, and /chatrooms and /users often, so that lists of
        // several rooms spelled in mixed case, and of crowded rooms, are read and judged. A
        // stream of its own.
        var lists = SeededRandom(seed: seed, stream: 21)
        if world.roomNames.count >= 2, lists.chance(0.3) {
            // message, whisper, create, join, leave, users, chatrooms, help, quit, garbage, login
            plan.commandWeights = [2, 1, 8, 6, 1, 4, 6, 0, 0, 0, 0]
        }
        world.ircClients = ircClients(seed: seed, world: world, plan: plan, options: options)
        return (world, plan)
    }

    /// Which clients speak IRC, from a stream of their own: one seed in ten all Parley, one
    /// in ten all IRC, the rest mixed (each client IRC at even odds, at least one of each
    /// kind). Password guessers speak Parley. `--irc-clients N` makes the first N IRC.
    private static func ircClients(
        seed: UInt64, world: WorldSetup, plan: ExplorationPlan, options: SimulationOptions
    ) -> [Int]? {
        let chatters = (1...world.clients).filter { plan.guessing?.isGuesser($0) != true }
        if let count = options.ircClients {
            return count == 0 ? nil : Array(chatters.prefix(count))
        }
        var random = SeededRandom(seed: seed, stream: 13)
        switch random.below(10) {
        case 0: return nil
        case 1: return chatters
        default:
            guard chatters.count > 1 else { return random.chance(0.5) ? chatters : nil }
            var chosen = chatters.filter { _ in random.chance(0.5) }
            if chosen.isEmpty { chosen = [chatters[random.below(chatters.count)]] }
            if chosen.count == chatters.count { chosen.remove(at: random.below(chosen.count)) }
            return chosen
        }
    }

    private static func limits(_ random: inout SeededRandom, _ options: SimulationOptions) -> LimitSetup {
        var limits = LimitSetup()
        if random.chance(0.3) {
            limits.linesPerSecond = nil
        } else {
            limits.linesPerSecond = random.within(2...20)
            limits.burst = random.within(1...20)
        }
        limits.maxHeldLines = random.within(4...40)
        // Small outboxes make slow readers meet the limit within a short run.
        limits.maxOutboxBytes = options.faults && random.chance(0.5) ? random.within(100...1500) : 512 * 1024
        limits.loginDeadlineMilliseconds = random.within(5...60) * 1000
        limits.maxFailedLogins = random.within(2...5)
        limits.maxPendingLogins = random.chance(0.2) ? random.within(1...3) : 512
        return limits
    }

    /// The command mix: usually each command on or off at random; one seed in three is
    /// all room churn (create, join, leave, and a few messages), where rooms empty while
    /// someone is on the way in.
    private static func commandWeights(_ random: inout SeededRandom) -> [Int] {
        if random.chance(0.33) {
            // message, whisper, create, join, leave, users, chatrooms, help, quit, garbage, login
            return [3, 1, 8, 10, 10, 1, 2, 0, 0, 0, 0]
        }
        return (0..<ClientModel.commands.count).map { _ in random.chance(0.15) ? 0 : random.within(1...10) }
    }

    private static func plan(_ random: inout SeededRandom, _ options: SimulationOptions) -> ExplorationPlan {
        let faults = options.faults
        return ExplorationPlan(
            scheduler: options.scheduler,
            depth: options.depth,
            steps: options.steps,
            deliverWeight: random.within(20...60),
            clientWeight: random.within(5...30),
            clockWeight: random.within(1...6),
            faultWeight: faults ? random.within(1...6) : 0,
            linesPerClient: random.within(4...40),
            connectionsPerClient: random.within(1...4),
            pipelining: Double(random.within(0...100)) / 100,
            hotAccount: random.chance(0.5) ? 0 : Double(random.within(1...100)) / 100,
            wrongPassword: random.chance(0.5) ? 0 : 0.1,
            commandWeights: commandWeights(&random),
            hangUp: faults ? random.swarmProbability(max: 1) : 0,
            dropUnsent: faults ? random.swarmProbability(max: 1) : 0,
            partialDelivery: faults ? random.swarmProbability(max: 0.5) : 0,
            slowReader: faults ? random.swarmProbability(max: 1) : 0,
            storeFailure: faults ? random.swarmProbability(max: 1) : 0,
            clockJump: faults ? random.swarmProbability(max: 1) : 0
        )
    }
}
