/// What replaying a fixture found.
public struct ReplayResult: Sendable {
    public enum Verdict: Equatable, Sendable {
        /// Every invariant holds (and the fixture's hazard, if it has one, still happens).
        case holds
        /// An invariant broke.
        case broken(Violation)
        /// A decision no longer fits the code: the fixture tests nothing until it is remade.
        case stale(decision: Int, text: String, reason: String)
        /// The run no longer meets the hazard the fixture was made for.
        case hazardMissed(Hazard)

        public var passed: Bool { self == .holds }
    }

    public let verdict: Verdict
    public let traceHash: UInt64
    public let steps: Int
    public let hazards: Hazards
    public let timeline: [StepRecord]?
}

extension Simulation {
    /// Replays a fixture strictly with production's actors.
    public static func replay(_ fixture: Fixture, recordTimeline: Bool = false) throws -> ReplayResult {
        try replay(fixture, actors: ProductionActors.self, recordTimeline: recordTimeline)
    }

    /// Replays a fixture strictly with the given actors: every decision must apply as
    /// written, then the world settles and quiescence is checked.
    public static func replay<Actors: ActorKit>(
        _ fixture: Fixture, actors: Actors.Type, recordTimeline: Bool = false
    ) throws -> ReplayResult {
        let decisions = try fixture.parsedDecisions()
        var world = World<Actors>(setup: fixture.world, recordTimeline: recordTimeline)
        for (index, decision) in decisions.enumerated() where world.violation == nil {
            if case .inapplicable(let reason) = world.apply(decision) {
                return ReplayResult(
                    verdict: .stale(decision: index + 1, text: decision.description, reason: reason),
                    traceHash: world.trace.value, steps: world.steps, hazards: world.hazards, timeline: world.timeline)
            }
        }
        world.settle()
        let verdict: ReplayResult.Verdict
        if let violation = world.violation {
            verdict = .broken(violation)
        } else if let hazard = fixture.hazard, !world.hazards.contains(hazard) {
            verdict = .hazardMissed(hazard)
        } else {
            verdict = .holds
        }
        return ReplayResult(
            verdict: verdict, traceHash: world.trace.value, steps: world.steps, hazards: world.hazards,
            timeline: world.timeline)
    }

    /// Shrinks a failing (or hazard-meeting) run and makes a fixture of it; nil if the
    /// decisions do not meet the goal.
    public static func fixture<Actors: ActorKit>(
        for report: RunReport, goal: ShrinkGoal, actors: Actors.Type, plant: String? = nil, budget: Int = 2_000
    ) -> Fixture? {
        var shrinker = Shrinker(setup: report.setup, goal: goal, budget: budget, actors: actors)
        guard let shrunk = shrinker.shrink(report.decisions) else { return nil }
        var world = World<Actors>(setup: report.setup)
        for decision in shrunk { world.apply(decision) }
        world.settle()
        let summary: String, invariant: Invariant?, detail: String?, hazard: Hazard?
        switch goal {
        case .violation(let broken):
            invariant = broken
            hazard = nil
            detail = world.violation?.description
            summary = "\(broken.rawValue) broke after \(shrunk.count) decisions: \(world.violation?.detail ?? "?")"
        case .hazard(let met):
            invariant = nil
            hazard = met
            detail = nil
            summary = "\(met.rawValue) in \(shrunk.count) decisions, every invariant holding"
        }
        return Fixture(
            summary: summary, invariant: invariant, violation: detail, hazard: hazard, plant: plant, seed: report.seed,
            options: report.options, world: report.setup, plan: report.plan,
            originalDecisions: report.decisions.count, decisions: shrunk)
    }
}
