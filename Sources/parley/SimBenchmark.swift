import Foundation
import ParleySimulation

/// `parley sim --bench`: whole seeds, one after another on this thread, every invariant
/// checked, for a few seconds; prints actor steps per second. The clock is read only
/// between runs, never inside one.
struct SimBenchmark {
    let options: SimulationOptions
    let seconds: Double

    func run() {
        var seed: UInt64 = 1, steps = 0, actorSteps = 0, failures = 0
        // A short warm-up, so the figure is not the first run's page faults.
        for warm in 1...20 { _ = Simulation.run(seed: UInt64(1_000_000 + warm), options: options) }
        let start = DispatchTime.now()
        var elapsed = 0.0
        while elapsed < seconds {
            let report = Simulation.run(seed: seed, options: options)
            steps += report.steps
            actorSteps += report.actorSteps
            if report.violation != nil { failures += 1 }
            seed += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        }
        print(
            "benchmark: \(seed - 1) runs on one core in \(String(format: "%.2f", elapsed)) s, every invariant checked")
        print("  \(Int(Double(actorSteps) / elapsed)) actor steps/s (\(actorSteps) actor steps)")
        print("  \(Int(Double(steps) / elapsed)) steps/s (\(steps) steps, counting client acts, reads and the clock)")
        if failures > 0 { print("  \(failures) runs broke an invariant") }
    }
}
