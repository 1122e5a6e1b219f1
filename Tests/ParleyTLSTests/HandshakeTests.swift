import Glibc
import ParleyTLS
import Testing

@Suite("TLS handshakes over real loopback sockets")
struct HandshakeTests {
    @Test("A server and a client context complete a TLS 1.3 handshake on 127.0.0.1 and data round-trips both ways")
    func tls13RoundTrip() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let serverSide = Box<String?>(nil)
        let server = serveTLS(on: listener, count: 1) { result in
            guard case .success(let connection) = result else {
                serverSide.value = "handshake failed: \(result)"
                return
            }
            do {
                // Echo one message back in upper case, proving server→client data.
                let request = try connection.readSome(timeout: .seconds(5)) ?? []
                let reply = String(decoding: request, as: UTF8.self).uppercased()
                try connection.writeAll(Array(reply.utf8))
                serverSide.value =
                    "version=\(connection.negotiatedVersion ?? "?") got=\(String(decoding: request, as: UTF8.self))"
                _ = try connection.readSome(timeout: .seconds(5))  // wait for the client's close
                connection.shutdown()
            } catch {
                serverSide.value = "server error: \(error)"
            }
        }

        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        #expect(client.negotiatedVersion == "TLSv1.3")
        #expect(client.negotiatedCipher?.hasPrefix("TLS_") == true)
        try client.writeAll(Array("hello parley\n".utf8))
        var reply: [UInt8] = []
        while reply.count < 13, let chunk = try client.readSome(timeout: .seconds(5)) {
            reply += chunk
        }
        #expect(String(decoding: reply, as: UTF8.self) == "HELLO PARLEY\n")
        client.shutdown()
        client.close()

