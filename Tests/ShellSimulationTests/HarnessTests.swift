import ChatCore
import ParleyShellSimulation
import ParleySimulation
import Testing

/// The harness on production's shell (`ChatShell<ControlledPlatform>`): runs hold, replay,
/// and are deterministic.
@Suite("The harness runs ParleyServer's ChatShell on the controlled platform")
struct HarnessTests {
    @Test("Forty seeds, random and PCT, keep every invariant and meet the shell's hazards")
    func sweepHolds() {
        var failures: [String] = []
        var hazards = HazardCounts()
        for seed in 1...20 as ClosedRange<UInt64> {
            for kind in SimulationOptions.SchedulerKind.allCases {
                let report = ShellSimulation.run(seed: seed, options: ShellOptions(scheduler: kind))
                if let violation = report.violation { failures.append("seed \(seed) \(kind.rawValue): \(violation)") }
                hazards.add(report.hazards)
            }
        }
        #expect(failures == [])
        // The paths the harness exists to reach, reached on the real shell.
        for hazard in [ShellHazard.inlineReply, .mailboxReply, .park, .resumeBySocket, .resumeByWaker, .commitWindow] {
            #expect(hazards[hazard] > 0, "\(hazard.rawValue) never met: \(hazards.summary)")
        }
    }

    @Test("A seed gives the same trace twice, another seed a different one, and a replay of its decisions the same")
    func aSeedIsDeterministic() {
        let a = ShellSimulation.run(seed: 11, options: ShellOptions())
        let b = ShellSimulation.run(seed: 11, options: ShellOptions())
        let c = ShellSimulation.run(seed: 12, options: ShellOptions())
        #expect(a.traceHash == b.traceHash)
        #expect(a.traceHash != c.traceHash)
        let replayed = ShellSimulation.replay(
            seed: 11, options: ShellOptions(), setup: a.setup, plant: nil, decisions: a.decisions,
            lenient: false)
        #expect(replayed.stale == nil)
        #expect(replayed.traceHash == a.traceHash)
    }

    @Test("A campaign on two workers runs every seed and finds nothing on the real shell")
    func campaignRuns() {
        let campaign = ShellCampaign(
            firstSeed: 1, count: 4, options: ShellOptions(), workers: 2, fixturesDirectory: nil)
        let summary = campaign.run()
        #expect(summary.runs == 4)
        #expect(summary.failures.map(\.violation.description) == [])
        #expect(summary.slices > 0)
    }
}
