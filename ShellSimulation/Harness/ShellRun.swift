import ChatCore
import ParleySimulation

/// What one shell run did and found.
public struct ShellRunReport: Sendable {
    public let seed: UInt64
    public let options: ShellOptions
    public let setup: ShellSetup
    public let plant: Plant?
    public let violation: ShellViolation?
    public let traceHash: UInt64
    /// Decisions before faults stopped (what a fixture keeps), and all of them.
    public let decisions: [ShellDecision]
    public let slices: Int
    public let clientSteps: Int
    public let hazards: HazardCounts
    public let timeline: [ShellTrace.Record]?
    /// A decision of a strict replay that did not fit: (index, text).
    public let stale: (Int, String)?
}

/// Runs the shell under the controlled platform: a function of (seed, options), or of a
/// fixture's decisions.
public enum ShellSimulation {
    /// A shell to run instead of the default (tests may set it); nil: `defaultMaker`.
    nonisolated(unsafe) public static var maker: ShellMaker?

    /// The shell `parley sim --shell` runs: ParleyServer's `ChatShell` on the controlled
    /// platform (`ProductionShell`).
    public static var defaultMaker: ShellMaker? { ProductionShell.maker }
    public static var defaultShellName: String {
        "ChatShell<ControlledPlatform> (ParleyServer's shell, ParleyStore on SQLite, a digest for a hasher)"
    }

    /// A generated run: the seed draws the world and every choice.
    public static func run(
        seed: UInt64, options: ShellOptions, plant: Plant? = nil, recordTimeline: Bool = false, maker: ShellMaker? = nil
    ) -> ShellRunReport {
        let setup = ShellSetup.draw(seed: seed, options: options)
        return execute(
            seed: seed, options: options, setup: setup, plant: plant, recordTimeline: recordTimeline, maker: maker,
            script: nil, lenient: false)
    }

    /// A replay of decisions (a fixture's, or a shrinker's candidate). Lenient: a decision
    /// that does not fit is skipped; strict: it makes the replay stale.
    public static func replay(
        seed: UInt64, options: ShellOptions, setup: ShellSetup, plant: Plant?, decisions: [ShellDecision],
        lenient: Bool, recordTimeline: Bool = false, maker: ShellMaker? = nil
    ) -> ShellRunReport {
        execute(
            seed: seed, options: options, setup: setup, plant: plant, recordTimeline: recordTimeline, maker: maker,
            script: decisions, lenient: lenient)
    }

    private static func execute(
        seed: UInt64, options: ShellOptions, setup: ShellSetup, plant: Plant?, recordTimeline: Bool,
        maker: ShellMaker?, script: [ShellDecision]?, lenient: Bool
    ) -> ShellRunReport {
        guard let maker = maker ?? ShellSimulation.maker ?? ShellSimulation.defaultMaker else {
            preconditionFailure("ShellSimulation.maker is not set")
        }
        let world: ShellWorld
        do {
            world = try ShellWorld(
                seed: seed, options: options, setup: setup, plant: plant, recordTimeline: recordTimeline, maker: maker)
        } catch {
            preconditionFailure("the shell simulation could not set up its world: \(error)")
        }
        var stale: (Int, String)?
        if world.start() {
            if let script {
                for (index, decision) in script.enumerated() where world.violation == nil {
                    if !world.apply(decision), !lenient {
                        stale = (index + 1, decision.description)
                        break
                    }
                }
            } else {
                generate(world, seed: seed, options: options)
            }
        }
        world.markPlanned()
        if stale == nil {
            var picker = ThreadPicker(
                kind: .random, depth: 1, expectedSlices: 1, random: SeededRandom(seed: seed, stream: 103))
            world.settle(picker: &picker)
            world.checkQuiescence()
            world.shutDown(picker: &picker)
        }
        let scheduler = world.scheduler
        return ShellRunReport(
            seed: seed, options: options, setup: setup, plant: plant, violation: scheduler.violation,
            traceHash: scheduler.trace.hash,
            decisions: Array(world.applied.prefix(world.plannedCount)), slices: scheduler.slices,
            clientSteps: world.clientSteps,
            hazards: scheduler.hazards, timeline: scheduler.trace.records, stale: stale)
    }

    /// The seed's faulty phase: each step a thread runs (picked by the scheduler), a client
    /// acts, the clock moves, or a fault.
    private static func generate(_ world: ShellWorld, seed: UInt64, options: ShellOptions) {
        let setup = world.setup
        var random = SeededRandom(seed: seed, stream: 102)
        var picker = ThreadPicker(
            kind: options.scheduler, depth: options.depth, expectedSlices: setup.steps,
            random: SeededRandom(seed: seed, stream: 104))
        var model = ShellClientModel(setup: setup, random: SeededRandom(seed: seed, stream: 105))
        for step in 0..<setup.steps where world.violation == nil {
            let runnable = world.scheduler.runnable
            let acts = model.acts(in: world, step: step)
            let runWeight = runnable.isEmpty ? 0 : setup.runWeight
            let actWeight = acts.isEmpty ? 0 : setup.clientWeight
            let clockWeight = setup.clockWeight
            var roll = random.below(runWeight + actWeight + clockWeight)
            let decision: ShellDecision
            if roll < runWeight {
                decision = .run(picker.pick(from: runnable).name)
            } else if (roll - runWeight) < actWeight {
                roll = random.below(acts.count)
                decision = acts[roll]
            } else if runnable.isEmpty && acts.isEmpty, let next = world.scheduler.earliestDeadline {
                let ms = max(1, Int(((next - world.platform.now()).nanoseconds + 999_999) / 1_000_000))
                decision = .advanceClock(milliseconds: ms)
            } else {
                decision = .advanceClock(
                    milliseconds: random.chance(0.7) ? random.within(1...50) : random.within(51...2500))
            }
            world.apply(decision)
        }
    }
}
