import Dispatch
import Foundation

/// Every run of a bounded world (`ExhaustiveScope`), depth first: each state offers the
/// scope's moves (`moves(in:)`), and the search runs each from a copy of the world kept
/// on its stack (the world is a value, so nothing is replayed from the start).
///
/// Two reductions, both sound (`docs/ARCHITECTURE.md`, "The exhaustive search"). A state
/// already explored is pruned: each state's digest (`StateDigest`, with the faults the
/// run has left) is kept with the fewest steps it was reached in and the moves no visit
/// has run. Sleep sets (Godefroid's partial-order reduction): after a move has been run
/// from a state, a later sibling independent of it (`MoveFootprint`) does not run it
/// again, since both orders end in the same state. A run ends when nothing can happen or
/// at `maxSteps`; the world then settles and quiescence is checked. The first broken
/// invariant stops the search and is shrunk into a fixture like a failing seed.
public struct ExhaustiveSearch<Actors: ActorKit> {
    public let scope: ExhaustiveScope
    /// Where the fixture of a failure goes; nil writes none.
    public var fixturesDirectory: String?
    public var shrinkBudget = 2_000
    /// Stop after this many seconds (the summary then says the search is incomplete).
    public var timeLimit: Double?
    /// A name for the fixture's plant field (tests).
    public var plant: String?
    /// Runs both orders of every pair of moves the sleep sets take as independent and
    /// keeps a move asleep only when they end alike (slow: a check of the footprints).
    public var checkIndependence = false
    /// Sleep sets on (off: every order of independent moves runs, as a baseline).
    public var sleepSets = true

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
        /// States where every move was asleep (sleep sets: covered by runs from elsewhere).
        public var slept = 0
        /// With `checkIndependence`: moves kept asleep after a move said independent, and
        /// those whose two orders did not end alike (by the digest fields that differed).
        public var independenceClaims = 0
        public var independenceBroken = 0
        public var brokenFields: [String: Int] = [:]
        public var brokenExamples: [String] = []
        /// Distinct states by the faults the run had left in them (where the states are).
        public var statesByFaultsLeft: [Int: Int] = [:]
        /// Sequences in which each hazard was met.
        public var hazards: [Hazard: Int] = [:]
        public var failure: Failure?
    }

    /// A state on the search's stack: the world, its moves (in `moves(in:)` order), the
    /// ones still to run from it, and its sleep set (moves whose runs from here are
    /// covered by runs already made or yet to be made from an ancestor).
    private struct Frame {
        var world: World<Actors>
        var faultsLeft: Int
        var moves: [ExhaustiveMove]
        var identities: [MoveIdentity]
        var footprints: [MoveFootprint]
        var toRun: [Int]
        var next = 0
        var sleep: [Slept]
    }

    private struct Slept {
        let identity: MoveIdentity
        let footprint: MoveFootprint
    }

    /// What the search knows of a state explored: the fewest steps it was reached in, and
    /// which of its moves no visit has run yet (bits over its moves in the order of their
    /// identities' hashes, the same in every visit: equal states offer the same moves).
    private struct Visit {
        var depth: Int32
        var notRun: UInt64
    }

    public func run(progress: (Summary) -> Void = { _ in }) -> Summary {
        let started = DispatchTime.now()
        var summary = Summary()
        var frames: [Frame] = []
        var path: [Decision] = []
        var visited: [UInt64: Visit] = [:]
        var lastReport = started
        let root = World<Actors>(setup: scope.setup)
        StateDigest.checkCoverage(of: root)
        var entered = enter(
            root, faultsLeft: scope.faults, sleep: [], depth: 0, visited: &visited, summary: &summary)
        while true {
            if let frame = entered {
                frames.append(frame)
                entered = nil
            } else {
                // A sequence ended: at a leaf, a state explored already, or a broken invariant.
                summary.sequences += 1
                summary.deepest = max(summary.deepest, path.count)
                if let violation = summary.failure?.violation {
                    summary.failure = failure(violation, path)
                    break
                }
                // The move into the state where it ended leaves the path (a frame's own
                // move leaves when the frame does).
                if path.count > frames.count - 1, !path.isEmpty { path.removeLast() }
                let seconds = Campaign.seconds(since: started)
                if let timeLimit, seconds >= timeLimit { break }
                if Campaign.seconds(since: lastReport) >= 1 {
                    lastReport = DispatchTime.now()
                    summary.distinctStates = visited.count
                    summary.seconds = seconds
                    progress(summary)
                }
            }
            // The next move of the deepest state that has one left.
            // By index: a copy of the frame would retain and release its whole world.
            while !frames.isEmpty, frames[frames.count - 1].next == frames[frames.count - 1].toRun.count {
                frames.removeLast()
                if !path.isEmpty { path.removeLast() }
            }
            guard !frames.isEmpty else {
                summary.complete = true
                break
            }
            let top = frames.count - 1
            let index = frames[top].toRun[frames[top].next]
            frames[top].next += 1
            let footprint = frames[top].footprints[index]
            var sleep = sleepSets ? frames[top].sleep.filter { !$0.footprint.meets(footprint) } : []
            if checkIndependence { sleep = sleep.filter { confirm($0, index, in: frames[top], &summary) } }
            frames[top].sleep.append(Slept(identity: frames[top].identities[index], footprint: footprint))
            var world = frames[top].world
            var faultsLeft = frames[top].faultsLeft
            path.append(apply(frames[top].moves[index], to: &world, faultsLeft: &faultsLeft))
            entered = enter(
                world, faultsLeft: faultsLeft, sleep: sleep, depth: path.count, visited: &visited, summary: &summary)
        }
        summary.distinctStates = visited.count
        summary.seconds = Campaign.seconds(since: started)
        return summary
    }

    /// Arrives at a state: returns its frame if it has moves to run, or nil when the
    /// sequence ends here (a leaf, settled and checked; a broken invariant, left in
    /// `summary.failure` with no fixture yet; a state whose moves are all run or asleep).
    ///
    /// Sleep sets with a cache of states (Godefroid): a move asleep here has had, or will
    /// have, every run that starts with it made from elsewhere in the same order of
    /// independent steps. A state seen before runs only what no visit has run and this
    /// visit does not sleep on; the moves run before count as asleep for the new ones.
    private func enter(
        _ world: consuming World<Actors>, faultsLeft: Int, sleep: [Slept], depth: Int, visited: inout [UInt64: Visit],
        summary: inout Summary
    ) -> Frame? {
        var world = world
        func ends() -> Frame? {
            for hazard in world.hazards.all { summary.hazards[hazard, default: 0] += 1 }
            return nil
        }
        if let violation = world.violation {
            summary.failure = Failure(violation: violation, decisions: [], fixture: nil, shrunkDecisions: nil)
            return ends()
        }
        let moves = scope.moves(in: world, faultsLeft: faultsLeft)
        let state = key(world, faultsLeft)
        if moves.isEmpty || depth == scope.maxSteps {
            // A leaf settled once is settled alike again.
            if let visit = visited[state], Int(visit.depth) <= depth {
                summary.pruned += 1
                return ends()
            }
            if visited.updateValue(Visit(depth: Int32(depth), notRun: 0), forKey: state) == nil {
                summary.statesByFaultsLeft[faultsLeft, default: 0] += 1
            }
            if !moves.isEmpty { summary.cutAtMaxSteps += 1 }
            summary.leaves += 1
            world.settle()
            if let violation = world.violation {
                summary.failure = Failure(violation: violation, decisions: [], fixture: nil, shrunkDecisions: nil)
            }
            return ends()
        }
        precondition(moves.count <= 64, "a state offers at most 64 moves")
        let identities = moves.map { $0.identity(in: world) }
        // Each move's bit: its rank by identity hash, the same in every visit of the state.
        let hashes = identities.map { $0.hashValue }
        let order = hashes.indices.sorted { hashes[$0] < hashes[$1] }
        var bit = [UInt64](repeating: 0, count: moves.count)
        for (rank, index) in order.enumerated() { bit[index] = 1 << UInt64(rank) }
        var asleep: UInt64 = 0
        var sleepHere: [Slept] = []
        for slept in sleep {
            guard let index = identities.firstIndex(of: slept.identity) else { continue }
            asleep |= bit[index]
            sleepHere.append(slept)
        }
        let footprints = moves.map { $0.footprint(in: world) }
        var toRun: UInt64
        if var visit = visited[state], Int(visit.depth) <= depth {
            toRun = visit.notRun & ~asleep
            // What earlier visits ran is covered: asleep for the moves run now.
            for index in moves.indices where bit[index] & visit.notRun == 0 && bit[index] & asleep == 0 {
                sleepHere.append(Slept(identity: identities[index], footprint: footprints[index]))
            }
            visit.notRun &= asleep
            visited[state] = visit
            if toRun == 0 {
                summary.pruned += 1
                return ends()
            }
        } else {
            toRun = ~asleep
            if visited.updateValue(Visit(depth: Int32(depth), notRun: asleep), forKey: state) == nil {
                summary.statesByFaultsLeft[faultsLeft, default: 0] += 1
            }
        }
        let indices = moves.indices.filter { bit[$0] & toRun != 0 }
        if indices.isEmpty {
            summary.slept += 1
            return ends()
        }
        return Frame(
            world: world, faultsLeft: faultsLeft, moves: moves, identities: identities, footprints: footprints,
            toRun: indices, sleep: sleepHere)
    }

    /// `--check-independence`: runs both orders of a move kept asleep and the move run,
    /// and keeps it asleep only if they end in one state with one verdict (counting, by
    /// field, where they did not).
    private func confirm(_ slept: Slept, _ index: Int, in frame: Frame, _ summary: inout Summary) -> Bool {
        summary.independenceClaims += 1
        var broken: [String] = []
        func run(_ identity: MoveIdentity, in world: inout World<Actors>, faultsLeft: inout Int) -> Bool {
            let moves = scope.moves(in: world, faultsLeft: faultsLeft)
            guard let move = moves.first(where: { $0.identity(in: world) == identity }) else { return false }
            _ = apply(move, to: &world, faultsLeft: &faultsLeft)
            return true
        }
        var first = frame.world, second = frame.world
        var firstFaults = frame.faultsLeft, secondFaults = frame.faultsLeft
        let ran = frame.identities[index]
        if !run(slept.identity, in: &first, faultsLeft: &firstFaults) { broken.append("asleep move not offered") }
        if !run(ran, in: &first, faultsLeft: &firstFaults) { broken.append("disabled by the asleep move") }
        if !run(ran, in: &second, faultsLeft: &secondFaults) { broken.append("ran move not offered") }
        if !run(slept.identity, in: &second, faultsLeft: &secondFaults) { broken.append("asleep move disabled") }
        if broken.isEmpty {
            if (first.violation == nil) != (second.violation == nil) { broken.append("verdict") }
            if firstFaults != secondFaults { broken.append("faults left") }
            let a = first.fieldDigests(), b = second.fieldDigests()
            for (x, y) in zip(a, b) where x.digest != y.digest { broken.append(x.field) }
        }
        guard broken.isEmpty else {
            summary.independenceBroken += 1
            for field in broken { summary.brokenFields[field, default: 0] += 1 }
            if summary.brokenExamples.count < 12 {
                summary.brokenExamples.append("\(slept.identity) / \(ran): \(broken.joined(separator: ", "))")
            }
            return false
        }
        return true
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

extension ExhaustiveSearch where Actors == ProductionActors {
    /// `run` with production's actors, specialized in this module: called from another
    /// module, the generic search runs unspecialized, looking up its world's metadata
    /// and witnesses at every step (measured: 2.25 times the states a second).
    public func runWithProductionActors(progress: (Summary) -> Void = { _ in }) -> Summary {
        run(progress: progress)
    }
}