        #expect(server.join())
        #expect(serverSide.value == "version=TLSv1.3 got=hello parley\n")
    }

    @Test("A client capped at TLS 1.2 still connects and negotiates TLSv1.2 with an ECDHE AEAD suite")
    func tls12Client() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let serverVersion = Box<String?>(nil)
        let server = serveTLS(on: listener, count: 1) { result in
            if case .success(let connection) = result { serverVersion.value = connection.negotiatedVersion }
        }
        let context = try TLSContext.client(.init(maximumVersion: .tls1_2))
        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: context, timeout: .seconds(5))
        #expect(client.negotiatedVersion == "TLSv1.2")
        let cipher = client.negotiatedCipher ?? ""
        #expect(cipher.hasPrefix("ECDHE-"))
        #expect(cipher.contains("GCM") || cipher.contains("CHACHA20"))
        #expect(server.join())
        #expect(serverVersion.value == "TLSv1.2")
    }

    @Test("A client limited to TLS 1.1 really attempts the handshake and the server refuses it")
    func tls11Refused() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let serverResult = Box<Result<String, TLSError>?>(nil)
        let server = serveTLS(on: listener, count: 1) { result in
            serverResult.value = result.map { $0.negotiatedVersion ?? "?" }
        }
        let context = try TLSContext.client(.legacyTLS11ForTesting)
        let clientError = #expect(throws: TLSError.self) {
            _ = try TLSConnection.connect(
                host: "127.0.0.1", port: listener.port, context: context, timeout: .seconds(5))
        }
        #expect(clientError?.kind == .handshake)
        #expect(clientError?.openSSLErrors.joined().contains("alert protocol version") == true)
        // The failure's OpenSSL errors went into the TLSError; none linger on this thread.
        #expect(OpenSSLErrorQueue.drain().isEmpty)
        #expect(server.join())
        // The refusal is the server's: it received a TLS 1.1 ClientHello and rejected it.
        guard case .failure(let error)? = serverResult.value else {
            Issue.record("server should have failed the handshake, got \(String(describing: serverResult.value))")
            return
        }
        #expect(error.kind == .handshake)
        #expect(error.openSSLErrors.joined().contains("unsupported protocol"))
    }

    @Test("Plaintext sent to the TLS server fails its handshake cleanly and the next real client still connects")
    func plaintextThenRealClient() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let outcomes = Box<[String]>([])
        let server = serveTLS(on: listener, count: 2) { result in
            switch result {
            case .success(let connection): outcomes.mutate { $0.append("ok \(connection.negotiatedVersion ?? "?")") }
            case .failure(let error): outcomes.mutate { $0.append("failed \(error.kind)") }
            }
        }

        let raw = try Sockets.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(5))
        let hello = Array("hello\n".utf8)
        #expect(send(raw, hello, hello.count, Int32(MSG_NOSIGNAL)) == hello.count)
        // The server answers garbage with an alert (or nothing) and closes: read until EOF.
        var sink = [UInt8](repeating: 0, count: 256)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(raw, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while recv(raw, &sink, sink.count, 0) > 0 {}
        Sockets.close(raw)

        let client = try TLSConnection.connect(
            host: "127.0.0.1", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        #expect(client.negotiatedVersion == "TLSv1.3")
        #expect(server.join())
        #expect(outcomes.value == ["failed handshake", "ok TLSv1.3"])
    }

    @Test("The client sees the server certificate's fingerprint, equal to the one computed from the PEM")
    func clientSeesPinnedFingerprint() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let files = try CertificateFiles.loadOrCreate(directory: directory)
        let context = try TLSContext.server(
            certificateFile: files.certificatePath, privateKeyFile: files.privateKeyPath)
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let server = serveTLS(on: listener, count: 1, context: context) { result in
            if case .success(let connection) = result {
                // Clients present no certificate to Parley servers.
                #expect(connection.peerCertificateFingerprint == nil)
            }
        }
        let client = try TLSConnection.connect(
            host: "localhost", port: listener.port, context: TLSContext.client(), timeout: .seconds(5))
        #expect(client.peerCertificateFingerprint == files.fingerprint)
        #expect(client.peerCertificateFingerprint == (try Fingerprint(certificatePEM: files.certificatePEM)))
        #expect(client.peerCertificateFingerprint != sharedCertificate.fingerprint)
        #expect(server.join())
    }

    @Test(
        "Over TLS 1.2 the server accepts only ECDHE suites with AES-GCM or ChaCha20-Poly1305, as the openssl CLI sees it",
        arguments: [
            ("ECDHE-ECDSA-AES128-GCM-SHA256", true),
            ("ECDHE-ECDSA-CHACHA20-POLY1305", true),
            ("ECDHE-ECDSA-AES128-SHA", false),  // CBC with SHA-1
            ("ECDHE-ECDSA-AES128-SHA256", false),  // CBC
            ("ECDHE-ECDSA-AES256-SHA384", false),  // CBC
        ])
    func tls12SuitePolicy(cipher: String, accepted: Bool) throws {
        guard let openssl = opensslPath() else { return }
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let serverResult = Box<Result<String, TLSError>?>(nil)
        let server = serveTLS(on: listener, count: 1) { result in
            serverResult.value = result.map { $0.negotiatedCipher ?? "?" }
            if case .success(let connection) = result {
                _ = try? connection.readSome(timeout: .seconds(5))
                connection.shutdown()
            }
        }
        let output =
            runProgram(
                openssl,
                [
                    "s_client", "-connect", "127.0.0.1:\(listener.port)", "-tls1_2",
                    "-cipher", cipher, "-brief",
                ],
                stdinFromNull: true, includeStandardError: true, requireSuccess: false) ?? ""
        #expect(server.join())
        if accepted {
            #expect(serverResult.value == .success(cipher), "\(output)")
        } else {
            guard case .failure(let error)? = serverResult.value else {
                Issue.record("server accepted \(cipher): \(String(describing: serverResult.value))")
                return
            }
            #expect(error.openSSLErrors.joined().contains("no shared cipher"), "\(error)")
        }
    }

    @Test("The openssl CLI negotiates TLS 1.3 with the server, which signs with its ECDSA P-256 key")
    func opensslClientAgrees() throws {
        guard let openssl = opensslPath() else { return }
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let server = serveTLS(on: listener, count: 1) { result in
            if case .success(let connection) = result {
                _ = try? connection.readSome(timeout: .seconds(5))  // until s_client closes
                connection.shutdown()
            }
        }
        let output =
            runProgram(
                openssl, ["s_client", "-connect", "127.0.0.1:\(listener.port)", "-brief"],
                stdinFromNull: true, includeStandardError: true, requireSuccess: false) ?? ""
        #expect(output.contains("Protocol version: TLSv1.3"), "\(output)")
        #expect(output.contains("Signature type: ECDSA"), "\(output)")
        #expect(server.join())
    }
}
