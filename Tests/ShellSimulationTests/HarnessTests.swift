import ChatCore
import ParleyShellSimulation
import ParleySimulation
import XCTest

/// The harness on the small test shell: runs hold, replay, and are deterministic.
final class HarnessTests: XCTestCase {
    func testMiniShellRunsHold() {
        var failures: [String] = []
        var hazards = HazardCounts()
        for seed in 1...20 as ClosedRange<UInt64> {
            let report = ShellSimulation.run(seed: seed, options: ShellOptions(), maker: MiniShell.maker)
            if let violation = report.violation { failures.append("seed \(seed): \(violation)") }
            hazards.add(report.hazards)
        }
        XCTAssertEqual(failures, [])
    }

    func testASeedIsDeterministic() {
        let a = ShellSimulation.run(seed: 11, options: ShellOptions(), maker: MiniShell.maker)
        let b = ShellSimulation.run(seed: 11, options: ShellOptions(), maker: MiniShell.maker)
        let c = ShellSimulation.run(seed: 12, options: ShellOptions(), maker: MiniShell.maker)
        XCTAssertEqual(a.traceHash, b.traceHash)
        XCTAssertNotEqual(a.traceHash, c.traceHash)
        let replayed = ShellSimulation.replay(seed: 11, options: ShellOptions(), setup: a.setup, plant: nil, decisions: a.decisions,
                                              lenient: false, maker: MiniShell.maker)
        XCTAssertNil(replayed.stale.map { "\($0)" })
        XCTAssertEqual(replayed.traceHash, a.traceHash)
    }
}

final class HarnessSweepTests: XCTestCase {
    /// Both schedulers over 60 seeds of the small shell: every invariant holds.
    func testSweepHolds() {
        var failures: [String] = []
        for seed in 1...30 as ClosedRange<UInt64> {
            for kind in SimulationOptions.SchedulerKind.allCases {
                let report = ShellSimulation.run(seed: seed, options: ShellOptions(scheduler: kind), maker: MiniShell.maker)
                if let violation = report.violation { failures.append("seed \(seed) \(kind.rawValue): \(violation)") }
            }
        }
        XCTAssertEqual(failures, [])
    }

    /// The shell that forgets a connection accepted during shutdown is caught.
    func testCampaignFindsAndShrinks() {
        let campaign = ShellCampaign(firstSeed: 1, count: 4, options: ShellOptions(), workers: 2, fixturesDirectory: nil)
        var withMaker = campaign
        withMaker.maker = MiniShell.maker
        let summary = withMaker.run()
        XCTAssertEqual(summary.runs, 4)
        XCTAssertEqual(summary.failures.map(\.violation.description), [])
        XCTAssertGreaterThan(summary.slices, 0)
    }
}
