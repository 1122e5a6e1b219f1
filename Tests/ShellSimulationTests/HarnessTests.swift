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

final class HarnessLookTests: XCTestCase {
    func testShowOneRun() {
        for seed in 1...12 as ClosedRange<UInt64> {
            let r = ShellSimulation.run(seed: seed, options: ShellOptions(), recordTimeline: true, maker: MiniShell.maker)
            let t = r.timeline ?? []
            print("seed \(seed): clients \(r.setup.clients) slices \(r.slices) OK in \(t.filter { $0.text.contains("OK registered") || $0.text.contains("OK logged") }.count) MSG \(t.filter { $0.text.contains(": MSG") }.count) ERR \(t.filter { $0.text.contains(": ERR") }.count) typed \(t.filter { $0.text.contains("types:") }.count)")
        }
        let report = ShellSimulation.run(seed: 3, options: ShellOptions(), recordTimeline: true, maker: MiniShell.maker)
        print("slices \(report.slices) client steps \(report.clientSteps) decisions \(report.decisions.count) violation \(String(describing: report.violation)) hazards \(report.hazards.summary)")
        let records = report.timeline ?? []
        print("MSG writes \(records.filter { $0.text.contains(": MSG") }.count), whispers \(records.filter { $0.text.contains(": WHISPER") }.count), OK joined \(records.filter { $0.text.contains("OK joined") || $0.text.contains("OK created") }.count), BYE \(records.filter { $0.text.contains("BYE") }.count)")
        var failures = 0, slices = 0
        for seed in 1...2 as ClosedRange<UInt64> {
            for kind in SimulationOptions.SchedulerKind.allCases {
                let r = ShellSimulation.run(seed: seed, options: ShellOptions(scheduler: kind), maker: MiniShell.maker)
                slices += r.slices
                if let v = r.violation { failures += 1; print("seed \(seed) \(kind): \(v)") }
            }
        }
        print("400 runs: \(failures) failures, \(slices) slices")
    }
}
