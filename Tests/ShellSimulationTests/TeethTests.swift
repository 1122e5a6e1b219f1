import ChatCore
import ParleyShellSimulation
import ParleySimulation
import XCTest

/// Broken platforms planted under a shell: each must be caught within a few seeds and
/// shrink to a short choice stream that still breaks the same invariant.
enum Teeth {
    struct Caught {
        let seed: UInt64
        let violation: ShellViolation
        let original: Int
        let shrunk: [ShellDecision]
        let fixture: ShellFixture
    }

    static func hunt(_ plant: Plant, maker: @escaping ShellMaker, seeds: ClosedRange<UInt64> = 1...30, options: ShellOptions = ShellOptions(),
                     budget: Int = 120) -> Caught? {
        for seed in seeds {
            let report = ShellSimulation.run(seed: seed, options: options, plant: plant, maker: maker)
            guard let violation = report.violation else { continue }
            var shrinker = ShellShrinker(failing: report, budget: budget, maker: maker)
            let shrunk = shrinker.shrink()
            let final = ShellSimulation.replay(seed: seed, options: options, setup: report.setup, plant: plant, decisions: shrunk,
                                               lenient: false, maker: maker)
            let fixture = ShellFixture(report: final, decisions: shrunk, originalDecisions: report.decisions.count)
            return Caught(seed: seed, violation: final.violation ?? violation, original: report.decisions.count, shrunk: shrunk, fixture: fixture)
        }
        return nil
    }
}

final class MiniShellTeethTests: XCTestCase {
    /// A waker that loses a signal sent while its thread is about to wait: the small
    /// shell's connection threads wait without a timeout, so the answer never comes.
    func testAWakerThatDropsEarlySignalsIsCaughtAndShrunk() throws {
        let caught = try XCTUnwrap(Teeth.hunt(.wakerDropsEarlySignal, maker: MiniShell.maker))
        XCTAssertTrue([.lostWakeUp, .stall, .liveness].contains(caught.violation.invariant), caught.violation.description)
        XCTAssertLessThan(caught.shrunk.count, caught.original)
        print("waker-drops-early-signal: seed \(caught.seed), \(caught.violation), \(caught.original) → \(caught.shrunk.count) decisions")
        // Without the plant the same decisions hold.
        let clean = ShellSimulation.replay(seed: caught.seed, options: caught.fixture.options, setup: caught.fixture.setup, plant: nil,
                                           decisions: caught.shrunk, lenient: true, maker: MiniShell.maker)
        XCTAssertNil(clean.violation)
    }
}
