import Dispatch
import Foundation

/// Every run of a bounded world (`ExhaustiveScope`), depth first over a `ChoiceStream`:
/// each step offers the scope's moves, the stream picks one, and the next sequence
/// bumps the last choice that has options left. The world is a value, so instead of
/// replaying a sequence from the start the search resumes from the world it kept before
/// the choice that changed.
///
/// A state already explored is pruned: each state's digest (`StateDigest`, with the
/// faults the run has left) is kept with the fewest steps it was reached in, and a run
/// that reaches it again in as many steps or more stops there, since everything after
/// it has been explored. A run ends when nothing can happen or at `maxSteps`; the world
/// then settles and quiescence is checked. The first broken invariant stops the search
/// and is shrunk into a fixture like a failing seed.
public struct ExhaustiveSearch<Actors: ActorKit> {
    public let scope: ExhaustiveScope
    /// Where the fixture of a failure goes; nil writes none.
    public var fixturesDirectory: String?
    public var shrinkBudget = 2_000
    /// Stop after this many seconds (the summary then says the search is incomplete).
    public var timeLimit: Double?
    /// A name for the fixture's plant field (tests).
    public var plant: String?

    public init(scope: ExhaustiveScope, actors: Actors.Type, fixturesDirectory: String?) {
        self.scope = scope
        self.fixturesDirectory = fixturesDirectory
    }

    public struct Failure: Sendable {
        public let violation: Violation
        /// The run's decisions as found, and the fixture written from them.
        public let decisions: [Decision]
        public let fixture: String?
        public let shrunkDecisions: Int?
    }

    public struct Summary: Sendable {
        /// Choice sequences run: each ends at a leaf (settled and checked) or a pruned state.
        public var sequences = 0
        public var leaves = 0
        public var distinctStates = 0
        public var pruned = 0
        /// Runs cut at `maxSteps` rather than ending by themselves.
        public var cutAtMaxSteps = 0
        public var deepest = 0
        public var seconds = 0.0
        /// Every sequence was run (not stopped by a failure or the time limit).
        public var complete = false
        /// Sequences in which each hazard was met.
        public var hazards: [Hazard: Int] = [:]
        public var failure: Failure?
    }

    /// The world before each choice of the current sequence, and the faults left then.
    private struct Frame {
        var world: World<Actors>
        var faultsLeft: Int
    }

    public func run(progress: (Summary) -> Void = { _ in }) -> Summary {
        let started = DispatchTime.now()
        var summary = Summary()
        var stream = ChoiceStream()
        var frames: [Frame] = []
        var path: [Decision] = []
        var world = World<Actors>(setup: scope.setup)
        StateDigest.checkCoverage(of: world)
        var faultsLeft = scope.faults
        var visited: [UInt64: Int32] = [key(world, faultsLeft): 0]
        var lastReport = started
        while true {
            // One sequence: choose until a leaf, a pruned state or a broken invariant.
            while true {
                let moves = scope.moves(in: world, faultsLeft: faultsLeft)
                if moves.isEmpty || path.count == scope.maxSteps {
                    if !moves.isEmpty { summary.cutAtMaxSteps += 1 }
                    summary.leaves += 1
                    world.settle()
                    break
                }
                frames.append(Frame(world: world, faultsLeft: faultsLeft))
                let move = moves[stream.below(moves.count)]
                path.append(apply(move, to: &world, faultsLeft: &faultsLeft))
                if world.violation != nil { break }
                let state = key(world, faultsLeft)
                if let seen = visited[state], Int(seen) <= path.count {
                    summary.pruned += 1
                    break
                }
                visited[state] = Int32(path.count)
            }
            summary.sequences += 1
            summary.deepest = max(summary.deepest, path.count)
            for hazard in world.hazards.all { summary.hazards[hazard, default: 0] += 1 }
            if let violation = world.violation {
                summary.failure = failure(violation, path)
                break
            }
            let seconds = Campaign.seconds(since: started)
            if let timeLimit, seconds >= timeLimit { break }
            if Campaign.seconds(since: lastReport) >= 1 {
                lastReport = DispatchTime.now()
                summary.distinctStates = visited.count
                summary.seconds = seconds
                progress(summary)
            }
            guard let changed = stream.advance() else {
                summary.complete = true
                break
            }
            world = frames[changed].world
            faultsLeft = frames[changed].faultsLeft
            frames.removeSubrange(changed...)
            path.removeSubrange(changed...)
        }
        summary.distinctStates = visited.count
        summary.seconds = Campaign.seconds(since: started)
        return summary
    }

    private func key(_ world: World<Actors>, _ faultsLeft: Int) -> UInt64 {
        var hasher = Hasher()
        world.digest(into: &hasher)
        hasher.combine(faultsLeft)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private func apply(_ move: ExhaustiveMove, to world: inout World<Actors>, faultsLeft: inout Int) -> Decision {
        switch move {
        case .lane(let lane):
            return world.run(lane: lane)
        case .act(let decision), .fault(let decision):
            if case .fault = move { faultsLeft -= 1 }
            let outcome = world.apply(decision)
            precondition(outcome == .applied, "an offered move did not apply: \(decision): \(outcome)")
            return decision
        }
    }

    /// The failing sequence, shrunk and written as a fixture (the seed field holds 0: a
    /// scope has no seed; the fixture's plan and options say the scope).
    private func failure(_ violation: Violation, _ decisions: [Decision]) -> Failure {
        let report = RunReport(
            seed: 0, options: scope.options, setup: scope.setup, plan: scope.plan, violation: violation,
            hazards: Hazards(), traceHash: 0, steps: decisions.count, actorSteps: 0, decisions: decisions,
            stepHashes: nil, timeline: nil)
        guard let directory = fixturesDirectory,
            var fixture = Simulation.fixture(
                for: report, goal: .violation(violation.invariant), actors: Actors.self, plant: plant,
                budget: shrinkBudget)
        else { return Failure(violation: violation, decisions: decisions, fixture: nil, shrunkDecisions: nil) }
        fixture.summary = "exhaustive (\(scope)): " + fixture.summary
        let path = (directory as NSString).appendingPathComponent("exhaustive-" + fixture.fileName)
        let saved: Bool
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try fixture.save(to: path)
            saved = true
        } catch {
            saved = false
        }
        return Failure(
            violation: violation, decisions: decisions, fixture: saved ? path : nil,
            shrunkDecisions: fixture.decisions.count)
    }
}
