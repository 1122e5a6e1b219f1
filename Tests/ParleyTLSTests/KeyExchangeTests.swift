import ParleyTLS
import Testing

/// The server's key-exchange groups, over real loopback handshakes.
@Suite("Key exchange groups")
struct KeyExchangeTests {
    /// Handshakes once with a client offering `groups` at `version`; the client's result
    /// and the group the server saw.
    func handshake(
        groups: String, version: TLSVersion = .tls1_3
    ) throws -> (client: Result<String?, any Error>, server: String?) {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let serverGroup = Box<String?>(nil)
        let server = serveTLS(on: listener, count: 1) { result in
            if case .success(let connection) = result { serverGroup.value = connection.negotiatedGroup }
        }
        let options = TLSContext.ClientOptions(minimumVersion: version, maximumVersion: version, groups: groups)
        let client = Result<String?, any Error> {
            let connection = try TLSConnection.connect(
                host: "127.0.0.1", port: listener.port,
                context: TLSContext.client(options), timeout: .seconds(5))
            defer { connection.close() }
            return connection.negotiatedGroup
        }
        #expect(server.join())
        return (client, serverGroup.value)
    }

    @Test("a TLS 1.3 client offering only the ffdhe groups is refused")
    func ffdheOnlyIsRefused() throws {
        let outcome = try handshake(groups: "ffdhe2048:ffdhe8192")
        #expect(throws: (any Error).self) { try outcome.client.get() }
        #expect(outcome.server == nil)
    }

    @Test("a TLS 1.2 client offering only the ffdhe groups is refused")
    func ffdheOnlyTLS12IsRefused() throws {
        let outcome = try handshake(groups: "ffdhe2048:ffdhe8192", version: .tls1_2)
        #expect(throws: (any Error).self) { try outcome.client.get() }
    }

    @Test("a client offering only X25519 completes the handshake over X25519")
    func x25519Works() throws {
        let outcome = try handshake(groups: "X25519")
        #expect(try outcome.client.get() == "x25519")
        #expect(outcome.server == "x25519")
    }

    @Test("a client offering only P-256 completes the handshake over P-256")
    func p256Works() throws {
        let outcome = try handshake(groups: "P-256")
        #expect(try outcome.client.get() == "secp256r1")
        #expect(outcome.server == "secp256r1")
    }

    @Test("a client offering ffdhe first and X25519 after is answered over X25519, never ffdhe")
    func ffdheFirstFallsToX25519() throws {
        let outcome = try handshake(groups: "ffdhe8192:X25519")
        #expect(try outcome.client.get() == "x25519")
    }

    @Test("the groups offered are X25519 and P-256, with a post-quantum hybrid only where OpenSSL has one")
    func groupList() {
        #expect(TLSContext.keyExchangeGroupChoices.contains(TLSContext.keyExchangeGroups))
        #expect(TLSContext.keyExchangeGroups.hasSuffix("X25519:P-256"))
        #expect(!TLSContext.keyExchangeGroups.lowercased().contains("ffdhe"))
    }
}
