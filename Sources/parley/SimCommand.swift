import ArgumentParser
import ParleySimulation

struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the deterministic simulator over many seeds.")
    @Option var seed: UInt64?
    @Option var seeds: Int = 10
    @Flag var timeline = false
    @Option var steps: Int = 400
    @Option var scheduler: String = "random"
    @Flag var noFaults = false
    func run() throws {
        let list: [UInt64] = seed.map { [$0] } ?? (1...UInt64(seeds)).map { $0 }
        for s in list {
            let r = Simulation.run(seed: s, options: SimulationOptions(scheduler: .init(rawValue: scheduler)!, faults: !noFaults, steps: steps), recordTimeline: timeline)
            print("seed \(s): steps \(r.steps) actor \(r.actorSteps) hash \(String(r.traceHash, radix: 16)) \(r.violation.map { "\($0)" } ?? "ok") hazards \(r.hazards.all.map(\.rawValue))")
            if timeline, let t = r.timeline { for e in t { print(e.step, e.time, e.actor, e.event); for x in e.effects { print("      ", x) } } }
        }
    }
}
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replay a fixture as a timeline.")
    func run() throws {}
}
