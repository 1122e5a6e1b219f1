import ChatCore
import Foundation
import ParleyServer
import ParleyTLS
import Testing

/// The short forms of `Benchmarks/strangers.py`: strangers cannot turn connections into
/// threads without limit (issue 14, item 1), over real sockets.
@Suite("Strangers: capped handshakes and not-logged-in connections")
struct StrangerTests {
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<300 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// True if the server has closed this socket (it reads end of stream) by now.
    private func closedByServer(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) <= 0
    }

    @Test("half-open handshakes past the server's cap are closed at once, and a logged-in user still chats")
    func halfOpenHandshakesCapped() throws {
        let server = try TestServer {
            $0.maxHandshakes = 4
            $0.handshakeTimeout = .seconds(5)
        }
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let sockets = try (0..<12).map { _ in try Sockets.connect(host: "127.0.0.1", port: server.port) }
        defer { sockets.forEach(Sockets.close) }
        usleep(1_000_000)  // well within the handshake deadline: only refusals have closed
        let refused = sockets.filter { closedByServer($0) }.count
        #expect(refused == 8, "\(refused) of 12 half-open handshakes closed")
        try alice.send("still here")
        #expect(alice.expect("MSG global alice") == "MSG global alice still here")
    }

    @Test("a connection that has not logged in parks while it waits, and is still closed at its login deadline")
    func strangerParksUntilDeadline() throws {
        let server = try TestServer {
            $0.parkIdleConnectionsAfter = .milliseconds(100)
            $0.limits.loginDeadline = .milliseconds(1500)
        }
        defer { server.stop() }
        let waiting = try LineClient(port: server.port)
        #expect(eventually { server.server.parkedConnections == 1 })
        #expect(waiting.expect("BYE", timeout: .seconds(4)) == "BYE login-timeout no login within 1.5 seconds")
        #expect(server.server.parkedConnections == 0)
    }

    @Test("connections that have not logged in past the server's cap are refused until one logs in")
    func strangersCapped() throws {
        let server = try TestServer { $0.maxStrangers = 2 }
        defer { server.stop() }
        let first = try LineClient(port: server.port)
        let second = try LineClient(port: server.port)
        #expect(throws: (any Error).self) { _ = try LineClient(port: server.port).send("/help") }
        try first.send("/register alice password1")
        #expect(first.expect("OK registered") != nil)
        let third = try LineClient(port: server.port)
        try third.send("/register bob password1")
        #expect(third.expect("OK registered") != nil)
        _ = second
        #expect(server.server.threadStartFailures == 0)
    }
}
