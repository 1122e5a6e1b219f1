import ParleySimulation
import Testing

@Suite("A run is a pure function of its seed")
struct DeterminismTests {
    @Test("one seed run twice gives the same trace, step by step")
    func sameSeedSameTrace() {
        let first = Simulation.run(seed: 4242, options: testOptions, recordStepHashes: true)
        let second = Simulation.run(seed: 4242, options: testOptions, recordStepHashes: true)
        #expect(first.traceHash == second.traceHash)
        #expect(first.stepHashes == second.stepHashes)
        #expect(first.steps > 50)
    }

    @Test("two seeds give different traces")
    func differentSeeds() {
        #expect(
            Simulation.run(seed: 4242, options: testOptions).traceHash
                != Simulation.run(seed: 4243, options: testOptions).traceHash)
    }

    @Test("the schedulers give different traces for one seed")
    func differentSchedulers() {
        let pct = SimulationOptions(scheduler: .pct, steps: 300)
        #expect(
            Simulation.run(seed: 7, options: testOptions).traceHash != Simulation.run(seed: 7, options: pct).traceHash)
    }

    @Test("replaying a run's decisions gives the run's trace", arguments: [UInt64(1), 2, 3, 5, 8, 13, 21, 34, 55, 89])
    func replayMatchesRun(seed: UInt64) throws {
        let report = Simulation.run(seed: seed, options: testOptions, recordDecisions: true)
        let fixture = Fixture(
            summary: "", invariant: nil, violation: nil, hazard: nil, plant: nil, seed: seed, options: testOptions,
            world: report.setup, plan: report.plan, originalDecisions: report.decisions.count,
            decisions: report.decisions)
        let replayed = try Simulation.replay(fixture)
        #expect(replayed.verdict == .holds)
        #expect(replayed.traceHash == report.traceHash)
        #expect(replayed.steps == report.steps)
    }
}
