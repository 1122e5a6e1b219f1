import Foundation
import ParleySimulation
import Testing

@Suite("Fixtures replay forever")
struct FixtureTests {
    @Test("the repository keeps at least three fixtures")
    func enoughFixtures() {
        #expect(repositoryFixtures.count >= 3)
    }

    @Test("every fixture replays with every invariant holding", arguments: repositoryFixtures)
    func replays(_ file: URL) throws {
        let fixture = try Fixture.load(from: file.path)
        let result = try Simulation.replay(fixture)
        #expect(
            result.verdict == .holds,
            "\(file.lastPathComponent): \(result.verdict) — replay: parley replay fixtures/\(file.lastPathComponent)")
    }

    @Test("a fixture whose decision no longer fits is stale, not green")
    func staleFixture() throws {
        var fixture = try #require(repositoryFixtures.first.map { try Fixture.load(from: $0.path) })
        fixture.decisions.insert("lobby → c9.1: entered", at: 0)
        guard case .stale(let index, _, _) = try Simulation.replay(fixture).verdict else {
            Issue.record("a decision with no mail to deliver must make the fixture stale")
            return
        }
        #expect(index == 1)
    }

    @Test("a hazard fixture whose race no longer happens fails")
    func hazardMissed() throws {
        let file = try #require(repositoryFixtures.first { $0.lastPathComponent.hasPrefix("join-racing-last-leave") })
        var fixture = try Fixture.load(from: file.path)
        fixture.hazard = .slowReader
        #expect(try Simulation.replay(fixture).verdict == .hazardMissed(.slowReader))
    }

    @Test("a fixture with a line that is no decision does not load quietly")
    func unreadableDecision() throws {
        var fixture = try #require(repositoryFixtures.first.map { try Fixture.load(from: $0.path) })
        fixture.decisions.append("the moon rises")
        #expect(throws: FixtureError.self) { try Simulation.replay(fixture) }
    }
}
