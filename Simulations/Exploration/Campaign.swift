import Dispatch
import Foundation
import Synchronization

/// Many seeds, spread across the machine's cores: each worker runs whole seeds, so a
/// run stays a pure function of its seed whichever thread runs it. A share of seeds
/// (one in twenty, as FoundationDB repeats 5%) runs twice and the traces are compared:
/// non-determinism is a failure of its own. Once every seed has run, the lowest failing
/// seed of each broken invariant is shrunk into a fixture (one bug fails many seeds;
/// shrinking each would cost more than finding them).
public struct Campaign: Sendable {
    public var firstSeed: UInt64
    public var count: Int
    public var options: SimulationOptions
    public var workers: Int
    /// Every `repeatEvery`-th seed runs twice.
    public var repeatEvery: UInt64 = 20
    /// Replays the shrinker may spend on each failure.
    public var shrinkBudget = 2_000
    /// Where fixtures of failures go; nil writes none.
    public var fixturesDirectory: String?
    /// Told which seed a worker starts (nil: it finished one), so that a crash inside an
    /// actor can still name its seed.
    public var seedStarted: (@Sendable (_ worker: Int, _ seed: UInt64?) -> Void)?

    public init(firstSeed: UInt64, count: Int, options: SimulationOptions, workers: Int, fixturesDirectory: String?) {
        precondition(count > 0 && workers > 0, "a campaign needs seeds and workers")
        self.firstSeed = firstSeed
        self.count = count
        self.options = options
        self.workers = workers
        self.fixturesDirectory = fixturesDirectory
    }

    /// One seed that failed.
    public struct Failure: Sendable {
        public let seed: UInt64
        public let violation: Violation
        /// The fixture written for it, if any.
        public let fixture: String?
        public let shrunkDecisions: Int?
    }

    public struct Summary: Sendable {
        public var runs = 0
        public var repeated = 0
        public var steps = 0
        public var actorSteps = 0
        public var seconds = 0.0
        public var failures: [Failure] = []
        public var hazards: [Hazard: Int] = [:]

        public var stepsPerSecond: Double { seconds > 0 ? Double(steps) / seconds : 0 }
        public var actorStepsPerSecond: Double { seconds > 0 ? Double(actorSteps) / seconds : 0 }
    }

    /// Runs every seed; `progress` is called now and then with the summary so far.
    public func run(progress: @Sendable (Summary) -> Void = { _ in }) -> Summary {
        let state = Mutex((next: 0, summary: Summary()))
        let started = DispatchTime.now()
        let lastReport = Mutex(DispatchTime.now())
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            while let index = state.withLock({ box -> Int? in
                guard box.next < count else { return nil }
                defer { box.next += 1 }
                return box.next
            }) {
                seedStarted?(worker, firstSeed + UInt64(index))
                let outcome = runSeed(firstSeed + UInt64(index))
                seedStarted?(worker, nil)
                let snapshot = state.withLock { box -> Summary in
                    box.summary.add(outcome)
                    box.summary.seconds = Campaign.seconds(since: started)
                    return box.summary
                }
                let due = lastReport.withLock { last -> Bool in
                    guard Campaign.seconds(since: last) >= 0.5 else { return false }
                    last = DispatchTime.now()
                    return true
                }
                if due { progress(snapshot) }
            }
        }
        var summary = state.withLock { $0.summary }
        summary.seconds = Campaign.seconds(since: started)
        summary.failures.sort { $0.seed < $1.seed }
        summary.failures = shrinkFirstOfEach(summary.failures)
        return summary
    }

    /// Shrinks the lowest failing seed of each invariant, in parallel; the others keep
    /// their seed, which replays them.
    private func shrinkFirstOfEach(_ failures: [Failure]) -> [Failure] {
        var found: [Int] = []
        for (index, failure) in failures.enumerated()
        where failure.violation.invariant != .determinism
            && !found.contains(where: { failures[$0].violation.invariant == failure.violation.invariant })
        {
            found.append(index)
        }
        let firsts = found
        let shrunk = Mutex([Int: Failure]())
        DispatchQueue.concurrentPerform(iterations: firsts.count) { position in
            let failure = failures[firsts[position]]
            let report = Simulation.run(seed: failure.seed, options: options, recordDecisions: true)
            let result = shrink(report, failure.violation)
            shrunk.withLock { $0[firsts[position]] = result }
        }
        let results = shrunk.withLock { $0 }
        return failures.indices.map { results[$0] ?? failures[$0] }
    }

    struct Outcome: Sendable {
        let report: RunReport
        let repeated: Bool
        let failure: Failure?
    }

    private func runSeed(_ seed: UInt64) -> Outcome {
        let twice = seed % repeatEvery == 0
        let report = Simulation.run(seed: seed, options: options, recordStepHashes: twice)
        if twice,
            let divergence = Campaign.divergence(
                report, Simulation.run(seed: seed, options: options, recordStepHashes: true))
        {
            return Outcome(
                report: report, repeated: true,
                failure: Failure(seed: seed, violation: divergence, fixture: nil, shrunkDecisions: nil))
        }
        let failure = report.violation.map { Failure(seed: seed, violation: $0, fixture: nil, shrunkDecisions: nil) }
        return Outcome(report: report, repeated: twice, failure: failure)
    }

    /// Where two runs of one seed part, if they do.
    static func divergence(_ first: RunReport, _ second: RunReport) -> Violation? {
        guard first.traceHash != second.traceHash else { return nil }
        let a = first.stepHashes ?? [], b = second.stepHashes ?? []
        let step = (a.indices.first { $0 < b.count && a[$0] != b[$0] } ?? min(a.count, b.count)) + 1
        return Violation(
            invariant: .determinism, step: step,
            detail:
                "the same seed ran twice and the traces part at step \(step) (hashes \(String(first.traceHash, radix: 16)) and \(String(second.traceHash, radix: 16)))"
        )
    }

    private func shrink(_ report: RunReport, _ violation: Violation) -> Failure {
        guard let directory = fixturesDirectory,
            let fixture = Simulation.fixture(
                for: report, goal: .violation(violation.invariant), actors: ProductionActors.self, budget: shrinkBudget)
        else { return Failure(seed: report.seed, violation: violation, fixture: nil, shrunkDecisions: nil) }
        let path = (directory as NSString).appendingPathComponent(fixture.fileName)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try fixture.save(to: path)
            return Failure(
                seed: report.seed, violation: violation, fixture: path, shrunkDecisions: fixture.decisions.count)
        } catch {
            return Failure(
                seed: report.seed, violation: violation, fixture: nil, shrunkDecisions: fixture.decisions.count)
        }
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

extension Campaign.Summary {
    mutating func add(_ outcome: Campaign.Outcome) {
        runs += 1
        if outcome.repeated { repeated += 1 }
        steps += outcome.report.steps
        actorSteps += outcome.report.actorSteps
        for hazard in outcome.report.hazards.all { hazards[hazard, default: 0] += 1 }
        if let failure = outcome.failure { failures.append(failure) }
    }
}
