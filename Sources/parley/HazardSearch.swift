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

    func run() throws {
        for seed in firstSeed..<(firstSeed + UInt64(seeds)) {
            let report = Simulation.run(seed: seed, options: options, recordDecisions: true)
            guard report.violation == nil, report.hazards.contains(hazard),
                  let fixture = Simulation.fixture(for: report, goal: .hazard(hazard), actors: ProductionActors.self) else { continue }
            try FileManager.default.createDirectory(atPath: fixtures, withIntermediateDirectories: true)
            let path = (fixtures as NSString).appendingPathComponent(fixture.fileName)
            try fixture.save(to: path)
            print("seed \(seed) met \(hazard.rawValue); \(report.decisions.count) decisions shrunk to \(fixture.decisions.count)")
            print("wrote \(path) — replay: parley replay \(path)")
            return
        }
        print("no seed from \(firstSeed) to \(firstSeed + UInt64(seeds) - 1) met \(hazard.rawValue) with every invariant holding")
        throw ExitCode(1)
    }
}

