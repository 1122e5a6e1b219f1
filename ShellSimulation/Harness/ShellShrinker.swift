import ParleySimulation

/// Reduces a failing shell run to a short one that breaks the same invariant, in the
/// manner of the core simulator's `Shrinker` (after Hypothesis): edit the choice stream,
/// replay leniently (a decision that no longer fits is skipped), keep what still fails;
/// the list kept is the one actually applied, so it replays strictly. The budget counts
/// replays, so a shrink is as deterministic as the run.
public struct ShellShrinker: ShrinkPasses {
    public let report: ShellRunReport
    public private(set) var budget: Int
    public private(set) var replays = 0
    let maker: ShellMaker?

    public init(failing report: ShellRunReport, budget: Int = 300, maker: ShellMaker? = nil) {
        self.report = report
        self.budget = budget
        self.maker = maker
    }

    /// The shortest failing choice stream found (the original if nothing shorter fails).
    public mutating func shrink() -> [ShellDecision] {
        guard report.violation != nil else { return report.decisions }
        var best = report.decisions
        var progress = true
        while progress, budget > 0 {
            let before = best.count
            // Whole classes: one client's every act, every read, every clock move, faults.
            let clients = (1...report.setup.clients).reversed().map { client in
                { (decision: ShellDecision) in decision.client == client }
            }
            removeEach(of: clients + ShellDecision.shrinkClasses, from: &best)
            removeChunks(&best)
            progress = best.count < before
        }
        return best
    }

    public var hasBudget: Bool { budget > 0 }

    public mutating func keep(_ candidate: [ShellDecision], over best: inout [ShellDecision]) {
        guard budget > 0, candidate.count < best.count, let invariant = report.violation?.invariant else { return }
        budget -= 1
        replays += 1
        let result = ShellSimulation.replay(
            seed: report.seed, options: report.options, setup: report.setup, plant: report.plant,
            decisions: candidate, lenient: true, maker: maker)
        if result.violation?.invariant == invariant, result.decisions.count < best.count { best = result.decisions }
    }
}

extension ShellDecision {
    /// Kinds of decision the shrinker removes all at once: reads, clock moves, slow
    /// reading, store faults, the shutdown.
    static var shrinkClasses: [(ShellDecision) -> Bool] {
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
            {
                if case .shutdown = $0 { return true }
                return false
            },
        ]
    }
}
