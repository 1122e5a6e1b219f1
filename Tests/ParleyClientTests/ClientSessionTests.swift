import Foundation
import ParleyClient
import ParleyTLS
import Testing

/// The client against a real server over real TLS sockets.
@Suite("parley chat against a real server", .serialized)
struct ClientSessionTests {
    func options(_ server: TestServer, config: String, fingerprint: Fingerprint? = nil) -> ChatOptions {
        ChatOptions(
            endpoint: server.endpoint, expectedFingerprint: fingerprint,
            knownServers: KnownServersFile(configDirectory: config))
    }

    @Test("a first connection with --fingerprint chats and stores the fingerprint in known_servers")
    func firstConnectionStores() throws {
        let server = try TestServer()
        defer { server.stop() }
        let config = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let run = runClient(
            options(server, config: config, fingerprint: server.fingerprint),
            input: "/register alice password1\nhello\n/users\n")
        #expect(run.status == 0)
        #expect(run.errors == "")
        // A message travels through the room and the store; /users is answered at once,
        // so the two may arrive in either order.
        #expect(
            linesInAnyMiddleOrder(run.output) == [
                "registered alice; you are in global", "[global] alice: hello",
                "--- end of global's history; live from here ---", "users in global: alice",
                "disconnected: see you",
            ])
        let known = try KnownServersFile(configDirectory: config).load()
        #expect(known.entry(for: server.endpoint)?.fingerprint == server.fingerprint)
        // Now known: a second run needs no --fingerprint, and adds no second line.
        let again = runClient(options(server, config: config), input: "/login alice password1\n")
        #expect(again.status == 0)
        #expect(again.output.hasPrefix("logged in as alice; you are in global\n"))
        #expect(try KnownServersFile(configDirectory: config).load().entries.count == 1)
    }

    @Test("an unknown server without a terminal and without --fingerprint is refused, sending nothing")
    func unknownNonInteractive() throws {
        let server = try TestServer()
        defer { server.stop() }
        let config = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let run = runClient(options(server, config: config), input: "/register mallory password1\n")
        #expect(run.status == 1)
        #expect(run.output == "")
        #expect(run.errors.hasPrefix("parley: 127.0.0.1:\(server.port) is not in "))
        #expect(run.errors.contains("--fingerprint"))
        #expect(run.errors.filter { $0 == "\n" }.count == 1)
        #expect(try KnownServersFile(configDirectory: config).load().entries.isEmpty)
    }

    @Test("a server restarted with a new certificate is refused, naming both fingerprints and the file")
    func mismatchAfterRestart() throws {
        let config = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let first = try TestServer()
        let port = first.port
        let oldFingerprint = first.fingerprint
        #expect(runClient(options(first, config: config, fingerprint: oldFingerprint), input: "").status == 0)
        first.stop()
        let second = try TestServer(port: port)  // a fresh data directory: a new certificate
        defer { second.stop() }
        #expect(second.fingerprint != oldFingerprint)
        let file = KnownServersFile(configDirectory: config).path
        let run = runClient(options(second, config: config), input: "/login alice password1\n")
        #expect(run.status == 3)
        #expect(run.output == "")
        #expect(run.errors.contains(oldFingerprint.description))
        #expect(run.errors.contains(second.fingerprint.description))
        #expect(run.errors.contains("line 1 of \(file)"))
        #expect(run.errors.filter { $0 == "\n" }.count == 1)
        // --fingerprint naming another certificate is refused too, naming both.
        let flagged = runClient(
            options(second, config: TemporaryDirectory.make(), fingerprint: oldFingerprint), input: "")
        #expect(flagged.status == 3)
        #expect(
            flagged.errors.contains(oldFingerprint.description)
                && flagged.errors.contains(second.fingerprint.description))
    }

    @Test("a refused connection and an unknown host are one line each, exit 1")
    func connectionErrors() throws {
        let config = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: config) }
        // A port that was just free: bind, note it, close.
        let server = try TestServer()
        let port = server.port
        server.stop()
        let refused = runClient(
            ChatOptions(
                endpoint: Endpoint(host: "127.0.0.1", port: port),
                knownServers: KnownServersFile(configDirectory: config)), input: "")
        #expect(refused.status == 1)
        #expect(refused.errors == "parley: cannot connect to 127.0.0.1:\(port): connection refused\n")
        let unknown = runClient(
            ChatOptions(
                endpoint: Endpoint(host: "no-such-host.invalid", port: 7878),
                knownServers: KnownServersFile(configDirectory: config)), input: "")
        #expect(unknown.status == 1)
        #expect(unknown.errors.hasPrefix("parley: cannot connect to no-such-host.invalid:7878: unknown host"))
        #expect(unknown.errors.filter { $0 == "\n" }.count == 1)
    }

    @Test("a server that does not speak TLS fails the handshake with one line, exit 1")
    func handshakeFailure() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        // Answer like a plain-text server, then hang up.
        let responder = Thread {
            var descriptor = pollfd(fd: listener.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 5000) == 1, let socket = try? listener.accept() else { return }
            let reply = Array("HTTP/1.0 400 Bad Request\r\n\r\n".utf8)
            _ = reply.withUnsafeBytes { send(socket.fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            usleep(200_000)
            Sockets.close(socket.fileDescriptor)
        }
        responder.start()
        let config = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let run = runClient(
            ChatOptions(
                endpoint: Endpoint(host: "127.0.0.1", port: listener.port),
                knownServers: KnownServersFile(configDirectory: config)), input: "")
        #expect(run.status == 1)
        #expect(run.errors.hasPrefix("parley: TLS handshake with 127.0.0.1:\(listener.port) failed: "))
        #expect(run.errors.filter { $0 == "\n" }.count == 1)
    }

    @Test("two clients talk: messages, a whisper and events arrive rendered")
    func twoClients() throws {
        let server = try TestServer()
        defer { server.stop() }
        let config = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: config) }
        #expect(
            runClient(
                options(server, config: config, fingerprint: server.fingerprint),
                input: "/register bob password1\n"
            ).status == 0)
        // Bob listens in a thread of his own: his input pipe stays open until alice is done.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let outputPath = config + "/bob.out"
        let outputFD = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let errorsFD = open("/dev/null", O_WRONLY)
        write(ends[1], "/login bob password1\n", 21)
        let io = ClientIO(
            input: ends[0], output: outputFD, errors: errorsFD, interactive: false, colour: false,
            handleSignals: false)
        let bobOptions = options(server, config: config)
        let bob = Thread { _ = ChatClient.run(bobOptions, io: io) }
        bob.start()
        let waitUntil = ContinuousClock.now.advanced(by: .seconds(5))
        while ContinuousClock.now < waitUntil,
            (try? String(contentsOfFile: outputPath, encoding: .utf8))?.contains("logged in") != true
        {
            usleep(10_000)
        }
        let alice = runClient(
            options(server, config: config),
            input: "/register alice password1\nhi bob\n/whisper bob psst\n")
        #expect(alice.status == 0)
        #expect(alice.output.contains("whisper sent to bob"))
        close(ends[1])  // bob's input ends: he quits once answered
        let doneBy = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < doneBy,
            (try? String(contentsOfFile: outputPath, encoding: .utf8))?.contains("disconnected") != true
        {
            usleep(10_000)
        }
        let heard = try String(contentsOfFile: outputPath, encoding: .utf8)
        #expect(heard.contains("* alice joined\n"))
        #expect(heard.contains("[global] alice: hi bob\n"))
        #expect(heard.contains("[whisper] alice -> you: psst\n"))
        #expect(heard.contains("* alice quit\n"))
        close(ends[0])
        close(outputFD)
        close(errorsFD)
    }
}

