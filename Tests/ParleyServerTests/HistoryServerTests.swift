import Foundation
import Testing

@Suite("Room history over real TLS sockets and a real SQLite file", .serialized)
struct HistoryServerTests {
    /// The lines up to and including the next history end marker.
    private func history(_ client: LineClient) -> [String] {
        var lines: [String] = []
        while let line = client.nextLine() {
            lines.append(line)
            if line.hasPrefix("HISTORY-END") { break }
        }
        return lines
    }

    /// The text of each history line: its last field after room, time and sender.
    private func texts(_ lines: [String]) -> [String] {
        lines.filter { $0.hasPrefix("HISTORY ") }.map {
            $0.split(separator: " ", maxSplits: 4).last.map(String.init) ?? ""
        }
    }

    @Test("a user logging in gets global's newest lines as history, then live lines, and so after a restart")
    func historyOnLoginSurvivesRestart() throws {
        let directory = TestServer.makeDirectory()
        var server = try TestServer(configure: { $0.historyLines = 3 }, directory: directory)
        let alice = try LineClient.registered("alice", port: server.port)
        #expect(history(alice) == ["HISTORY-END global"])
        for n in 1...5 {
            try alice.send("line \(n)")
            #expect(alice.expect("MSG global alice") == "MSG global alice line \(n)")
        }
        let bob = try LineClient.registered("bob", port: server.port)
        let seen = history(bob)
        #expect(texts(seen) == ["line 3", "line 4", "line 5"])
        #expect(
            seen.first?.range(
                of: #"^HISTORY global \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z alice line 3$"#,
                options: .regularExpression) != nil)
        try alice.send("live now")
        #expect(bob.nextLine() == "MSG global alice live now")
        try alice.send("/create den")
        #expect(alice.expect("OK created") != nil)
        try alice.send("in the first den")
        #expect(alice.expect("MSG den") != nil)
        server.stop()

        server = try TestServer(configure: { $0.historyLines = 3 }, directory: directory)
        defer { server.stop() }
        let carol = try LineClient.registered("carol", port: server.port)
        #expect(texts(history(carol)) == ["line 4", "line 5", "live now"])
        // The first room after the restart is numbered past every stored life: it starts empty.
        try carol.send("/create den")
        #expect(carol.expect("OK created") == "OK created den; you are in den")
        #expect(history(carol) == ["HISTORY-END den"])
    }

    @Test("a member's history on entry, lines past a kept buffer's size, leaves the server in one TLS record")
    func historyInOneRecord() throws {
        let server = try TestServer(configure: { $0.historyLines = 20 })
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        #expect(history(alice) == ["HISTORY-END global"])
        let text = String(repeating: "x", count: 100)
        for n in 1...20 {
            try alice.send("\(n) \(text)")
            #expect(alice.expect("MSG global alice") != nil)
        }
        let bob = try LineClient(port: server.port)
        try bob.send("/register bob password1")
        // One SSL_read returns at most one record: each read here is one record the server wrote.
        var records: [String] = []
        while records.last?.contains("HISTORY-END global") != true,
            let bytes = try bob.connection.readSome(timeout: .seconds(5))
        {
            records.append(String(decoding: bytes, as: UTF8.self))
        }
        let withHistory = records.filter { $0.contains("HISTORY") }
        #expect(withHistory.count == 1, "the history came in \(withHistory.count) records")
        #expect(withHistory.first?.components(separatedBy: "HISTORY global").count == 21)
    }

    @Test("/history N reads further back than the join's history, and --history 0 gives none on entry")
    func historyCommand() throws {
        let server = try TestServer(configure: { $0.historyLines = 0 })
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        for n in 1...4 {
            try alice.send("line \(n)")
            #expect(alice.expect("MSG global alice") != nil)
        }
        let bob = try LineClient.registered("bob", port: server.port)
        try bob.send("/history 3")
        #expect(bob.nextLine() == "OK history of global follows")
        #expect(texts(history(bob)) == ["line 2", "line 3", "line 4"])
    }
}
