/// What a shrunk run must still do.
public enum ShrinkGoal: Equatable, Sendable {
    /// Break this invariant (any step, any detail).
    case violation(Invariant)
    /// Meet this hazard with every invariant holding.
    case hazard(Hazard)

    func isMet<Actors>(by world: World<Actors>) -> Bool {
        switch self {
        case .violation(let invariant): return world.violation?.invariant == invariant
        case .hazard(let hazard): return world.violation == nil && world.hazards.contains(hazard)
        }
    }
}

/// Reduces a run to a short one that still meets its goal, in the manner of Hypothesis's
/// internal reduction (MacIver and Donaldson, ECOOP 2020): edit the choice stream (here,
/// the decisions), replay, keep what still fails. Replays are lenient: a decision that no
/// longer fits is skipped, and a delivery takes whatever mail heads its lane; the
/// candidate kept is the list of decisions as they were actually applied, so the result
/// replays strictly. The budget counts replays, not seconds, so a shrink is as
/// deterministic as the run it shrinks.
public struct Shrinker<Actors: ActorKit>: ShrinkPasses {
    public let setup: WorldSetup
    public let goal: ShrinkGoal
    public private(set) var budget: Int
    public private(set) var replays = 0

    public init(setup: WorldSetup, goal: ShrinkGoal, budget: Int = 2_000, actors: Actors.Type = Actors.self) {
        self.setup = setup
        self.goal = goal
        self.budget = budget
    }

    /// The shortest run found that still meets the goal, or nil if `decisions` does not.
    public mutating func shrink(_ decisions: [Decision]) -> [Decision]? {
        guard var best = attempt(decisions) else { return nil }
        var progress = true
        while progress, budget > 0 {
            let before = best
            removeClasses(&best)
            removeChunks(&best)
            simplify(&best)
            progress = Shrinker.cost(best) < Shrinker.cost(before)
        }
        return best
    }

    /// Replays a candidate; returns the decisions it applied if the goal is still met.
    mutating func attempt(_ candidate: [Decision]) -> [Decision]? {
        guard budget > 0 else { return nil }
        budget -= 1
        replays += 1
        var world = World<Actors>(setup: setup, recordDecisions: true)
        for decision in candidate {
            world.apply(decision, lenient: true)
            if world.violation != nil { break }
        }
        world.settle()
        return goal.isMet(by: world) ? world.applied : nil
    }

    public var hasBudget: Bool { budget > 0 }

    public mutating func keep(_ candidate: [Decision], over best: inout [Decision]) {
        if let result = attempt(candidate), Shrinker.cost(result) < Shrinker.cost(best) { best = result }
    }

    /// Whole classes at once: one client's every act (its lanes go with it), every read,
    /// every clock move, every fault.
    private mutating func removeClasses(_ best: inout [Decision]) {
        let clients = (1...setup.clients).reversed().map { client in
            { (decision: Decision) in decision.client == client }
        }
        removeEach(of: clients + Decision.shrinkClasses, from: &best)
    }

    /// Smaller numbers and plainer faults: a partial delivery becomes a whole one, a
    /// clock move gets shorter, a hang-up keeps its bytes.
    private mutating func simplify(_ best: inout [Decision]) {
        var index = best.count - 1
        while index >= 0, budget > 0 {
            if index < best.count {
                for simpler in Shrinker.simplifications(of: best[index]) {
                    var candidate = best
                    candidate[index] = simpler
                    keep(candidate, over: &best)
                    if index >= best.count || best[index] == simpler { break }
                }
            }
            index -= 1
        }
    }

    static func simplifications(of decision: Decision) -> [Decision] {
        switch decision {
        case .receive(let name, let bytes): return [.receive(name, bytes: Int.max)].filter { _ in bytes < Int.max }
        case .advanceClock(let ms) where ms > 1:
            return [.advanceClock(milliseconds: 1), .advanceClock(milliseconds: ms / 2)]
        case .hangUp(let client, true): return [.hangUp(client: client, dropUnsent: false)]
        default: return []
        }
    }

    /// Shorter runs first; among equally long ones, smaller numbers.
    static func cost(_ decisions: [Decision]) -> (Int, Int) {
        var weight = 0
        for decision in decisions {
            switch decision {
            case .advanceClock(let ms): weight += min(ms, 1 << 30)
            case .hangUp(_, true): weight += 1
            case .receive: weight += 1
            default: break
            }
        }
        return (decisions.count, weight)
    }
}

extension Decision {
    /// Kinds of decision a shrinker removes all at once: reads, clock moves, slow
    /// reading, store faults.
    static var shrinkClasses: [(Decision) -> Bool] {
        [
            {
                if case .read = $0 { return true }
                return false
            },
            {
                if case .advanceClock = $0 { return true }
                return false
            },
            {
                if case .stopReading = $0 { return true }
                if case .resumeReading = $0 { return true }
                return false
            },
            {
                if case .storeFailing = $0 { return true }
                return false
            },
        ]
    }
}
