import Foundation
import ParleyClient
import ParleyTLS
import Testing

/// How known_servers keys a server, and what --fingerprint may not do to a pin.
@Suite("Pins: one key per address, the pin wins")
struct PinKeyTests {
    func key(_ text: String) throws -> String { try Endpoint.parse(text).get().knownServersKey }

    @Test("127.1, 2130706433, [::ffff:127.0.0.1], 0x7f.1 and 0177.0.0.1 are all keyed as 127.0.0.1")
    func ipv4Spellings() throws {
        for spelling in [
            "127.0.0.1", "127.1", "2130706433", "[::ffff:127.0.0.1]", "0x7f.1", "0177.0.0.1", "127.0.0.1.",
            "[::FFFF:7F00:1]",
        ] {
            #expect(try key(spelling) == "127.0.0.1:7878", "\(spelling)")
        }
        #expect(try key("127.1:9000") == "127.0.0.1:9000")
    }

    @Test("IPv6 addresses are keyed in their shortest form, in brackets")
    func ipv6Spellings() throws {
        #expect(try key("[0:0:0:0:0:0:0:1]:7000") == "[::1]:7000")
        #expect(try key("[2001:DB8:0:0::1]") == "[2001:db8::1]:7878")
        #expect(try key("[fe80::0001%eth0]") == "[fe80::1%eth0]:7878")
    }

    @Test("a DNS name is keyed by its name in lower case without a trailing dot, never by its address")
    func names() throws {
        #expect(try key("Chat.Example.ORG.") == "chat.example.org:7878")
        #expect(try key("localhost") == "localhost:7878")
        #expect(try key("localhost") != key("127.0.0.1"))
    }

    @Test("a pin recorded for 127.0.0.1 is the pin of 127.1 and of the IPv4-mapped address")
    func pinMatchesOtherSpellings() throws {
        let pin = Fingerprint.repeating(0xAA)
        let known = KnownServers(parsing: "127.0.0.1:7878 \(pin)\n")
        for spelling in ["127.1", "2130706433", "[::ffff:127.0.0.1]", "0x7f.1"] {
            #expect(known.entry(for: try Endpoint.parse(spelling).get())?.fingerprint == pin, "\(spelling)")
        }
        // And an old line written with another spelling is read under the canonical key.
        let written = KnownServers(parsing: "[::ffff:127.0.0.1]:7878 \(pin)\n")
        #expect(written.entry(for: Endpoint(host: "127.0.0.1", port: 7878))?.fingerprint == pin)
    }

    @Test(
        "--fingerprint that disagrees with the pin is refused like a changed certificate, exit 3, even when the server shows the pinned one"
    )
    func flagAgainstPin() {
        let pinned = Fingerprint.repeating(0xAA), other = Fingerprint.repeating(0xBB)
        let endpoint = Endpoint(host: "127.1", port: 7878)
        let entry = KnownServers(parsing: "127.0.0.1:7878 \(pinned)\n").entry(for: endpoint)
        let decision = TrustPolicy.decide(
            endpoint: endpoint, presented: pinned, known: entry, expected: other,
            interactive: false, file: "/k")
        guard case .refuse(let error) = decision else {
            Issue.record("a --fingerprint against the pin must be refused, not \(decision)")
            return
        }
        #expect(error.exitCode == 3)
        #expect(error.message.contains("CHANGED") && error.message.contains("delete line 1 of /k"))
        #expect(error.message.contains(pinned.description) && error.message.contains(other.description))
        #expect(!error.message.contains("\n"))
    }

    @Test(
        "connecting as 127.1 with a new --fingerprint to a server pinned as 127.0.0.1 is refused with exit 3 and adds no second pin"
    )
    func noSecondPinOverRealSocket() throws {
        let config = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let server = try TestServer()
        defer { server.stop() }
        let file = KnownServersFile(configDirectory: config)
        let pinned = Fingerprint.repeating(0xAA)  // what the person trusted before
        try file.add(Endpoint(host: "127.0.0.1", port: server.port), pinned)
        let before = try String(contentsOfFile: file.path, encoding: .utf8)

        let run = runClient(
            ChatOptions(
                endpoint: Endpoint(host: "127.1", port: server.port),
                expectedFingerprint: server.fingerprint, knownServers: file), input: "")
        #expect(run.status == 3)
        #expect(run.errors.contains("CHANGED") && run.errors.contains("delete line 1 of \(file.path)"))
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == before)
    }
}
