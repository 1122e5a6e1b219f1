/// What one run leaves behind.
public struct RunReport: Sendable {
    public let seed: UInt64
    public let options: SimulationOptions
    public let setup: WorldSetup
    public let plan: ExplorationPlan
    public let violation: Violation?
    public let hazards: Hazards
    /// The digest of the whole trace: equal for equal runs, byte for byte.
    public let traceHash: UInt64
    public let steps: Int
    public let actorSteps: Int
    /// The decisions taken, when recorded.
    public let decisions: [Decision]
    /// The trace hash after each step, when recorded.
    public let stepHashes: [UInt64]?
    /// The timeline, when recorded.
    public let timeline: [StepRecord]?
}

/// The simulator's front door: generate a run from a seed, or replay a list of decisions.
public enum Simulation {
    /// Runs one seed with production's actors.
    public static func run(
        seed: UInt64, options: SimulationOptions, recordDecisions: Bool = false,
        recordStepHashes: Bool = false, recordTimeline: Bool = false
    ) -> RunReport {
        run(
            seed: seed, options: options, actors: ProductionActors.self, recordDecisions: recordDecisions,
            recordStepHashes: recordStepHashes, recordTimeline: recordTimeline)
    }

    /// Runs one seed with the given actors (tests plant broken ones).
    public static func run<Actors: ActorKit>(
        seed: UInt64, options: SimulationOptions, actors: Actors.Type, recordDecisions: Bool = false,
        recordStepHashes: Bool = false, recordTimeline: Bool = false
    ) -> RunReport {
        let (setup, plan) = Swarm.draw(seed: seed, options: options)
        let world = World<Actors>(
            setup: setup, recordTimeline: recordTimeline, recordStepHashes: recordStepHashes,
            recordDecisions: recordDecisions)
        var exploration = Exploration(seed: seed, setup: setup, plan: plan, world: world)
        exploration.run()
        return report(exploration.world, seed: seed, options: options, plan: plan)
    }

    static func report<Actors>(
        _ world: World<Actors>, seed: UInt64, options: SimulationOptions, plan: ExplorationPlan
    ) -> RunReport {
        RunReport(
            seed: seed, options: options, setup: world.setup, plan: plan, violation: world.violation,
            hazards: world.hazards, traceHash: world.trace.value, steps: world.steps, actorSteps: world.actorSteps,
            decisions: world.applied ?? [], stepHashes: world.stepHashes, timeline: world.timeline
        )
    }
}
