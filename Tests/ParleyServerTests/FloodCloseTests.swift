import Foundation
import Testing

@Suite("A flooder is told why it is closed")
struct FloodCloseTests {
    @Test("a client that sends 20,000 lines without reading still reads its BYE flood")
    func flooderReadsItsBye() throws {
        let server = try TestServer()
        defer { server.stop() }
        let flooder = try LineClient.registered("flooder", port: server.port)
        // All at once, reading nothing: the server closes while most of it is unread.
        let burst = Array(String(repeating: "spam spam spam spam\n", count: 20_000).utf8)
        try? flooder.connection.writeAll(burst)
        var lines: [String] = []
        while let line = flooder.nextLine(timeout: .seconds(5)) { lines.append(line) }
        #expect(lines.last == "BYE flood too many lines too fast", "the flooder read \(lines.suffix(3))")
    }

    @Test("a closed connection is not reset while its peer still sends: it reads the goodbye, then its end")
    func noResetAfterGoodbye() throws {
        let server = try TestServer()
        defer { server.stop() }
        let flooder = try LineClient.registered("flooder", port: server.port)
        let burst = Array(String(repeating: "spam spam spam spam\n", count: 2_000).utf8)
        try flooder.connection.writeAll(burst)
        #expect(flooder.expect("BYE") == "BYE flood too many lines too fast")
        #expect(flooder.waitForClose(timeout: .seconds(3)))
        // The server has half-closed and still reads: more bytes from the peer are taken,
        // not answered with a reset.
        for _ in 0..<20 {
            try flooder.connection.writeAll(Array("still talking\n".utf8))
            Thread.sleep(forTimeInterval: 0.005)
        }
    }
}
