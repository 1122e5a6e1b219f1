import ChatCore
import Foundation
import ParleyServer
import Testing

/// The short form of `Benchmarks/slow-readers.py` (issue 14, item 2): readers that do not
/// read are closed by the server-wide output budget, the slowest first, long before each
/// reaches its own outbox limit, and a reader that keeps up is never closed.
@Suite("Slow readers: a server-wide output budget")
struct SlowReaderTests {
    static let budgetBye = "BYE slow-reader you are not reading fast enough for the server"

    /// Reads what the server sent a reader that has not read until now: its lines up to
    /// the end of the stream.
    private func readToTheEnd(_ client: LineClient) -> [String] {
        var lines: [String] = []
        while let line = client.nextLine(timeout: .seconds(5)) { lines.append(line) }
        return lines
    }

    @Test("readers that never read are closed by the output budget before their own outbox limit")
    func budgetClosesSlowReaders() throws {
        let server = try TestServer {
            $0.limits.rate = nil
            $0.outputBudgetBytes = 256 * 1024
            $0.socketSendBufferBytes = 16 * 1024
            $0.closeGrace = .seconds(10)
            $0.historyLines = 0
        }
        defer { server.stop() }
        let readers = try (1...3).map { try LineClient.registered("reader\($0)", port: server.port) }
        let sender = try LineClient.registered("sender", port: server.port)
        let text = String(repeating: "x", count: 3000)
        // 300 lines of 3 KB: 900 KB for each reader, past its own 512 KiB outbox limit.
        for n in 1...300 {
            try sender.send("\(n) \(text)")
            #expect(sender.expect("MSG global sender \(n) ") != nil, "the sender's echo of line \(n)")
        }
        let heard = readers.map(readToTheEnd)
        for (number, lines) in heard.enumerated() {
            #expect(lines.last == SlowReaderTests.budgetBye, "reader\(number + 1) ended with \(lines.suffix(1))")
            let messages = lines.filter { $0.hasPrefix("MSG global sender") }.count
            #expect(messages < 300, "reader\(number + 1) read all \(messages) lines")
        }
        // The sender, who reads, is still there.
        try sender.send("still here")
        #expect(sender.expect("MSG global sender still here") != nil)
    }

    @Test("under the budget a reader that falls behind is not closed")
    func underTheBudgetNobodyIsClosed() throws {
        let server = try TestServer {
            $0.limits.rate = nil
            $0.outputBudgetBytes = 4 * 1024 * 1024
            $0.socketSendBufferBytes = 16 * 1024
            $0.historyLines = 0
        }
        defer { server.stop() }
        let reader = try LineClient.registered("reader", port: server.port)
        let sender = try LineClient.registered("sender", port: server.port)
        let text = String(repeating: "y", count: 3000)
        for n in 1...100 {
            try sender.send("\(n) \(text)")
            #expect(sender.expect("MSG global sender \(n) ") != nil)
        }
        let lines = (1...100).compactMap { _ in reader.expect("MSG global sender") }
        #expect(lines.count == 100)
        #expect(!reader.closed)
    }
}
