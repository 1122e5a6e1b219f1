import ArgumentParser
import Foundation
import ParleyShellSimulation
import ParleySimulation

/// `parley sim`: the deterministic simulator.
struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the deterministic simulator over many seeds.",
        discussion: """
            Each seed drives the real ChatCore actors through one interleaving of simulated
            clients, network faults, store failures and clock jumps, and checks every invariant
            of the design after every step and once everything has drained. A run is a pure
            function of its seed and options: the same seed prints the same trace hash.

            A failing seed is shrunk to a short run and written under --fixtures as a JSON
            fixture; `parley replay FILE` shows it as a timeline. One seed in twenty runs twice
            and a difference in the traces fails the run as non-determinism.

            Exit status: 0 when every run holds, 1 when an invariant broke (or a run was not
            deterministic).

            Examples:
              parley sim --seed 4242                 one run, its trace hash
              parley sim --seeds 300                 300 runs on every core, with a summary
              parley sim --seeds 1000 --scheduler pct --depth 3
              parley sim --seed 7 --timeline         one run, step by step
              parley sim --seeds 1000 --irc-clients 3
                                                     the first three clients of every run speak
                                                     IRC (an IRCSession each); by default each
                                                     seed draws its own mix of IRC and Parley
              parley sim --hazard join-racing-last-leave --seeds 500
                                                     a short fixture that exercises that race
              parley sim --bench                     actor steps per second on one core
              parley sim --shell --seeds 500         the threaded shell (ParleyServer) under the
                                                     controlled platform: real threads, one at a
                                                     time, a seeded scheduler at every Platform call
              parley sim --shell --seed 11 --timeline
              parley sim --exhaustive --clients 2 --rooms 1 --commands 3
                                                     every run of that small world (scheduling,
                                                     faults, what clients type), states pruned

            A campaign of --seeds (and --shell, and --exhaustive) also fails when a hazard
            its configuration is meant to reach was never met: a checker whose race never
            happens tests nothing.
            """
    )

    @Option(help: "Run this one seed and print its trace hash.")
    var seed: UInt64?

    @Option(help: "How many seeds to run.")
    var seeds: Int = 100

    @Option(help: "The first seed of --seeds.")
    var firstSeed: UInt64 = 1

    @Option(help: "How to pick the next lane: random or pct.")
    var scheduler: SimulationOptions.SchedulerKind = .random

    @Option(help: "PCT's depth d (d - 1 priority change points).")
    var depth: Int = 3

    @Flag(
        inversion: .prefixedNo,
        help: "Inject faults: disconnects, partial delivery, slow readers, store failures, clock jumps.")
    var faults = true

    @Option(help: "Decisions in the faulty phase of each run (default 400; 300 with --shell).")
    var steps: Int?

    @Flag(
        help:
            "Run the threaded shell itself (ParleyServer's threads, locks, mailboxes, parking lot, storage thread) under the controlled platform; failing runs are shrunk into fixtures/shell/."
    )
    var shell = false

    @Option(help: "With --shell: a broken platform to plant (for showing the simulator's teeth).")
    var plant: Plant?

    @Option(help: "Clients per run (default: each seed draws 2 to 6).")
    var clients: Int?

    @Option(help: "Clients per run that speak IRC (default: each seed draws its mix; 0: none).")
    var ircClients: Int?

    @Option(help: "Worker threads for --seeds (default: one per core).")
    var workers: Int?

    @Option(help: "Where fixtures of failing runs go.")
    var fixtures = "fixtures"

    @Flag(help: "With --seed: print the run's timeline.")
    var timeline = false

    @Option(help: "Find a run that meets this hazard, shrink it, and write it as a fixture.")
    var hazard: Hazard?

    @Option(help: "With --hazard: how many seeds that meet it to shrink; the shortest is kept.")
    var candidates = 5

    @Flag(help: "Measure actor steps per second on one core, every invariant checked.")
    var bench = false

    @Option(help: "Seconds the benchmark runs.")
    var benchSeconds: Double = 5

    @Flag(
        help:
            "Explore every run of a bounded world, depth first: each scheduling choice, fault and command a client may type; states already explored are pruned."
    )
    var exhaustive = false

    @Option(help: "With --exhaustive: temporary room names clients may join and create (1 to 3).")
    var rooms = 1

    @Option(help: "With --exhaustive: commands each client types after its login.")
    var commands = 3

    @Option(help: "With --exhaustive: decisions a run may take before the world settles.")
    var maxSteps = 400

    @Option(help: "With --exhaustive: faults each run may inject (0 with --no-faults).")
    var faultBudget = 1

    @Option(help: "With --exhaustive: commands a client may type ahead of its answers.")
    var typeAhead = 1

    @Option(help: "With --exhaustive: stop after this many seconds (the search is then incomplete and fails).")
    var timeLimit: Double?

    @Flag(help: "With --exhaustive: run every order of independent moves (no sleep sets), as a baseline.")
    var noSleepSets = false

    @Flag(
        help:
            "With --exhaustive: run both orders of every pair of moves taken as independent and report where they differ (slow)."
    )
    var checkIndependence = false

    var shellOptions: ShellOptions {
        ShellOptions(scheduler: scheduler, depth: depth, steps: steps ?? 300, clients: clients, faults: faults)
    }

    var options: SimulationOptions {
        SimulationOptions(
            scheduler: scheduler, faults: faults, steps: steps ?? 400, clients: clients, depth: depth,
            ircClients: ircClients)
    }

    func validate() throws {
        guard seeds > 0 else { throw ValidationError("--seeds must be at least 1") }
        guard (steps ?? 1) > 0 else { throw ValidationError("--steps must be at least 1") }
        if !shell, plant != nil { throw ValidationError("--plant goes with --shell") }
        if shell, bench || hazard != nil { throw ValidationError("--shell does not take --bench or --hazard") }
        guard depth > 0 else { throw ValidationError("--depth must be at least 1") }
        guard (clients ?? 1) > 0, (clients ?? 1) < 1000 else { throw ValidationError("--clients must be 1 to 999") }
        guard (workers ?? 1) > 0 else { throw ValidationError("--workers must be at least 1") }
        if exhaustive { try validateExhaustive() }
    }

    private func validateExhaustive() throws {
        if shell || bench || hazard != nil || seed != nil {
            throw ValidationError("--exhaustive does not take --shell, --bench, --hazard or --seed")
        }
        guard (1...3).contains(clients ?? 2) else { throw ValidationError("--exhaustive takes --clients 1 to 3") }
        guard (1...3).contains(rooms) else { throw ValidationError("--rooms must be 1 to 3") }
        guard commands >= 0, faultBudget >= 0, typeAhead >= 0 else {
            throw ValidationError("--commands, --fault-budget and --type-ahead are not negative")
        }
        guard maxSteps > 0 else { throw ValidationError("--max-steps must be at least 1") }
    }

    var scope: ExhaustiveScope {
        ExhaustiveScope(
            clients: clients ?? 2, rooms: rooms, commands: commands, maxSteps: maxSteps,
            faults: faults ? faultBudget : 0, typeAhead: typeAhead)
    }

    func run() throws {
        CrashReport.install(flags: flags)
        if shell {
            let command = ShellSimCommand(
                options: shellOptions, seed: seed, seeds: seeds, firstSeed: firstSeed, workers: workers,
                fixtures: (fixtures as NSString).appendingPathComponent("shell"), timeline: timeline, plant: plant,
                flags: flags)
            return try command.run()
        }
        if exhaustive {
            return try ExhaustiveSimCommand(
                scope: scope, fixtures: fixtures, timeLimit: timeLimit, sleepSets: !noSleepSets,
                checkIndependence: checkIndependence
            ).run()
        }
        if bench { return SimBenchmark(options: options, seconds: benchSeconds).run() }
        if let hazard {
            return try HazardSearch(
                hazard: hazard, firstSeed: firstSeed, seeds: seeds, options: options, fixtures: fixtures,
                candidates: candidates
            ).run()
        }
        if let seed { return try runOne(seed) }
        try runMany()
    }

    private func runOne(_ seed: UInt64) throws {
        CrashReport.running(seed, worker: 0)
        let report = Simulation.run(seed: seed, options: options, recordDecisions: true, recordTimeline: timeline)
        if timeline, let records = report.timeline { for line in TimelineText.render(records) { print(line) } }
        let setup = report.setup
        print(
            "seed \(seed): \(report.steps) steps (\(report.actorSteps) actor steps), \(scheduler.rawValue) scheduler, faults \(faults ? "on" : "off"), \(setup.clients) clients"
        )
        print("trace \(TimelineText.hash(report.traceHash))")
        guard let violation = report.violation else { return print("every invariant holds") }
        let path = writeFixture(report, violation)
        print("FAIL seed \(seed): \(violation)")
        print("  replay: \(path.map { "parley replay \($0)" } ?? "parley sim --seed \(seed)\(flags)")")
        if let path { print("  draw: \(Replay.drawCommand(path))") }
        throw ExitCode(1)
    }

    private func runMany() throws {
        var campaign = Campaign(
            firstSeed: firstSeed, count: seeds, options: options,
            workers: workers ?? ProcessInfo.processInfo.activeProcessorCount, fixturesDirectory: fixtures)
        campaign.seedStarted = { worker, seed in CrashReport.running(seed, worker: worker) }
        let total = seeds
        let summary = campaign.run { so in
            ProgressLine.show(
                "\(so.runs)/\(total) seeds · \(so.steps) steps · \(Int(so.stepsPerSecond)) steps/s · \(so.failures.count) failures"
            )
        }
        ProgressLine.clear()
        print(
            "runs \(summary.runs) (\(summary.repeated) run twice) · steps \(summary.steps) (\(summary.actorSteps) actor steps) in \(String(format: "%.2f", summary.seconds)) s on \(campaign.workers) workers"
        )
        print(
            "throughput \(Int(summary.stepsPerSecond)) steps/s · \(Int(summary.actorStepsPerSecond)) actor steps/s · failures \(summary.failures.count)"
        )
        let met = Hazard.allCases.compactMap { h in summary.hazards[h].map { "\(h.rawValue) \($0)" } }
        print("hazards met: \(met.isEmpty ? "none" : met.joined(separator: ", "))")
        let coverage = HazardCoverage.check(summary.hazards, runs: summary.runs, options: options)
        print(coverage.report)
        for failure in summary.failures.prefix(20) {
            let replay = failure.fixture.map { "parley replay \($0)" } ?? "parley sim --seed \(failure.seed)\(flags)"
            let shrunk = failure.shrunkDecisions.map { " (shrunk to \($0) decisions)" } ?? ""
            print("FAIL seed \(failure.seed): \(failure.violation)\(shrunk) — replay: \(replay)")
        }
        if summary.failures.count > 20 {
            print(
                "… and \(summary.failures.count - 20) more failing seeds; the lowest of each invariant was shrunk above"
            )
        }
        if !summary.failures.isEmpty || !coverage.passed { throw ExitCode(1) }
    }

    private func writeFixture(_ report: RunReport, _ violation: Violation) -> String? {
        guard
            let fixture = Simulation.fixture(
                for: report, goal: .violation(violation.invariant), actors: ProductionActors.self)
        else { return nil }
        let path = (fixtures as NSString).appendingPathComponent(fixture.fileName)
        try? FileManager.default.createDirectory(atPath: fixtures, withIntermediateDirectories: true)
        return (try? fixture.save(to: path)).map { path }
    }

    /// The options that differ from the defaults, so a printed command replays the run.
    private var flags: String {
        var flags = ""
        if scheduler != .random { flags += " --scheduler \(scheduler.rawValue)" }
        if depth != 3 { flags += " --depth \(depth)" }
        if !faults { flags += " --no-faults" }
        if let steps { flags += " --steps \(steps)" }
        if shell { flags += " --shell" }
        if let plant { flags += " --plant \(plant.rawValue)" }
        if let clients { flags += " --clients \(clients)" }
        return flags
    }
}

extension SimulationOptions.SchedulerKind: ExpressibleByArgument {}
extension Hazard: ExpressibleByArgument {}
extension Plant: ExpressibleByArgument {}
