/// One generated run: draws each decision from the seed (what runs next, what a client
/// types, which fault strikes), applies it, and stops at the first broken invariant or
/// when the plan's steps are spent; then the world settles and quiescence is checked.
struct Exploration<Actors: ActorKit> {
    private(set) var world: World<Actors>
    private let plan: ExplorationPlan
    private var scheduler: Scheduler
    private var clients: ClientModel
    private var choices: SeededRandom
    private var faults: SeededRandom
    /// Whether a clock move goes to a login policy's next edge (a stream of its own).
    private var edges: SeededRandom

    init(seed: UInt64, setup: WorldSetup, plan: ExplorationPlan, world: World<Actors>) {
        self.world = world
        self.plan = plan
        scheduler = Scheduler(
            kind: plan.scheduler, depth: plan.depth, expectedSteps: plan.steps,
            random: SeededRandom(seed: seed, stream: 2))
        clients = ClientModel(
            setup: setup, plan: plan, random: SeededRandom(seed: seed, stream: 3),
            moderation: SeededRandom(seed: seed, stream: 9), ircRandom: SeededRandom(seed: seed, stream: 12))
        choices = SeededRandom(seed: seed, stream: 4)
        faults = SeededRandom(seed: seed, stream: 5)
        edges = SeededRandom(seed: seed, stream: 22)
    }

    mutating func run() {
        for _ in 0..<plan.steps {
            guard world.violation == nil, let choice = next() else { break }
            switch choice {
            case .lane(let lane):
                world.run(lane: lane)
            case .decision(let decision):
                let outcome = world.apply(decision)
                precondition(outcome == .applied, "a generated decision did not apply: \(decision): \(outcome)")
            }
        }
        world.settle()
    }

    /// What to do next: run a lane as it stands, or a decision made up here.
    private enum Choice {
        case lane(Int)
        case decision(Decision)
    }

    /// What happens next, or nil when nothing is left to do.
    private mutating func next() -> Choice? {
        let lanes = world.runnableLanes
        let anyAble = clients.anyAble(in: world)
        if lanes.isEmpty, !anyAble {
            guard let wake = world.earliestWake else { return nil }
            return .decision(
                .advanceClock(
                    milliseconds: Int(max(1, (wake.nanoseconds - world.now.nanoseconds + 999_999) / 1_000_000))))
        }
        let deliver = lanes.isEmpty ? 0 : plan.deliverWeight
        let act = anyAble ? plan.clientWeight : 0
        var roll = choices.below(deliver + act + plan.clockWeight + plan.faultWeight)
        if roll < deliver { return delivery(lanes) }
        roll -= deliver
        if roll < act {
            let able = clients.ableCount(in: world)
            let client = world.clients[clients.able(choices.below(able), in: world) - 1]
            clients.fill = outboxLeft(besides: client)
            return .decision(clients.next(for: client))
        }
        roll -= act
        if roll < plan.clockWeight { return .decision(clockMove(milliseconds: choices.within(1...300))) }
        return .decision(fault() ?? .advanceClock(milliseconds: choices.within(1...50)))
    }

    /// The clock moves on; one move in three that would pass a login policy's next edge
    /// stops exactly on it instead.
    private mutating func clockMove(milliseconds: Int) -> Decision {
        if let edge = world.nextPolicyEdge, case let ahead = edge.nanoseconds - world.now.nanoseconds,
            ahead <= Int64(milliseconds) * 1_000_000, edges.chance(1.0 / 3)
        {
            return .advanceClock(milliseconds: Int(max(1, ahead / 1_000_000)))
        }
        return .advanceClock(milliseconds: milliseconds)
    }

    /// The fewest bytes a slow reader in this client's room may still take, by the
    /// checker's own count (what its session wrote, less what its client read): a message
    /// of exactly that size fills its outbox to the limit, the slow-reader bound's edge.
    private func outboxLeft(besides client: ClientState) -> Int? {
        guard let slot = client.current, let room = world.model.room(of: world.sessions[slot].id) else { return nil }
        var fewest: Int?
        for (member, _) in world.model.members[room] ?? [:] {
            guard let other = world.slot(member), other != slot,
                !world.clients[world.sessions[other].name.client - 1].reading
            else { continue }
            let left = world.limits.maxOutboxBytes - world.model.sessions[other].outbox
            if left > 0, fewest.map({ left < $0 }) ?? true { fewest = left }
        }
        return fewest
    }

    private mutating func delivery(_ lanes: [Int]) -> Choice {
        let lane = scheduler.pick(from: lanes, laneCount: world.lanes.count)
        if case .net = world.lanes.keys[lane], faults.chance(plan.partialDelivery),
            case .receive(let name, let bytes) = world.decision(forLane: lane), bytes > 1
        {
            // One in four hands over all but the last byte: a line's `\r` without its `\n`.
            return .decision(.receive(name, bytes: faults.chance(0.25) ? bytes - 1 : faults.within(1...(bytes - 1))))
        }
        return .lane(lane)
    }

    /// A fault, when the one drawn is switched on for this seed.
    private mutating func fault() -> Decision? {
        let connected = world.clients.filter { $0.current != nil }.map(\.number)
        switch faults.below(4) {
        case 0 where !connected.isEmpty && faults.chance(plan.hangUp):
            return .hangUp(client: connected[faults.below(connected.count)], dropUnsent: faults.chance(plan.dropUnsent))
        case 1 where faults.chance(plan.slowReader):
            // A slow reader stays slow for a while: it reads again only one time in four.
            let client = world.clients[faults.below(world.clients.count)]
            if client.reading { return .stopReading(client: client.number) }
            return faults.chance(0.25) ? .resumeReading(client: client.number) : nil
        case 2 where world.storeFailing:
            // Unreadable pages stay so for a while, so that joins meet them with messages in flight.
            guard world.setup.storeFailureMode != .reads || faults.chance(0.2) else { return nil }
            return .storeFailing(false)
        case 2
        where faults.chance(world.setup.storeFailureMode == .reads ? max(plan.storeFailure, 0.5) : plan.storeFailure):
            return .storeFailing(true)
        case 3 where faults.chance(plan.clockJump):
            return clockMove(milliseconds: faults.within(2...90) * 1000)
        default:
            return nil
        }
    }
}
