/// Everything that may happen next in a world of an exhaustive scope, in a fixed order:
/// each runnable lane (by lane number), then each client's acts, then the faults the
/// run still has budget for. The search picks one by its index in this list.
enum ExhaustiveMove: Equatable {
    /// Run a lane as it stands (deliver its next mail, hand over its bytes, read a line...).
    case lane(Int)
    /// A client's act, or the store recovering: free.
    case act(Decision)
    /// A fault: spends one of the run's faults.
    case fault(Decision)
}

extension ExhaustiveScope {
    func moves<Actors>(in world: World<Actors>, faultsLeft: Int) -> [ExhaustiveMove] {
        var moves = world.runnableLanes.sorted().map(ExhaustiveMove.lane)
        moves += clientActs(in: world)
        if world.storeFailing { moves.append(.act(.storeFailing(false))) }
        if faultsLeft > 0 { moves += faults(in: world) }
        return moves
    }

    /// What each client may do now. Clients that have not connected yet are alike (the
    /// same alphabet, an account and address of their own), so only the first of them
    /// is offered its connect: a run where another goes first is the same run with the
    /// clients renumbered (symmetry reduction).
    private func clientActs<Actors>(in world: World<Actors>) -> [ExhaustiveMove] {
        var acts: [ExhaustiveMove] = []
        var offeredConnect = false
        for client in world.clients {
            let number = client.number
            guard let slot = client.current else {
                if client.slots.isEmpty, !offeredConnect {
                    offeredConnect = true
                    acts.append(.act(.connect(client: number)))
                }
                continue
            }
            if client.linesTyped == 0 {
                acts.append(.act(.type(client: number, line: "/login u\(number) <password>")))
                continue
            }
            let audit = world.observed.sessions[slot].audit
            guard client.linesTyped - 1 < commands, audit.commandsSent - audit.answersRead <= typeAhead else {
                continue
            }
            for line in alphabet(client: number, nextText: client.nextText) {
                acts.append(.act(.type(client: number, line: line)))
            }
        }
        return acts
    }

    private func faults<Actors>(in world: World<Actors>) -> [ExhaustiveMove] {
        var faults: [ExhaustiveMove] = []
        for client in world.clients {
            guard let slot = client.current else { continue }
            faults.append(.fault(.hangUp(client: client.number, dropUnsent: false)))
            let pending = world.sessions[slot].pendingInbound
            if pending > 0 { faults.append(.fault(.hangUp(client: client.number, dropUnsent: true))) }
            // The network hands over all but the last byte: the line's end comes later.
            if pending > 1, world.lanes.isRunnable(world.sessions[slot].netLane) {
                faults.append(.fault(.receive(world.sessions[slot].name, bytes: pending - 1)))
            }
        }
        if !world.storeFailing { faults.append(.fault(.storeFailing(true))) }
        if let wake = world.earliestWake {
            let wait = max(1, (wake.nanoseconds - world.now.nanoseconds + 999_999) / 1_000_000)
            faults.append(.fault(.advanceClock(milliseconds: Int(wait))))
        }
        return faults
    }

    /// The plan a fixture of this scope records: the scope's own, in the plan's terms.
    var plan: ExplorationPlan {
        ExplorationPlan(
            scheduler: .random, depth: 1, steps: maxSteps, deliverWeight: 1, clientWeight: 1, clockWeight: 0,
            faultWeight: faults > 0 ? 1 : 0, linesPerClient: commands + 1, connectionsPerClient: 1,
            pipelining: Double(typeAhead) / 4, hotAccount: 0, wrongPassword: 0,
            commandWeights: [1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0], hangUp: faults > 0 ? 1 : 0,
            dropUnsent: faults > 0 ? 1 : 0,
            partialDelivery: faults > 0 ? 1 : 0, slowReader: 0, storeFailure: faults > 0 ? 1 : 0,
            clockJump: faults > 0 ? 1 : 0)
    }
}
