import Foundation
import ParleyClient
import ParleyTLS
import Testing

@Suite("known_servers")
struct KnownServersTests {
    let first = Fingerprint.repeating(0xAB)
    let second = Fingerprint.repeating(0x01)

    @Test("entries, comments and blank lines parse; malformed lines are reported and never trusted")
    func parses() {
        let text = """
            # my servers
            127.0.0.1:7999 \(first)

              [::1]:7878   \(second.hexPairs)
            example.org \(first)
            bad:7000 SHA256:00
            a:1 b:2 c
            """
        let known = KnownServers(parsing: text)
        #expect(known.entries.map(\.key) == ["127.0.0.1:7999", "[::1]:7878"])
        #expect(known.entries.map(\.line) == [2, 4])
        #expect(known.malformedLines == [5, 6, 7])
        #expect(known.entry(for: Endpoint(host: "::1", port: 7878))?.fingerprint == second)
        #expect(known.entry(for: Endpoint(host: "127.0.0.1", port: 7878)) == nil)
    }

    @Test("the first entry for a server wins, and keys match without regard to case")
    func firstWins() {
        let known = KnownServers(parsing: "Example.org:7878 \(first)\nexample.org:7878 \(second)\n")
        #expect(known.entry(for: Endpoint(host: "EXAMPLE.org", port: 7878))?.fingerprint == first)
        #expect(known.entry(for: Endpoint(host: "example.org", port: 7878))?.line == 1)
    }

    @Test("a bare IPv6 address with a port-like tail is not a key")
    func ipv6NeedsBrackets() {
        #expect(KnownServers(parsing: "fe80::7878 \(first)").malformedLines == [1])
    }

    @Test("XDG_CONFIG_HOME is used when absolute, else ~/.config")
    func configDirectory() {
        #expect(KnownServersFile.configDirectory(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/home/a"]) == "/x")
        #expect(
            KnownServersFile.configDirectory(environment: ["XDG_CONFIG_HOME": "rel", "HOME": "/home/a"])
                == "/home/a/.config")
        #expect(KnownServersFile.configDirectory(environment: ["HOME": "/home/a"]) == "/home/a/.config")
        #expect(KnownServersFile.configDirectory(environment: [:]) == nil)
        #expect(KnownServersFile(configDirectory: "/x/").path == "/x/parley/known_servers")
    }

    @Test("adding creates the directories (0700) and the file (0600), appends, and keeps what was there")
    func addsAndLoads() throws {
        let root = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = KnownServersFile(configDirectory: root + "/config")
        #expect(try file.load() == KnownServers())
        try file.add(Endpoint(host: "127.0.0.1", port: 7999), first)
        // A hand edit without a final newline must not glue the next entry onto it.
        let handle = try #require(FileHandle(forWritingAtPath: file.path))
        handle.seekToEndOfFile()
        handle.write(Data("# edited by hand".utf8))
        try handle.close()
        try file.add(Endpoint(host: "::1", port: 7878), second)
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(text == "127.0.0.1:7999 \(first)\n# edited by hand\n[::1]:7878 \(second)\n")
        let loaded = try file.load()
        #expect(loaded.entries.map(\.fingerprint) == [first, second])
        let fileMode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        let directoryMode =
            try FileManager.default.attributesOfItem(atPath: root + "/config/parley")[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(directoryMode == 0o700)
    }
}
