import Foundation
import ParleySimulation
import Testing

/// The page `parley replay FILE --html` writes, rendered from fixtures and read back as text.
@Suite("Sequence diagram")
struct SequenceDiagramTests {
    /// A planted fixture replayed with its plant, so its invariant breaks again.
    private func plantedPage() throws -> (SequenceDiagram, String, Fixture) {
        let file = packageRoot.appendingPathComponent(
            "Tests/SimulationTests/Planted/leaky-room-room-delivery-seed6.json")
        let fixture = try Fixture.load(from: file.path)
        let result = try Simulation.replay(fixture, actors: LeakyRoomActors.self, recordTimeline: true)
        let diagram = SequenceDiagram(fixture: fixture, file: file.lastPathComponent, result: result, verdict: "FAIL")
        let html = diagram.html()
        // Set PARLEY_DIAGRAM_DIR to keep the page (Benchmarks/screenshot.sh takes a page too).
        if let directory = ProcessInfo.processInfo.environment["PARLEY_DIAGRAM_DIR"] {
            try html.write(
                toFile: directory + "/leaky-room-room-delivery-seed6.html", atomically: true, encoding: .utf8)
        }
        return (diagram, html, fixture)
    }

    @Test("every actor of the run has a named lifeline: each client, session, the gate, hasher, lobby, room and store")
    func lifelinesNamed() throws {
        let (diagram, html, fixture) = try plantedPage()
        for client in 1...fixture.world.clients { #expect(diagram.lifelines.contains("c\(client)")) }
        for actor in ["gate", "hasher", "lobby", "store", "c1.1", "r1"] { #expect(diagram.lifelines.contains(actor)) }
        for name in diagram.lifelines {
            #expect(html.contains("<text class=\"name\" x=") && html.contains(">\(name)<"))
        }
    }

    @Test("the step that broke the planted invariant is highlighted with the invariant's message")
    func brokenStepMarked() throws {
        let (diagram, html, _) = try plantedPage()
        let broken = try #require(diagram.rows.first { $0.broken != nil })
        #expect(broken.broken!.hasPrefix("room-delivery: "))
        #expect(html.components(separatedBy: "id=\"broken\"").count == 2)
        #expect(html.contains("✗ broke room-delivery: "))
        #expect(html.contains("<a href=\"#broken\">✗ step \(broken.number)</a>"))
    }

    @Test("every step is drawn, numbered as in the text timeline, as an arrow, a mark or a band")
    func stepsNumbered() throws {
        let (diagram, html, _) = try plantedPage()
        #expect(diagram.window == diagram.rows.indices)
        for row in diagram.rows {
            #expect(html.contains("<text class=\"step\" x=\"8\" y=\"") && html.contains(">\(row.number)</text>"))
        }
        let arrows = diagram.rows.filter { if case .arrow = $0.shape { true } else { false } }.count
        #expect(arrows > diagram.rows.count / 2)
        #expect(html.components(separatedBy: "<text class=\"step\"").count == diagram.rows.count + 1)
    }

    @Test("the page fetches nothing: no script, no external URL, styles and drawing inline")
    func selfContained() throws {
        let (_, html, _) = try plantedPage()
        for outside in ["<script", "http:", "https:", "src=", "@import", "<link"] { #expect(!html.contains(outside)) }
        #expect(html.contains("<style>") && html.contains("<svg width="))
        #expect(!html.replacingOccurrences(of: "url(#", with: "").contains("url("))
    }

    @Test("a passing fixture draws with no broken step, and its faults are marked")
    func faultsMarked() throws {
        let file = packageRoot.appendingPathComponent("fixtures/store-failure-seed11.json")
        let fixture = try Fixture.load(from: file.path)
        let result = try Simulation.replay(fixture, recordTimeline: true)
        let html = SequenceDiagram(fixture: fixture, file: "x", result: result, verdict: "PASS").html()
        #expect(!html.contains("id=\"broken\""))
        #expect(html.contains("class=\"fault store\""))
    }

    @Test("a run longer than 100 steps draws the 100 around its failure and says how many are left out")
    func longRunWindowed() {
        let rows = (1...250).map { step in
            SequenceDiagram.Row(
                number: step, time: "\(step)ms", shape: .mark(on: 0, label: "step \(step)", fault: nil),
                broken: step == 200 ? "room-order: out of order" : nil)
        }
        let diagram = SequenceDiagram(title: "t", facts: [], lifelines: ["c1"], rows: rows, verdict: "FAIL")
        #expect(diagram.window == 120..<220)
        let html = diagram.html()
        #expect(html.contains("This run has 250 steps; only 100 are drawn (steps 121–220"))
        #expect(html.contains("120 before and 30 after are left out"))
        #expect(html.contains("id=\"broken\""))
    }
}
