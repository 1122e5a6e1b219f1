import Glibc
import ParleyTLS
import Testing

@Suite("Non-blocking TLS I/O")
struct ConnectionIOTests {
    @Test(
        "A server driving the non-blocking API with poll() handshakes, reads a large message in pieces, and sees the close"
    )
    func nonBlockingServerLoop() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let received = Box<(count: Int, sawWant: Bool, closed: Bool, cleanly: Bool)>((0, false, false, false))
        let server = BackgroundThread {
            guard let accepted = try? listener.accept() else { return }
            try? Sockets.setNonBlocking(accepted.fileDescriptor)
            guard
                let connection = try? TLSConnection(
                    context: sharedServerContext, fileDescriptor: accepted.fileDescriptor, ownership: .borrowed)
            else { return }
            defer { Sockets.close(accepted.fileDescriptor) }  // borrowed: we close it ourselves
            var waitFor = Int16(POLLIN)
            var handshaking = true
            var total = 0
            var sawWant = false
            var buffer = [UInt8](repeating: 0, count: 4096)
            loop: while true {
                var descriptor = pollfd(fd: accepted.fileDescriptor, events: waitFor, revents: 0)
                guard poll(&descriptor, 1, 5000) > 0 else { break }
                if handshaking {
                    switch connection.handshake() {
                    case .complete: handshaking = false
                    case .wantRead:
                        waitFor = Int16(POLLIN)
                        sawWant = true
                        continue
                    case .wantWrite:
                        waitFor = Int16(POLLOUT)
                        continue
                    case .failed: break loop
                    }
                }
                // Read until OpenSSL asks to wait; only then is poll() meaningful again.
                while true {
                    let result = buffer.withUnsafeMutableBytes { connection.read(into: $0) }
                    switch result {
                    case .bytes(let count): total += count
                    case .wantRead:
                        waitFor = Int16(POLLIN)
                        sawWant = true
                        continue loop
                    case .wantWrite:
                        waitFor = Int16(POLLOUT)
                        continue loop
                    case .closed:
                        received.value = (total, sawWant, true, connection.receivedCloseNotify)
                        break loop
                    case .failed: break loop
                    }
                }
            }
            if !received.value.closed { received.value = (total, sawWant, false, false) }
        }

        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        let payload = [UInt8](repeating: 0x61, count: 200_000)
        try client.writeAll(payload)
        #expect(client.shutdown())
        #expect(server.join())
        client.close()
        #expect(received.value.count == payload.count)
        #expect(received.value.closed)
        #expect(received.value.cleanly)
    }

    @Test("Writing to a peer that has gone away reports closed instead of raising SIGPIPE")
    func writeToClosedPeerDoesNotRaiseSIGPIPE() throws {
        // Make sure SIGPIPE would really kill us if OpenSSL used write(2) on the socket.
        var current = sigaction()
        sigaction(SIGPIPE, nil, &current)
        let handler = current.__sigaction_handler.sa_handler.map { unsafeBitCast($0, to: Int.self) } ?? 0
        let ignoredByProcess = handler == 1  // SIG_IGN is (void (*)(int))1
        print("SIGPIPE disposition in the test process: \(ignoredByProcess ? "ignored" : "default (\(handler))")")

        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let server = serveTLS(on: listener, count: 1) { result in
            if case .success(let connection) = result { connection.close() }  // vanish abruptly
        }
        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        #expect(server.join())
        var outcome: TLSIOResult = .bytes(0)
        let chunk = [UInt8](repeating: 0x62, count: 16_000)
        for _ in 0..<50 {
            outcome = client.write(chunk)
            if case .bytes = outcome {
                usleep(2_000)
                continue
            }
            if outcome == .wantWrite {
                usleep(2_000)
                continue
            }
            break
        }
        #expect(outcome == .closed, "SIGPIPE ignored process-wide: \(ignoredByProcess)")
        #expect(!client.receivedCloseNotify)
    }

    @Test("Writing after the local side shut the socket down returns closed (EPIPE) without raising SIGPIPE")
    func writeAfterLocalShutdownIsEPIPENotSignal() throws {
        // shutdown(SHUT_WR) makes the very next send() fail with EPIPE, the case that raises
        // SIGPIPE for write(2). Reaching the end of this test proves MSG_NOSIGNAL is used.
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let server = serveTLS(on: listener, count: 1) { result in
            if case .success(let connection) = result { _ = try? connection.readSome(timeout: .seconds(5)) }
        }
        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        #expect(Glibc.shutdown(client.fileDescriptor, Int32(SHUT_WR)) == 0)
        #expect(client.write(Array("after shutdown".utf8)) == .closed)
        #expect(OpenSSLErrorQueue.drain().isEmpty)
        #expect(server.join())
    }

    @Test("Bytes decrypted but not yet read are reported by pending, so a poller reads again before polling")
    func pendingReportsBufferedPlaintext() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let server = serveTLS(on: listener, count: 1) { result in
            guard case .success(let connection) = result else { return }
            try? connection.writeAll([UInt8](repeating: 0x63, count: 1000))  // one TLS record
            _ = try? connection.readSome(timeout: .seconds(5))
        }
        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        let first = try client.readSome(maxLength: 100, timeout: .seconds(5))
        #expect(first?.count == 100)
        #expect(client.pending == 900)
        var rest: [UInt8] = []
        #expect(client.read(appendingTo: &rest, maxLength: 4096) == .bytes(900))
        #expect(client.pending == 0)
        client.close()
        #expect(server.join())
    }

    @Test("A peer that disconnects without close_notify reads as closed, not as a failure")
    func abruptDisconnectReadsAsClosed() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let server = serveTLS(on: listener, count: 1) { result in
            if case .success(let connection) = result { connection.close() }  // no shutdown()
        }
        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        #expect(server.join())
        #expect(try client.readSome(timeout: .seconds(5)) == nil)
        #expect(!client.receivedCloseNotify)
        #expect(OpenSSLErrorQueue.drain().isEmpty)
    }

    @Test("A blocking read times out with a timedOut error when the peer stays silent")
    func readTimesOut() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let release = Box(false)
        let server = serveTLS(on: listener, count: 1) { result in
            while !release.value { usleep(5_000) }  // keep the connection open, say nothing
            _ = result
        }
        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        let error = #expect(throws: TLSError.self) {
            _ = try client.readSome(timeout: .milliseconds(150))
        }
        #expect(error?.kind == .timedOut)
        release.value = true
        #expect(server.join())
    }
}
