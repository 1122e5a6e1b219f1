import ArgumentParser
import Foundation
import ParleyShellSimulation
import ParleySimulation

/// `parley replay FILE`: a fixture as a timeline, and whether its invariant holds now.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a fixture as a timeline.",
        discussion: """
            Re-runs a fixture's decisions, exactly as written, against today's actors and
            prints every step: the time, who acted, what happened, and what it caused. Then
            the world settles (faults off) and every invariant of quiescence is checked.

            Exit status: 0 when every invariant holds (and a hazard fixture still meets its
            race); 1 when an invariant breaks; 2 when the fixture is stale (a decision no
            longer fits the code) or no longer meets its race: it tests nothing until remade.

            Examples:
              parley replay fixtures/join-racing-last-leave-seed41.json
              parley replay --quiet fixtures/*.json
            """
    )

    @Argument(help: "Fixture files to replay.")
    var files: [String]

    @Flag(help: "Print only the verdicts, not the timelines.")
    var quiet = false

    func run() throws {
        var worst: Int32 = 0
        for file in files { worst = max(worst, try replay(file)) }
        if worst != 0 { throw ExitCode(worst) }
    }

    private func replay(_ file: String) throws -> Int32 {
        if let data = FileManager.default.contents(atPath: file), ShellFixture.isShellFixture(data) {
            return try replayShell(file)
        }
        let fixture = try Fixture.load(from: file)
        let result = try Simulation.replay(fixture, recordTimeline: !quiet)
        if !quiet {
            print("fixture \(file)")
            print("  \(fixture.summary)")
            let world = fixture.world
            print(
                "  seed \(fixture.seed) · \(fixture.options.scheduler.rawValue) scheduler · faults \(fixture.options.faults ? "on" : "off") · \(world.clients) clients · accounts \(world.accounts.joined(separator: " ")) · rooms \(world.roomNames.joined(separator: " ")) · \(fixture.decisions.count) decisions (of \(fixture.originalDecisions))"
            )
            print("")
            for line in TimelineText.render(result.timeline ?? []) { print(line) }
            print("")
        }
        let trace = "trace \(TimelineText.hash(result.traceHash)), \(result.steps) steps"
        switch result.verdict {
        case .holds:
            let what =
                fixture.invariant.map { "\($0.rawValue) holds, and so does every other invariant" }
                ?? "every invariant holds"
            print("PASS \(file): \(what)\(fixture.hazard.map { "; \($0.rawValue) happened" } ?? "") (\(trace))")
            return 0
        case .broken(let violation):
            print("FAIL \(file): \(violation) (\(trace)) — replay: parley replay \(file)")
            return 1
        case .stale(let index, let text, let reason):
            print(
                "STALE \(file): decision \(index) \"\(text)\" no longer fits: \(reason); remake it with: parley sim --seed \(fixture.seed)"
            )
            return 2
        case .hazardMissed(let hazard):
            print(
                "STALE \(file): the run no longer meets \(hazard.rawValue), so it tests nothing; remake it with: parley sim --hazard \(hazard.rawValue) --first-seed \(fixture.seed) --seeds 1"
            )
            return 2
        }
    }

    /// A shell fixture: its choice stream again, shown as which thread ran, which lock or
    /// mailbox it touched, what it wrote to whom.
    private func replayShell(_ file: String) throws -> Int32 {
        let fixture = try ShellFixture.load(from: file)
        let result = try fixture.replay(recordTimeline: !quiet)
        if !quiet {
            print("shell fixture \(file)")
            print("  \(fixture.summary)")
            let setup = fixture.setup
            print(
                "  seed \(fixture.seed) · \(fixture.options.scheduler.rawValue) scheduler · \(setup.clients) clients · accounts \(setup.accounts.joined(separator: " ")) · rooms \(setup.roomNames.joined(separator: " ")) · pipes of \(setup.pipeCapacity) bytes · \(fixture.decisions.count) decisions (of \(fixture.originalDecisions))\(fixture.plant.map { " · planted: \($0.rawValue)" } ?? "")"
            )
            print("  threads: \(fixture.threads.joined(separator: ", "))")
            print("")
            for line in ShellTimeline.render(result.timeline ?? []) { print(line) }
            print("")
        }
        let trace = "trace \(TimelineText.hash(result.traceHash)), \(result.slices) slices"
        if let (index, text) = result.stale {
            print(
                "STALE \(file): decision \(index) \"\(text)\" no longer fits; remake it with: parley sim --shell --seed \(fixture.seed)"
            )
            return 2
        }
        switch (fixture.invariant, result.violation) {
        case (nil, nil):
            print("PASS \(file): every invariant holds (\(trace))")
            return 0
        case (let expected?, let found?) where fixture.plant != nil && found.invariant == expected:
            print("PASS \(file): the planted \(fixture.plant!.rawValue) is caught: \(found) (\(trace))")
            return 0
        case (_, let found?):
            print("FAIL \(file): \(found) (\(trace)) — replay: parley replay \(file)")
            return 1
        case (let expected?, nil):
            print("PASS \(file): \(expected.rawValue) holds now, and so does every other invariant (\(trace))")
            return 0
        }
    }
}
