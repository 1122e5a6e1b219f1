import Foundation
import ParleySimulation

/// Many seeds of the shell simulation on worker threads (each run has its own platform
/// and threads; runs share nothing). A share of the seeds runs twice and must give the
/// same trace hash; the lowest failing seed of each invariant is shrunk into a fixture.
public struct ShellCampaign {
    public struct Failure: Sendable {
        public let seed: UInt64
        public let violation: ShellViolation
        public var fixture: String?
        public var shrunkDecisions: Int?
    }

    public struct Summary: Sendable {
        public var runs = 0
        public var repeated = 0
        public var slices = 0
        public var clientSteps = 0
        public var seconds = 0.0
        public var hazards = HazardCounts()
        public var failures: [Failure] = []
        public var slicesPerSecond: Double { seconds > 0 ? Double(slices) / seconds : 0 }
    }

    public let firstSeed: UInt64
    public let count: Int
    public let options: ShellOptions
    public let workers: Int
    public let fixturesDirectory: String?
    /// One seed in this many runs twice.
    public var repeatEvery = 10
    public var shrinkBudget = 300
    public var plant: Plant?
    public var maker: ShellMaker?

    public init(firstSeed: UInt64, count: Int, options: ShellOptions, workers: Int, fixturesDirectory: String?) {
        self.firstSeed = firstSeed
        self.count = count
        self.options = options
        self.workers = max(1, workers)
        self.fixturesDirectory = fixturesDirectory
    }

    public func run(progress: (@Sendable (Summary) -> Void)? = nil) -> Summary {
        let summary = Locked(Summary())
        let next = Locked(0)
        let started = Date()
        let group = DispatchGroup()
        let options = self.options, plant = self.plant, maker = self.maker, firstSeed = self.firstSeed
        let count = self.count, repeatEvery = self.repeatEvery
        for _ in 0..<min(workers, count) {
            group.enter()
            let thread = Thread {
                while true {
                    let index = next.withValue { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < count else { break }
                    let seed = firstSeed + UInt64(index)
                    let report = ShellSimulation.run(seed: seed, options: options, plant: plant, maker: maker)
                    var violation = report.violation
                    var repeated = false
                    if violation == nil, index % repeatEvery == 0 {
                        repeated = true
                        let again = ShellSimulation.run(seed: seed, options: options, plant: plant, maker: maker)
                        if again.traceHash != report.traceHash || again.violation != nil {
                            violation = ShellViolation(
                                invariant: .determinism,
                                detail:
                                    "seed \(seed) ran twice: trace \(String(report.traceHash, radix: 16)) then \(String(again.traceHash, radix: 16))",
                                time: .zero)
                        }
                    }
                    let snapshot = summary.withValue { s -> Summary in
                        s.runs += 1
                        if repeated { s.repeated += 1 }
                        s.slices += report.slices
                        s.clientSteps += report.clientSteps
                        s.hazards.add(report.hazards)
                        if let violation { s.failures.append(Failure(seed: seed, violation: violation)) }
                        s.seconds = Date().timeIntervalSince(started)
                        return s
                    }
                    progress?(snapshot)
                }
                group.leave()
            }
            thread.stackSize = 1 << 22
            thread.start()
        }
        group.wait()
        var result = summary.value
        result.seconds = Date().timeIntervalSince(started)
        result.failures.sort { $0.seed < $1.seed }
        // The lowest failing seed of each invariant, shrunk and written as a fixture.
        var shrunk: Set<ShellInvariant> = []
        for index in result.failures.indices where !shrunk.contains(result.failures[index].violation.invariant) {
            let failure = result.failures[index]
            guard failure.violation.invariant != .determinism else { continue }
            shrunk.insert(failure.violation.invariant)
            let written = ShellCampaign.shrinkAndWrite(
                seed: failure.seed, options: options, plant: plant, budget: shrinkBudget,
                directory: fixturesDirectory, maker: maker)
            result.failures[index].fixture = written?.path
            result.failures[index].shrunkDecisions = written?.decisions
        }
        return result
    }

    /// Runs the seed, shrinks its failure, and writes the fixture (if a directory is given).
    public static func shrinkAndWrite(
        seed: UInt64, options: ShellOptions, plant: Plant?, budget: Int, directory: String?,
        maker: ShellMaker?
    ) -> (fixture: ShellFixture, path: String?, decisions: Int)? {
        let report = ShellSimulation.run(seed: seed, options: options, plant: plant, maker: maker)
        guard report.violation != nil else { return nil }
        var shrinker = ShellShrinker(failing: report, budget: budget, maker: maker)
        let decisions = shrinker.shrink()
        let final = ShellSimulation.replay(
            seed: seed, options: options, setup: report.setup, plant: plant, decisions: decisions,
            lenient: false, maker: maker)
        let fixture = ShellFixture(
            report: final.violation == nil ? report : final,
            decisions: final.violation == nil ? report.decisions : decisions,
            originalDecisions: report.decisions.count)
        var path: String?
        if let directory {
            let file = (directory as NSString).appendingPathComponent(fixture.fileName)
            if (try? fixture.save(to: file)) != nil { path = file }
        }
        return (fixture, path, fixture.decisions.count)
    }
}

extension ShellCampaign {
    /// The shell's hazards a campaign must reach, each within a number of seeds well above
    /// what 200 seeds showed (README, "Coverage"; the counts are occurrences, not seeds,
    /// so the margins are wide): a race the platform never
    /// takes is a race nobody explores. Written for the drawn swarm; with `--clients`
    /// fixed a campaign is reported, not judged.
    public static func requiredHazards(_ options: ShellOptions) -> [CoverageProbe<ShellHazard>] {
        guard options.clients == nil else { return [] }
        let probes: [CoverageProbe<ShellHazard>] = [
            CoverageProbe(.inlineReply, within: 30), CoverageProbe(.mailboxReply, within: 30),
            CoverageProbe(.park, within: 30), CoverageProbe(.resumeBySocket, within: 200),
            CoverageProbe(.resumeByWaker, within: 30), CoverageProbe(.commitWindow, within: 50),
            CoverageProbe(.senderRunsRoom, within: 50), CoverageProbe(.senderFindsRoomBusy, within: 100),
        ]
        return options.faults ? probes + [CoverageProbe(.shutdownDuringMove, within: 100)] : probes
    }

    /// The campaign's hazard counts against `requiredHazards`.
    public static func coverage(_ summary: Summary, options: ShellOptions) -> CoverageVerdict {
        CoverageVerdict.check(
            requiredHazards(options), runs: summary.runs,
            configuration: "shell \(options.scheduler.rawValue)\(options.faults ? "" : ", no faults")"
        ) { summary.hazards[$0] }
    }
}
