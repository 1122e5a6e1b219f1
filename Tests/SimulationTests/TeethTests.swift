import ChatCore
import ParleySimulation
import Testing

/// Runs seeds from 1 with the planted actors until one breaks an invariant.
func hunt<Actors: ActorKit>(_ actors: Actors.Type, limit: Int = 1_000, options: SimulationOptions = SimulationOptions()) -> (seeds: Int, report: RunReport)? {
    for seed in 1...UInt64(limit) {
        let report = Simulation.run(seed: seed, options: options, actors: actors, recordDecisions: true)
        if report.violation != nil { return (Int(seed), report) }
    }
    return nil
}

@Suite("The simulator catches planted bugs")
struct TeethTests {
    func check<Actors: ActorKit>(_ actors: Actors.Type, _ name: String) throws {
        let found = try #require(hunt(actors), "\(name) was not caught within 1,000 seeds")
        let violation = try #require(found.report.violation)
        let fixture = try #require(Simulation.fixture(for: found.report, goal: .violation(violation.invariant), actors: actors, plant: name))
        print("\(name): caught at seed \(found.seeds) (\(violation.invariant.rawValue)); \(found.report.decisions.count) decisions shrunk to \(fixture.decisions.count)")
        #expect(fixture.decisions.count <= 40)
        let replayed = try Simulation.replay(fixture, actors: actors)
        #expect(replayed.verdict == .broken(try #require(replayed.verdict.violation)))
    }

    @Test("a room that still delivers to a member who left is caught and shrunk")
    func leakyRoom() throws { try check(LeakyRoomActors.self, "leaky-room") }

    @Test("a lobby that lets two rooms share a name is caught and shrunk")
    func twinLobby() throws { try check(TwinLobbyActors.self, "twin-lobby") }

    @Test("a gate that lets one account have two live sessions is caught and shrunk")
    func eagerGate() throws { try check(EagerGateActors.self, "eager-gate") }

    @Test("a session that forgets a move in flight is caught and shrunk")
    func hastySession() throws { try check(HastySessionActors.self, "hasty-session") }
}

extension ReplayResult.Verdict {
    var violation: Violation? {
        if case .broken(let violation) = self { return violation }
        return nil
    }
}
