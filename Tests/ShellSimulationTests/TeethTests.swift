import ChatCore
import Foundation
import ParleyShellSimulation
import ParleySimulation
import Testing

/// Broken platforms planted under production's shell: each must be caught within a few
/// dozen seeds and shrink to a short choice stream that still breaks the same invariant;
/// the same decisions on the real platform hold.
enum Teeth {
    struct Caught {
        let seed: UInt64
        let violation: ShellViolation
        let original: Int
        let shrunk: [ShellDecision]
        let fixture: ShellFixture
    }

    static func hunt(
        _ plant: Plant, seeds: ClosedRange<UInt64>, options: ShellOptions = ShellOptions(), budget: Int = 120
    ) -> Caught? {
        for seed in seeds {
            let report = ShellSimulation.run(seed: seed, options: options, plant: plant)
            guard let violation = report.violation else { continue }
            var shrinker = ShellShrinker(failing: report, budget: budget)
            let shrunk = shrinker.shrink()
            let final = ShellSimulation.replay(
                seed: seed, options: options, setup: report.setup, plant: plant, decisions: shrunk,
                lenient: false)
            let fixture = ShellFixture(report: final, decisions: shrunk, originalDecisions: report.decisions.count)
            return Caught(
                seed: seed, violation: final.violation ?? violation, original: report.decisions.count, shrunk: shrunk,
                fixture: fixture)
        }
        return nil
    }

    /// Where a planted bug's shrunk fixture is kept (and replayed by `ShellFixtureTests`).
    static var plantedDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Planted").path
    }

    static func check(
        _ plant: Plant, seeds: ClosedRange<UInt64>, options: ShellOptions = ShellOptions(),
        expected: Set<ShellInvariant>
    ) throws {
        let caught = try #require(
            hunt(plant, seeds: seeds, options: options), "\(plant.rawValue) was not caught in seeds \(seeds)")
        #expect(expected.contains(caught.violation.invariant), "\(caught.violation)")
        #expect(caught.shrunk.count < caught.original)
        print(
            "\(plant.rawValue): seed \(caught.seed), \(caught.violation), \(caught.original) → \(caught.shrunk.count) decisions"
        )
        // Without the plant the same decisions hold.
        let clean = ShellSimulation.replay(
            seed: caught.seed, options: caught.fixture.options, setup: caught.fixture.setup, plant: nil,
            decisions: caught.shrunk, lenient: true)
        #expect(clean.violation == nil, "\(clean.violation?.description ?? "")")
        // The kept fixture still shows it.
        let kept = Teeth.plantedDirectory + "/\(plant.rawValue).json"
        if FileManager.default.fileExists(atPath: kept) {
            let fixture = try ShellFixture.load(from: kept)
            let replayed = try fixture.replay()
            #expect(replayed.stale == nil)
            #expect(
                replayed.violation?.invariant == fixture.invariant,
                "\(kept): \(replayed.violation?.description ?? "holds")")
        } else if ProcessInfo.processInfo.environment["PARLEY_WRITE_PLANTED"] != nil {
            try caught.fixture.save(to: kept)
        }
    }
}

@Suite("Planted platform bugs under ChatShell are caught and shrunk")
struct TeethTests {
    @Test(
        "A ready set that drops its interrupt (a waker or a deadline that does not resume a parked session) is caught")
    func readySetDropsInterrupt() throws {
        try Teeth.check(.readySetDropsInterrupt, seeds: 1...30, expected: [.stall, .liveness, .shutdown, .lostTimer])
    }

    @Test("A waker that drops a signal sent while its thread is about to poll is caught as a lost wake-up")
    func wakerDropsEarlySignal() throws {
        try Teeth.check(.wakerDropsEarlySignal, seeds: 90...120, expected: [.lostWakeUp, .stall, .liveness, .shutdown])
    }

    @Test("A condition wait that lets go of its lock before it joins the waiters is caught as a stall")
    func conditionWaitNotAtomic() throws {
        try Teeth.check(.conditionWaitNotAtomic, seeds: 1...30, expected: [.lostWakeUp, .stall, .liveness, .shutdown])
    }
}
