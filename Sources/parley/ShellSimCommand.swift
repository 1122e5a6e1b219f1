import ArgumentParser
import Foundation
import ParleyShellSimulation
import ParleySimulation

/// `parley sim --shell`: the threaded shell under the controlled platform.
struct ShellSimCommand {
    let options: ShellOptions
    let seed: UInt64?
    let seeds: Int
    let firstSeed: UInt64
    let workers: Int?
    let fixtures: String
    let timeline: Bool
    let plant: Plant?
    let flags: String

    func run() throws {
        print("shell: \(ShellSimulation.defaultShellName)")
        if let seed { return try runOne(seed) }
        try runMany()
    }

    private func runOne(_ seed: UInt64) throws {
        CrashReport.running(seed, worker: 0)
        let started = Date()
        let report = ShellSimulation.run(seed: seed, options: options, plant: plant, recordTimeline: timeline)
        let seconds = Date().timeIntervalSince(started)
        if timeline, let records = report.timeline { for line in ShellTimeline.render(records) { print(line) } }
        let setup = report.setup
        print(
            "seed \(seed): \(report.slices) thread slices, \(report.clientSteps) client steps, \(report.decisions.count) decisions, \(options.scheduler.rawValue) scheduler, faults \(options.faults ? "on" : "off"), \(setup.clients) clients, in \(String(format: "%.2f", seconds)) s"
        )
        print("trace \(TimelineText.hash(report.traceHash))")
        print("hazards: \(report.hazards.summary)")
        guard let violation = report.violation else { return print("every invariant holds") }
        print("FAIL seed \(seed): \(violation)")
        let written = ShellCampaign.shrinkAndWrite(
            seed: seed, options: options, plant: plant, budget: 300, directory: fixtures, maker: nil)
        if let written {
            print("  shrunk to \(written.decisions) decisions (from \(report.decisions.count))")
            print("  replay: \(written.path.map { "parley replay \($0)" } ?? "parley sim --seed \(seed)\(flags)")")
            if let path = written.path { print("  draw: \(Replay.drawCommand(path))") }
        }
        throw ExitCode(1)
    }

    private func runMany() throws {
        let count = seeds
        var campaign = ShellCampaign(
            firstSeed: firstSeed, count: count, options: options,
            workers: workers ?? ProcessInfo.processInfo.activeProcessorCount, fixturesDirectory: fixtures)
        campaign.plant = plant
        let summary = campaign.run { so in
            ProgressLine.show(
                "\(so.runs)/\(count) seeds · \(so.slices) slices · \(Int(so.slicesPerSecond)) slices/s · \(so.failures.count) failures"
            )
        }
        ProgressLine.clear()
        print(
            "runs \(summary.runs) (\(summary.repeated) run twice) · \(summary.slices) thread slices · \(summary.clientSteps) client steps in \(String(format: "%.2f", summary.seconds)) s on \(campaign.workers) workers"
        )
        print(
            "throughput \(Int(summary.slicesPerSecond)) slices/s · \(String(format: "%.1f", Double(summary.runs) / max(summary.seconds, 0.001))) runs/s · failures \(summary.failures.count)"
        )
        print("hazards: \(summary.hazards.summary)")
        let coverage = ShellCampaign.coverage(summary, options: options)
        print(coverage.report)
        for failure in summary.failures.prefix(20) {
            let replay = failure.fixture.map { "parley replay \($0)" } ?? "parley sim --seed \(failure.seed)\(flags)"
            let shrunk = failure.shrunkDecisions.map { " (shrunk to \($0) decisions)" } ?? ""
            print("FAIL seed \(failure.seed): \(failure.violation)\(shrunk) — replay: \(replay)")
        }
        if !summary.failures.isEmpty || !coverage.passed { throw ExitCode(1) }
    }
}

/// A shell run's records as lines: the time, who acted (a thread by role, or the
/// harness for clients, the clock and the store), what it did.
enum ShellTimeline {
    static func render(_ records: [ShellTrace.Record]) -> [String] {
        records.map { record in
            let actor =
                record.actor.count < 18
                ? record.actor + String(repeating: " ", count: 18 - record.actor.count) : record.actor
            return "\(String(format: "%10.6f", Double(record.time.nanoseconds) / 1e9))  \(actor)  \(record.text)"
        }
    }
}
