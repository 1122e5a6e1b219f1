import ChatCore
import Foundation
import ParleySimulation
import Testing

@Suite("The simulator catches planted bugs")
struct TeethTests {
    /// Runs seeds from 1 with the plant until one breaks an invariant (at most 3,000: a third
    /// of the seeds fail history reads for long stretches, so a history plant is rarer),
    /// shrinks it, and checks the fixture is short and still fails with the plant.
    @discardableResult
    func hunt(_ plant: Plant, atMost maxDecisions: Int = 48) throws -> Violation {
        var caught: (seed: UInt64, report: RunReport)?
        for seed in UInt64(1)...3_000 {
            let report = plant.run(seed: seed, options: testOptions)
            if report.violation != nil {
                caught = (seed, report)
                break
            }
        }
        let (seed, report) = try #require(caught, "\(plant.rawValue) was not caught within 3,000 seeds")
        let violation = try #require(report.violation)
        let fixture = try #require(plant.fixture(for: report, goal: .violation(violation.invariant)))
        print(
            "\(plant.rawValue): caught by seed \(seed) (the \(seed)th tried) as \(violation.invariant.rawValue); \(report.decisions.count) decisions shrunk to \(fixture.decisions.count): \(violation.detail)"
        )
        #expect(fixture.decisions.count <= maxDecisions, "a planted bug shrinks to a few dozen decisions at most")
        let replayed = try plant.replay(fixture)
        #expect(replayed.verdict.violation?.invariant == violation.invariant)
        // Production's actors never break on it: the fixture either holds or no longer fits.
        #expect(try Simulation.replay(fixture).verdict.violation == nil)
        if ProcessInfo.processInfo.environment["PARLEY_WRITE_PLANTED"] != nil {
            let directory = packageRoot.appendingPathComponent("Tests/SimulationTests/Planted")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try fixture.save(to: directory.appendingPathComponent(fixture.fileName).path)
        }
        return violation
    }

    @Test("a room that still delivers to a member who left is caught and shrunk")
    func leakyRoom() throws { try hunt(.leakyRoom) }

    @Test("a lobby that lets two rooms share a name is caught and shrunk")
    func twinLobby() throws { try hunt(.twinLobby) }

    @Test("a gate that lets one account have two live sessions is caught and shrunk")
    func eagerGate() throws { try hunt(.eagerGate) }

    @Test("a gate that lets a banned account log in is caught and shrunk")
    func banBlindGate() throws { try hunt(.banBlindGate) }

    @Test("a room that still delivers to a member it kicked is caught and shrunk")
    func kickLeakyRoom() throws { try hunt(.kickLeakyRoom) }

    @Test("a session that forgets a move in flight is caught and shrunk")
    func hastySession() throws { try hunt(.hastySession) }

    @Test("a lobby that reads a newcomer's history after letting it in is caught as a double delivery and shrunk")
    func lateHistoryLobby() throws {
        // Two logins (each a store look-up and a password check) and a message: longer than the others.
        #expect(try hunt(.lateHistoryLobby).invariant == .historyOnce)
    }
    @Test("a room that says a member whose connection ended left, not quit, is caught and shrunk")
    func partingRoom() throws {
        // A quit needs a connection, a login, a room of its own and a member in it to hear it.
        #expect(try hunt(.partingRoom, atMost: 64).invariant == .answerContents)
    }

    @Test("a room that delivers a /me action as a plain message is caught and shrunk")
    func flatActionRoom() throws {
        // A temporary room of its own, a tenth text (every tenth is a /me) and a member to hear it.
        #expect(try hunt(.flatActionRoom, atMost: 64).invariant == .answerContents)
    }

    @Test("a lobby whose /users lists a member who left is caught and shrunk")
    func staleUsers() throws { try hunt(.staleUsers) }

    @Test("a lobby that answers a join of a missing room with OK is caught and shrunk")
    func openDoor() throws { try hunt(.openDoor) }

    @Test("a lobby that compares whisper targets with their case is caught and shrunk")
    func caseSensitive() throws { try hunt(.caseSensitive) }

    @Test("a session whose bucket lets burst + 1 lines through is caught and shrunk")
    func generousSession() throws { try hunt(.generousSession) }

    @Test("a gate that takes one registration too many from an address is caught and shrunk")
    func laxRegistrar() throws { #expect(try hunt(.laxRegistrar).invariant == .registrationBound) }

    @Test("a gate that lets one job more than its slots into the hashing pool is caught and shrunk")
    func crowdedPool() throws { #expect(try hunt(.crowdedPool).invariant == .hashingPoolBound) }

    @Test("a lobby that lets anyone in global kick is caught and shrunk")
    func anyoneKicks() throws { #expect(try hunt(.anyoneKicks).invariant == .answerCodes) }

    @Test("a gate whose login backoff never grows past the window is caught and shrunk")
    func forgetfulGate() throws { #expect(try hunt(.forgetfulGate).invariant == .loginBackoff) }

    @Test("a lobby whose /history reads one line more than asked is caught and shrunk")
    func greedyHistory() throws { #expect(try hunt(.greedyHistory).invariant == .historyOnce) }

    @Test("a session that folds a new room's name to lower case is caught and shrunk")
    func foldingSession() throws { try hunt(.foldingSession) }

    @Test("an IRC session that forgets the PART of the old channel before a JOIN is caught and shrunk")
    func partlessIRC() throws { #expect(try hunt(.partlessIRC).invariant == .ircPartBeforeJoin) }

    @Test("an IRC session that renders a whisper to the channel is caught and shrunk")
    func channelWhisperIRC() throws {
        // The rewrite also lengthens the line past what the inner session counted in its
        // outbox, which the slow-reader bound may catch first: either is the plant caught.
        #expect([.ircRendering, .slowReaderBound].contains(try hunt(.channelWhisperIRC).invariant))
    }

    @Test("an IRC session that answers NAMES from a stale list is caught and shrunk")
    func staleNamesIRC() throws { #expect(try hunt(.staleNamesIRC).invariant == .ircRendering) }

    @Test("every planted fixture still fails with its plant", arguments: plantedFixtures)
    func plantedFixtureFails(_ file: URL) throws {
        let fixture = try Fixture.load(from: file.path)
        let plant = try #require(
            fixture.plant.flatMap(Plant.init(rawValue:)), "\(file.lastPathComponent) names no known plant")
        let result = try plant.replay(fixture)
        #expect(
            result.verdict.violation?.invariant == fixture.invariant, "\(file.lastPathComponent): \(result.verdict)")
    }
}

extension ReplayResult.Verdict {
    var violation: Violation? {
        if case .broken(let violation) = self { return violation }
        return nil
    }
}
