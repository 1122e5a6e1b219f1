import ArgumentParser
import Foundation
import ParleySimulation

/// `parley sim --exhaustive`: every run of a bounded world, depth first.
struct ExhaustiveSimCommand {
    let scope: ExhaustiveScope
    let fixtures: String
    let timeLimit: Double?
    let sleepSets: Bool
    let checkIndependence: Bool

    func run() throws {
        print("exhaustive: \(scope)")
        var search = ExhaustiveSearch(scope: scope, actors: ProductionActors.self, fixturesDirectory: fixtures)
        search.timeLimit = timeLimit
        search.sleepSets = sleepSets
        search.checkIndependence = checkIndependence
        let summary = search.runWithProductionActors { so in
            ProgressLine.show(
                "\(so.sequences) sequences · \(so.distinctStates) states · \(so.pruned) pruned · \(Int(so.seconds)) s")
        }
        ProgressLine.clear()
        print(
            "choice sequences \(summary.sequences) · distinct states \(summary.distinctStates) · pruned \(summary.pruned) · leaves \(summary.leaves) (\(summary.cutAtMaxSteps) cut at --max-steps) · deepest \(summary.deepest) steps · all asleep \(summary.slept)"
        )
        let byFaults = summary.statesByFaultsLeft.sorted { $0.key > $1.key }.map { "\($0.value) with \($0.key) left" }
        print("states by faults left: \(byFaults.joined(separator: ", "))")
        if checkIndependence {
            let fields = summary.brokenFields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            print(
                "independence: \(summary.independenceClaims) claims checked, \(summary.independenceBroken) broken\(fields.isEmpty ? "" : " (" + fields.joined(separator: ", ") + ")")"
            )
            for example in summary.brokenExamples { print("  \(example)") }
        }
        let verdict = summary.complete ? "complete" : summary.failure == nil ? "INCOMPLETE (time limit)" : "stopped"
        print("time \(String(format: "%.2f", summary.seconds)) s on one core · \(verdict)")
        let met = Hazard.allCases.compactMap { h in summary.hazards[h].map { "\(h.rawValue) \($0)" } }
        print("hazards met (sequences): \(met.isEmpty ? "none" : met.joined(separator: ", "))")
        if let failure = summary.failure {
            let shrunk = failure.shrunkDecisions.map { " (shrunk to \($0) decisions)" } ?? ""
            let replay = failure.fixture.map { "parley replay \($0)" } ?? "(no fixture written)"
            print("FAIL: \(failure.violation)\(shrunk) — replay: \(replay)")
            throw ExitCode(1)
        }
        // A scope's probes say what every sequence together must meet: judged on a complete search only.
        guard summary.complete else {
            print("coverage not judged: the search did not complete")
            throw ExitCode(1)
        }
        let coverage = HazardCoverage.check(summary.hazards, runs: summary.sequences, scope: scope)
        print(coverage.report)
        if !coverage.passed { throw ExitCode(1) }
    }
}
