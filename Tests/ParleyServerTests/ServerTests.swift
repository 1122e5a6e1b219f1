import ChatCore
import Foundation
import Glibc
import ParleyServer
import ParleyStore
import ParleyTLS
import Testing

@Suite("parley serve over real TLS sockets and a real SQLite file", .serialized)
struct ServerTests {
    @Test("a whole conversation over TLS follows the protocol")
    func conversation() throws {
        let server = try TestServer()
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)
        let carol = try LineClient.registered("carol", port: server.port)
        #expect(alice.connection.negotiatedVersion == "TLSv1.3")

        try alice.send("hello everyone")
        for client in [alice, bob, carol] {
            #expect(client.expect("MSG global alice") == "MSG global alice hello everyone")
        }

        try bob.send("/whisper carol between us")
        #expect(carol.expect("WHISPER") == "WHISPER bob carol between us")
        #expect(bob.expect("OK whisper") == "OK whisper sent to carol")

        try alice.send("/createchatroom lounge")
        #expect(alice.expect("OK created") == "OK created lounge; you are in lounge")
        try carol.send("/chatrooms")
        #expect(carol.expect("ROOMS") == "ROOMS global lounge")
        try carol.send("/join lounge")
        #expect(carol.expect("OK joined") == "OK joined lounge")
        try carol.send("/users")
        #expect(carol.expect("USERS") == "USERS lounge alice carol")
        try carol.send("/whisper bob not here")
        #expect(carol.expect("ERR") == "ERR no-such-user bob is not in lounge")
        try alice.send("in the lounge")
        #expect(carol.expect("MSG lounge") == "MSG lounge alice in the lounge")
        try bob.send("/users")
        #expect(bob.expect("USERS") == "USERS global bob")