/// The built `parley` binary, driven through a pipe as a script would.
@Suite("The parley executable", .serialized)
struct ExecutableTests {
    @Test("a piped session registers, chats and exits 0; XDG_CONFIG_HOME decides where known_servers lives")
    func pipedSession() throws {
        let server = try TestServer()
        defer { server.stop() }
        let config = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let run = try runParley(
            ["chat", "127.0.0.1:\(server.port)", "--fingerprint", server.fingerprint.description],
            input: "/register zoe password1\nhello from a pipe\n/chatrooms\n",
            environment: ["XDG_CONFIG_HOME": config, "HOME": "/nonexistent"])
        #expect(run.status == 0)
        #expect(run.errors == "")
        #expect(
            linesInAnyMiddleOrder(run.output) == [
                "registered zoe; you are in global", "[global] zoe: hello from a pipe",
                "--- end of global's history; live from here ---", "rooms: global",
                "disconnected: see you",
            ])
        #expect(run.output.hasSuffix("\n"))
        let stored = try String(contentsOfFile: config + "/parley/known_servers", encoding: .utf8)
        #expect(stored == "127.0.0.1:\(server.port) \(server.fingerprint)\n")
    }

    @Test("usage errors exit 2 with one line; a refused connection exits 1 with one line")
    func errors() throws {
        let badPort = try runParley(["chat", "127.0.0.1:99999"], input: "", environment: [:])
        #expect(badPort.status == 2)
        #expect(badPort.errors == "parley: \"99999\" is not a port number from 1 to 65535\n")
        let badFingerprint = try runParley(
            ["chat", "127.0.0.1", "--fingerprint", "SHA256:00"], input: "", environment: [:])
        #expect(badFingerprint.status == 2)
        let server = try TestServer()
        let port = server.port
        server.stop()
        let refused = try runParley(["chat", "127.0.0.1:\(port)"], input: "", environment: [:])
        #expect(refused.status == 1)
        #expect(refused.errors == "parley: cannot connect to 127.0.0.1:\(port): connection refused\n")
    }
}
