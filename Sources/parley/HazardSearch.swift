import ArgumentParser
import Foundation
import ParleySimulation

/// `parley sim --hazard NAME`: finds the first seed whose run meets a race of the design
/// with every invariant holding, shrinks it to the shortest run that still meets it, and
/// writes it as a fixture: a regression test that the race stays handled.
struct HazardSearch {
    let hazard: Hazard
    let firstSeed: UInt64
    let seeds: Int
    let options: SimulationOptions
    let fixtures: String

    /// Seeds meeting the hazard to shrink; the shortest result is kept.
    var candidates = 5

    func run() throws {
        var best: Fixture?
        var found = 0
        for seed in firstSeed..<(firstSeed + UInt64(seeds)) where found < candidates {
            let report = Simulation.run(seed: seed, options: options, recordDecisions: true)
            guard report.violation == nil, report.hazards.contains(hazard),
                let fixture = Simulation.fixture(for: report, goal: .hazard(hazard), actors: ProductionActors.self)
            else { continue }
            found += 1
            print(
                "seed \(seed) met \(hazard.rawValue); \(report.decisions.count) decisions shrunk to \(fixture.decisions.count)"
            )
            if best.map({ fixture.decisions.count < $0.decisions.count }) ?? true { best = fixture }
        }
        if let best {
            try FileManager.default.createDirectory(atPath: fixtures, withIntermediateDirectories: true)
            let path = (fixtures as NSString).appendingPathComponent(best.fileName)
            try best.save(to: path)
            print("wrote \(path) — replay: parley replay \(path)")
            return
        }
        print(
            "no seed from \(firstSeed) to \(firstSeed + UInt64(seeds) - 1) met \(hazard.rawValue) with every invariant holding"
        )
        throw ExitCode(1)
    }
}
