import ChatCore
import Foundation
import ParleySimulation
import Testing

@Suite("Decisions and fixtures read back as written")
struct DecisionTests {
    static let samples: [Decision] = [
        .connect(client: 3),
        .type(client: 2, line: "/login u1 <password>"),
        .type(client: 12, line: "/whisper u2 w12.7: with a colon → and an arrow"),
        .hangUp(client: 1, dropUnsent: false),
        .hangUp(client: 1, dropUnsent: true),
        .stopReading(client: 4),
        .resumeReading(client: 4),
        .deliver(from: .lobby, to: .session(ConnectionName(client: 2, number: 1)), kind: .entered),
        .deliver(from: .session(ConnectionName(client: 10, number: 3)), to: .room(RoomID(12)), kind: .say),
        .deliver(from: .gate, to: .store, kind: .fetchAccount),
        .deliver(from: .store, to: .gate, kind: .accountFound),
        .receive(ConnectionName(client: 1, number: 2), bytes: 17),
        .lose(ConnectionName(client: 1, number: 2)),
        .read(ConnectionName(client: 5, number: 1)),
        .tick(ConnectionName(client: 5, number: 1)),
        .hash(ConnectionName(client: 3, number: 2)),
        .advanceClock(milliseconds: 1500),
        .storeFailing(true),
        .storeFailing(false),
    ]

    @Test("every kind of decision reads back from its description", arguments: samples)
    func roundTrip(_ decision: Decision) {
        #expect(Decision(parsing: decision.description) == decision)
    }

    @Test(
        "text that is no decision is refused",
        arguments: ["", "c1", "lobby → c1.1: teleport", "net → c0.1: 3 bytes", "clock +x ms", "r0 → lobby: say"])
    func refusesNonsense(_ text: String) {
        #expect(Decision(parsing: text) == nil)
    }

    @Test("a fixture survives a trip through JSON")
    func fixtureRoundTrip() throws {
        let report = Simulation.run(seed: 11, options: testOptions, recordDecisions: true)
        let fixture = Fixture(
            summary: "a sample", invariant: .roomDelivery, violation: "detail", hazard: .secondLogin, plant: nil,
            seed: 11,
            options: testOptions, world: report.setup, plan: report.plan, originalDecisions: 9,
            decisions: report.decisions)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-fixture-\(UUID()).json").path
        try fixture.save(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try Fixture.load(from: path)
        #expect(loaded == fixture)
        #expect(try loaded.parsedDecisions() == report.decisions)
    }

    @Test("no fixture or timeline ever holds a password")
    func noPasswords() throws {
        let report = Simulation.run(seed: 3, options: testOptions, recordDecisions: true, recordTimeline: true)
        let text =
            report.decisions.map(\.description).joined(separator: "\n")
            + (report.timeline ?? []).map { "\($0.event) \($0.effects.joined())" }.joined(separator: "\n")
        #expect(text.contains("<password>"))
        #expect(!text.contains("-sim"))
    }
}