        try alice.send("/leave")
        #expect(alice.expect("OK left") == "OK left lounge; you are in global")
        try carol.send("/leave")
        try carol.send("/chatrooms")
        #expect(carol.expect("ROOMS") == "ROOMS global")
        try bob.send("/leave")
        #expect(bob.expect("BYE") == "BYE goodbye you left global")
        #expect(bob.waitForClose())
    }

    /// Waits until `condition` holds (or a few seconds pass).
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<300 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test("a login deadline withdrawn by logging in never closes the connection")
    func withdrawnLoginDeadline() throws {
        let server = try TestServer { $0.limits.loginDeadline = .milliseconds(700) }
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        usleep(1_200_000)
        try alice.send("still here")
        #expect(alice.expect("MSG global alice") == "MSG global alice still here")
        let waiting = try LineClient(port: server.port)
        #expect(waiting.expect("BYE", timeout: .seconds(3)) == "BYE login-timeout no login within 0.7 seconds")
    }

    @Test("a quiet connection gives up its thread and still receives, sends and says goodbye")
    func quietConnectionsPark() throws {
        let server = try TestServer { $0.parkIdleConnectionsAfter = .milliseconds(100) }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)
        #expect(eventually { server.server.parkedConnections == 2 })

        try alice.send("are you there")  // wakes alice's connection; bob's stays parked
        #expect(alice.expect("MSG global alice") == "MSG global alice are you there")
        #expect(bob.expect("MSG global alice") == "MSG global alice are you there")
        try bob.send("/users")
        #expect(bob.expect("USERS") == "USERS global alice bob")

        #expect(eventually { server.server.parkedConnections == 2 })
        server.stop()
        #expect(alice.expect("BYE") == "BYE shutdown the server is shutting down")
        #expect(bob.expect("BYE") == "BYE shutdown the server is shutting down")
        #expect(server.server.parkedConnections == 0)
    }

    @Test("a parked connection that hangs up is logged out")
    func parkedHangUp() throws {
        let server = try TestServer { $0.parkIdleConnectionsAfter = .milliseconds(100) }
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)
        #expect(eventually { server.server.parkedConnections == 2 })
        alice.connection.close()
        #expect(bob.expect("EVENT global alice quit") == "EVENT global alice quit")
        try bob.send("/users")
        #expect(bob.expect("USERS") == "USERS global bob")
    }

    @Test("the server speaks TLS 1.3, accepts 1.2 and refuses 1.1")
    func versions() throws {
        let server = try TestServer()
        defer { server.stop() }
        let modern = try LineClient(port: server.port)
        #expect(modern.connection.negotiatedVersion == "TLSv1.3")
        let older = try LineClient(port: server.port, options: .init(maximumVersion: .tls1_2))
        #expect(older.connection.negotiatedVersion == "TLSv1.2")
        #expect(throws: (any Error).self) { try LineClient(port: server.port, options: .legacyTLS11ForTesting) }
    }

    @Test("accounts and messages survive a restart at the default scrypt cost, and no password is on disk")
    func restart() throws {
        let password = "Sw0rdfish-\(UInt32.random(in: 0...UInt32.max))"
        let server = try TestServer(configure: { $0.scryptCost = .owaspDefault })
        let alice = try LineClient.registered("alice", port: server.port, password: password)
        try alice.send("remember me")
        #expect(alice.expect("MSG global alice") == "MSG global alice remember me")
        server.stop()
        #expect(alice.expect("BYE") == "BYE shutdown the server is shutting down")

        let again = try TestServer(configure: { $0.scryptCost = .owaspDefault }, directory: server.directory)
        let back = try LineClient(port: again.port)
        try back.send("/login ALICE \(password)")
        #expect(back.expect("OK") == "OK logged in as alice; you are in global")
        again.stop()  // The audit of that login is written after the OK; stopping flushes it.

        let database = try ParleyDatabase.open(path: server.directory + "/parley.sqlite3", access: .readOnly)
        #expect(try database.messages(room: "global").map(\.body) == ["remember me"])
        #expect(try database.auditEntries().map(\.kind).contains("login"))
        for file in try FileManager.default.contentsOfDirectory(atPath: server.directory) {
            let contents = try Data(contentsOf: URL(fileURLWithPath: server.directory + "/" + file))
            #expect(contents.range(of: Data(password.utf8)) == nil, "\(file) holds the password")
        }
    }

    @Test("a database locked by another process gives ERR store-failed, and chat resumes after")
    func lockedDatabase() throws {
        let server = try TestServer(configure: { $0.databaseBusyTimeout = .milliseconds(200) })
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)
        let locker = try SQLiteConnection(path: server.directory + "/parley.sqlite3")
        try locker.execute("BEGIN EXCLUSIVE")
        try alice.send("can anyone hear me")
        #expect(alice.expect("ERR") == "ERR store-failed your message could not be saved; nobody got it")
        try locker.execute("COMMIT")
        try alice.send("and now")
        #expect(bob.expect("MSG global alice") == "MSG global alice and now")
    }

    @Test("plaintext, silent clients and a 4 MiB line do not stop anyone else from chatting")
    func hostileClients() throws {
        let server = try TestServer()
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)

        let plaintext = try Sockets.connect(host: "127.0.0.1", port: server.port)
        _ = "hello\n".withCString { write(plaintext, $0, 6) }
        let silent = try (0..<50).map { _ in try Sockets.connect(host: "127.0.0.1", port: server.port) }
        defer { (silent + [plaintext]).forEach(Sockets.close) }

        let mallory = try LineClient.registered("mallory", port: server.port)
        let chunk = [UInt8](repeating: 0x41, count: 64 * 1024)
        for _ in 0..<64 { try? mallory.connection.writeAll(chunk) }
        #expect(mallory.expect("BYE") == "BYE line-too-long no newline in 1048576 bytes")

        try alice.send("still fine")
        #expect(bob.expect("MSG global alice") == "MSG global alice still fine")
        let late = try LineClient.registered("late", port: server.port)
        try late.send("/users")
        #expect(late.expect("USERS") == "USERS global alice bob late")
    }

    @Test("in a room too big for inline fan-out, every member gets every message in one order")
    func bigRoomOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        // More members than the storage thread fans out to itself: replies go through the
        // room's mailbox, and the order must still be one order.
        let members = try (0..<140).map { try LineClient.registered("m\($0)", port: server.port) }
        let senders = Array(members.prefix(3))
        for round in 0..<10 {
            for (index, sender) in senders.enumerated() { try sender.send("r\(round)s\(index)") }
        }
        var orders: Set<[String]> = []
        for member in members {
            var seen: [String] = []
            while seen.count < 30, let line = member.nextLine() {
                if line.hasPrefix("MSG global") { seen.append(String(line.split(separator: " ").last!)) }
            }
            #expect(seen.count == 30)
            orders.insert(seen)
        }
        #expect(orders.count == 1)
    }

    @Test("a client that half-closes after its last lines still gets their answers")
    func halfClose() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try LineClient(port: server.port)
        try client.send("/help")
        try client.send("/users")
        _ = Glibc.shutdown(client.connection.fileDescriptor, Int32(SHUT_WR))
        #expect(client.expect("OK commands") != nil)
        #expect(client.expect("ERR not-logged-in") != nil)
    }

    @Test("a second login of an account closes the first and takes its place")
    func takeover() throws {
        let server = try TestServer()
        defer { server.stop() }
        let first = try LineClient.registered("alice", port: server.port)
        let second = try LineClient(port: server.port)
        try second.send("/login alice password1")
        #expect(first.expect("BYE") == "BYE replaced your account logged in from elsewhere")
        #expect(first.waitForClose())
        #expect(second.expect("OK") == "OK logged in as alice; you are in global")
        try second.send("/users")
        #expect(second.expect("USERS") == "USERS global alice")
    }

    @Test("a login for a missing account costs a password check, like a wrong password for an existing one")
    func missingAccountTiming() throws {
        let server = try TestServer(configure: { $0.scryptCost = .owaspDefault })
        defer { server.stop() }
        _ = try LineClient.registered("alice", port: server.port)
        let guesser = try LineClient(port: server.port)
        /// The fastest of two wrong logins, in seconds.
        func fastest(_ account: String) throws -> Double {
            var best = Double.infinity
            for _ in 0..<2 {
                let start = DispatchTime.now().uptimeNanoseconds
                try guesser.send("/login \(account) not-the-password")
                #expect(guesser.expect("ERR") == "ERR wrong-credentials wrong name or password")
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return best
        }
        let existing = try fastest("alice"), missing = try fastest("nobody")
        // Before the dummy hash: 0.4 ms against 300 ms. Now both are one scrypt.
        #expect(missing > existing * 0.3, "missing account \(missing) s, existing \(existing) s")
    }
}
