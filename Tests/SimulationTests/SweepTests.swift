import ParleySimulation
import Testing

@Suite("Seeds sweep the production actors")
struct SweepTests {
    @Test("three hundred seeds with the random scheduler keep every invariant")
    func randomSeeds() {
        for seed in UInt64(1)...300 {
            let report = Simulation.run(seed: seed, options: testOptions)
            #expect(
                report.violation == nil,
                "seed \(seed): \(report.violation!) — replay: parley sim --seed \(seed) --steps 300")
        }
    }

    @Test("a hundred seeds with PCT keep every invariant")
    func pctSeeds() {
        let options = SimulationOptions(scheduler: .pct, steps: 300)
        for seed in UInt64(1)...100 {
            let report = Simulation.run(seed: seed, options: options)
            #expect(
                report.violation == nil,
                "seed \(seed): \(report.violation!) — replay: parley sim --seed \(seed) --steps 300 --scheduler pct")
        }
    }

    @Test("a campaign on two workers adds up and finds nothing")
    func campaign() {
        let summary = Campaign(firstSeed: 1_000, count: 40, options: testOptions, workers: 2, fixturesDirectory: nil)
            .run()
        #expect(summary.runs == 40)
        #expect(summary.repeated == 2)
        #expect(summary.failures.isEmpty)
        #expect(summary.actorSteps > 0 && summary.steps > summary.actorSteps)
    }
}
