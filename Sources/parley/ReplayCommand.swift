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
              parley replay fixtures/store-failure-seed11.json --html /tmp/store-failure.html

            With --html, one fixture is also drawn as a sequence diagram on one self-contained
            page (inline SVG and CSS, nothing fetched): a lifeline per actor (per thread for a
            shell fixture), an arrow per mail, faults marked, the broken step highlighted.
            """
    )

    @Argument(help: "Fixture files to replay.")
    var files: [String]

    @Flag(help: "Print only the verdicts, not the timelines.")
    var quiet = false

    @Option(help: "Also draw the run as a sequence diagram on this HTML page (one fixture only).")
    var html: String?

    func validate() throws {
        if html != nil, files.count != 1 { throw ValidationError("--html draws one fixture; name exactly one file") }
    }

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
        let result = try Simulation.replay(fixture, recordTimeline: !quiet || html != nil)
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
        let (verdict, status) = coreVerdict(file, fixture, result, trace)
        print(verdict)
        try draw(SequenceDiagram(fixture: fixture, file: file, result: result, verdict: verdict))
        return status
    }

    private func coreVerdict(
        _ file: String, _ fixture: Fixture, _ result: ReplayResult, _ trace: String
    ) -> (String, Int32) {
        switch result.verdict {
        case .holds:
            let what =
                fixture.invariant.map { "\($0.rawValue) holds, and so does every other invariant" }
                ?? "every invariant holds"
            return ("PASS \(file): \(what)\(fixture.hazard.map { "; \($0.rawValue) happened" } ?? "") (\(trace))", 0)
        case .broken(let violation):
            return ("FAIL \(file): \(violation) (\(trace)) — replay: parley replay \(file)", 1)
        case .stale(let index, let text, let reason):
            return (
                "STALE \(file): decision \(index) \"\(text)\" no longer fits: \(reason); remake it with: parley sim --seed \(fixture.seed)",
                2
            )
        case .hazardMissed(let hazard):
            return (
                "STALE \(file): the run no longer meets \(hazard.rawValue), so it tests nothing; remake it with: parley sim --hazard \(hazard.rawValue) --first-seed \(fixture.seed) --seeds 1",
                2
            )
        }
    }

    /// A shell fixture: its choice stream again, shown as which thread ran, which lock or
    /// mailbox it touched, what it wrote to whom.
    private func replayShell(_ file: String) throws -> Int32 {
        let fixture = try ShellFixture.load(from: file)
        let result = try fixture.replay(recordTimeline: !quiet || html != nil)
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
        let (verdict, status) = shellVerdict(file, fixture, result, trace)
        print(verdict)
        try draw(SequenceDiagram(shellFixture: fixture, file: file, report: result, verdict: verdict))
        return status
    }

    private func shellVerdict(
        _ file: String, _ fixture: ShellFixture, _ result: ShellRunReport, _ trace: String
    ) -> (String, Int32) {
        if let (index, text) = result.stale {
            return (
                "STALE \(file): decision \(index) \"\(text)\" no longer fits; remake it with: parley sim --shell --seed \(fixture.seed)",
                2
            )
        }
        switch (fixture.invariant, result.violation) {
        case (nil, nil):
            return ("PASS \(file): every invariant holds (\(trace))", 0)
        case (let expected?, let found?) where fixture.plant != nil && found.invariant == expected:
            return ("PASS \(file): the planted \(fixture.plant!.rawValue) is caught: \(found) (\(trace))", 0)
        case (_, let found?):
            return ("FAIL \(file): \(found) (\(trace)) — replay: parley replay \(file)", 1)
        case (let expected?, nil):
            return ("PASS \(file): \(expected.rawValue) holds now, and so does every other invariant (\(trace))", 0)
        }
    }

    /// The command that draws a fixture, as `parley sim` prints it beside a failing one.
    static func drawCommand(_ fixture: String) -> String {
        let name = fixture.split(separator: "/").last.map(String.init) ?? fixture
        return "parley replay \(fixture) --html /tmp/\(name.hasSuffix(".json") ? String(name.dropLast(5)) : name).html"
    }

    /// Writes the page `--html` asked for, and says where it is.
    private func draw(_ diagram: @autoclosure () -> SequenceDiagram) throws {
        guard let html else { return }
        let page = diagram()
        try Data(page.html().utf8).write(to: URL(fileURLWithPath: html))
        let drawn = page.window
        print(
            "wrote \(html): a sequence diagram of \(drawn.count) of \(page.rows.count) steps, \(page.lifelines.count) lifelines"
        )
    }
}
