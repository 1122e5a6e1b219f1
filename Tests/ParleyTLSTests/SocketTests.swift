import Glibc
import ParleyTLS
import Testing

@Suite("TCP sockets")
struct SocketTests {
    @Test(
        "Listening on port 0 binds an ephemeral port that a client can reach over IPv4, IPv6 and localhost",
        arguments: ["127.0.0.1", "::1", "[::1]", "localhost"])
    func ephemeralPort(host: String) throws {
        let listener = try TCPListener(host: host, port: 0)
        defer { listener.close() }
        #expect(listener.port != 0)
        let fd = try Sockets.connect(host: host, port: listener.port, timeout: .seconds(2))
        defer { Sockets.close(fd) }
        try Sockets.setNoDelay(fd)
        let accepted = try listener.accept()
        defer { Sockets.close(accepted.fileDescriptor) }
        #expect(accepted.remoteHost == listener.host)
        #expect(accepted.remotePort != 0)
        #expect(accepted.remoteAddress.hasSuffix(":\(accepted.remotePort)"))
    }

    @Test("Connecting to a closed port fails with connectionRefused")
    func refused() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        listener.close()
        #expect(throws: SocketError.connectionRefused(host: "127.0.0.1", port: port)) {
            _ = try Sockets.connect(host: "127.0.0.1", port: port, timeout: .seconds(2))
        }
    }

    @Test("Connecting to a name that does not resolve fails with unknownHost")
    func unknownHost() {
        let error = #expect(throws: SocketError.self) {
            _ = try Sockets.connect(host: "no-such-host.invalid", port: 1, timeout: .seconds(2))
        }
        guard case .unknownHost? = error else {
            Issue.record("expected unknownHost, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("no-such-host.invalid") == true)
    }

    @Test("Connecting to a listener whose accept queue is full fails with timedOut")
    func timesOut() throws {
        // Linux drops SYNs once the accept queue is full, so the next connect hangs.
        let listener = try TCPListener(host: "127.0.0.1", port: 0, backlog: 0)
        defer { listener.close() }
        var filler: [Int32] = []
        defer { filler.forEach(Sockets.close) }
        var outcome: SocketError?
        for _ in 0..<8 {
            do {
                filler.append(try Sockets.connect(host: "127.0.0.1", port: listener.port, timeout: .milliseconds(300)))
            } catch {
                outcome = error
                break
            }
        }
        #expect(outcome == .timedOut(host: "127.0.0.1", port: listener.port))
    }

    @Test("A second listener on the same port fails with addressInUse, and a non-blocking accept says wouldBlock")
    func addressInUseAndWouldBlock() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        #expect(throws: SocketError.addressInUse(host: "127.0.0.1", port: listener.port)) {
            _ = try TCPListener(host: "127.0.0.1", port: listener.port)
        }
        try Sockets.setNonBlocking(listener.fileDescriptor)
        #expect(throws: SocketError.wouldBlock) { _ = try listener.accept() }
    }

    @Test("Closing a listener wakes a thread blocked in accept")
    func closeWakesAccept() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let outcome = Box<SocketError?>(nil)
        let acceptor = BackgroundThread {
            do throws(SocketError) { _ = try listener.accept() } catch { outcome.value = error }
        }
        usleep(50_000)
        listener.close()
        #expect(acceptor.join(timeout: 5))
        #expect(outcome.value == .closed)
    }
}
