import ChatCore
import Foundation
import ParleySimulation
import Testing

@Suite("The exhaustive search runs every sequence of a small world")
struct ExhaustiveTests {
    /// One client that logs in, with one fault: small enough to finish in seconds.
    static let tiny = ExhaustiveScope(clients: 1, rooms: 1, commands: 0, faults: 1)
    /// Two clients, one command each: the first sequence has both create the same room.
    static let twoCreates = ExhaustiveScope(clients: 2, rooms: 1, commands: 1, faults: 0)

    @Test("a tiny scope is explored to completion with every invariant holding and its hazards met")
    func tinyScopeCompletes() {
        let search = ExhaustiveSearch(
            scope: ExhaustiveTests.tiny, actors: ProductionActors.self, fixturesDirectory: nil)
        let summary = search.run()
        #expect(summary.complete)
        #expect(summary.failure == nil)
        #expect(summary.pruned > 0, "orders of a hang-up and the login's steps meet in states already explored")
        #expect(summary.distinctStates > summary.leaves)
        let coverage = HazardCoverage.check(summary.hazards, runs: summary.sequences, scope: ExhaustiveTests.tiny)
        #expect(coverage.passed, "\(coverage.report)")
        #expect(coverage.checked > 0, "a scope with a fault requires a hang-up in the middle of the login")
    }

    @Test("the search gives the same figures twice: it is a pure function of the scope")
    func searchIsDeterministic() {
        // A login with a fault, then a login and a command: passwords in flight in many
        // states (the digest once read their buffers' addresses, so a second search in
        // one process counted 329 distinct states where the first had counted 325).
        for scope in [ExhaustiveTests.tiny, ExhaustiveScope(clients: 1, rooms: 1, commands: 1, faults: 0)] {
            let search = ExhaustiveSearch(scope: scope, actors: ProductionActors.self, fixturesDirectory: nil)
            expectSameFigures(search.run(), search.run())
        }
    }

    private func expectSameFigures(
        _ first: ExhaustiveSearch<ProductionActors>.Summary, _ second: ExhaustiveSearch<ProductionActors>.Summary
    ) {
        #expect(first.complete && second.complete)
        #expect(first.sequences > 0)
        #expect(first.sequences == second.sequences)
        #expect(first.distinctStates == second.distinctStates)
        #expect(first.pruned == second.pruned)
        #expect(first.leaves == second.leaves)
        #expect(first.hazards == second.hazards)
    }

    /// Two logins: states where two sessions' steps, the store's and the Gate's can run
    /// in either order (with a fault it takes seconds in a release build: too long here).
    static let twoLogins = ExhaustiveScope(clients: 2, rooms: 1, commands: 0, faults: 0)

    @Test("every pair of moves the sleep sets take as independent ends in one state and one verdict in either order")
    func independentMovesCommute() {
        var search = ExhaustiveSearch(
            scope: ExhaustiveTests.twoLogins, actors: ProductionActors.self, fixturesDirectory: nil)
        search.checkIndependence = true
        let summary = search.run()
        #expect(summary.complete)
        #expect(summary.independenceClaims > 100, "the scope has many independent pairs")
        #expect(summary.independenceBroken == 0, "orders that differed, by field: \(summary.brokenFields)")
    }

    @Test("sleep sets visit every state the search without them visits, and meet the same hazards")
    func sleepSetsKeepEveryState() {
        var search = ExhaustiveSearch(
            scope: ExhaustiveTests.twoLogins, actors: ProductionActors.self, fixturesDirectory: nil)
        let reduced = search.run()
        search.sleepSets = false
        let full = search.run()
        #expect(reduced.complete && full.complete)
        #expect(reduced.distinctStates == full.distinctStates)
        #expect(Set(reduced.hazards.keys) == Set(full.hazards.keys))
        #expect(reduced.sequences < full.sequences, "sleep sets run fewer sequences")
    }

    @Test("a lobby that lets two rooms share a name is found by the exhaustive search and shrunk into a fixture")
    func plantedBugIsFound() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-exhaustive-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var search = ExhaustiveSearch(
            scope: ExhaustiveTests.twoCreates, actors: TwinLobbyActors.self, fixturesDirectory: directory.path)
        search.plant = Plant.twinLobby.rawValue
        let summary = search.run()
        let failure = try #require(summary.failure, "the twin lobby was not found")
        #expect(!summary.complete)
        let path = try #require(failure.fixture, "the failure was written as a fixture")
        let fixture = try Fixture.load(from: path)
        #expect(fixture.decisions.count <= failure.decisions.count)
        #expect(try Plant.twinLobby.replay(fixture).verdict.violation?.invariant == failure.violation.invariant)
        #expect(try Simulation.replay(fixture).verdict.violation == nil, "production's lobby holds on the same run")
    }
}

@Suite("Coverage probes fail a campaign that never meets a required hazard")
struct CoverageTests {
    @Test("a hazard a configuration requires and never met fails the verdict and is named in its report")
    func missingHazardFails() {
        let scope = ExhaustiveScope(clients: 2, rooms: 1, commands: 2, faults: 1)
        let verdict = HazardCoverage.check([.createRacingCreate: 3], runs: 10, scope: scope)
        #expect(!verdict.passed)
        #expect(verdict.report.contains("join-racing-last-leave"))
        #expect(!verdict.report.contains("create-racing-create ("))
    }

    @Test("a campaign shorter than a probe's runs is not judged on it")
    func shortCampaignIsNotJudged() {
        let verdict = HazardCoverage.check([:], runs: 10, options: SimulationOptions())
        #expect(verdict.passed)
        #expect(verdict.tooShort > 0)
    }

    @Test("a long core campaign that meets none of its hazards fails")
    func longCampaignWithoutHazardsFails() {
        let verdict = HazardCoverage.check([:], runs: 100_000, options: SimulationOptions(scheduler: .pct))
        #expect(!verdict.passed)
        #expect(verdict.missed.count == verdict.checked)
    }
}
