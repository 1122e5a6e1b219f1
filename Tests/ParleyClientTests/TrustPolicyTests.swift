import ParleyClient
import ParleyTLS
import Testing

@Suite("Trust on first use")
struct TrustPolicyTests {
    let endpoint = Endpoint(host: "127.0.0.1", port: 7999)
    let old = Fingerprint.repeating(0xAA)
    let new = Fingerprint.repeating(0xBB)
    let file = "/home/a/.config/parley/known_servers"

    func entry(_ fingerprint: Fingerprint) -> KnownServers.Entry? {
        KnownServers(parsing: "# x\n127.0.0.1:7999 \(fingerprint)\n").entry(for: endpoint)
    }

    func decide(known: Fingerprint?, expected: Fingerprint?, interactive: Bool) -> TrustDecision {
        TrustPolicy.decide(
            endpoint: endpoint, presented: new, known: known.flatMap(entry), expected: expected,
            interactive: interactive, file: file)
    }

    @Test("a pinned certificate that matches is trusted, asking nothing")
    func matches() {
        #expect(decide(known: new, expected: nil, interactive: false) == .trusted)
        #expect(decide(known: new, expected: new, interactive: true) == .trusted)
    }

    @Test("a changed certificate is refused, naming both fingerprints, the file and the line")
    func changed() throws {
        for interactive in [true, false] {
            guard case .refuse(let error) = decide(known: old, expected: nil, interactive: interactive) else {
                Issue.record("a changed certificate must be refused")
                return
            }
            #expect(error.kind == .fingerprintMismatch)
            #expect(error.exitCode == 3)
            #expect(error.message.contains(old.description) && error.message.contains(new.description))
            #expect(error.message.contains("line 2 of \(file)"))
            #expect(!error.message.contains("\n"))
        }
        // --fingerprint naming the new certificate does not override the pinned one.
        guard case .refuse(let error) = decide(known: old, expected: new, interactive: false) else {
            Issue.record("the file wins over --fingerprint")
            return
        }
        #expect(error.kind == .fingerprintMismatch)
    }

    @Test("--fingerprint that does not match is refused, naming both")
    func flagMismatch() {
        guard case .refuse(let error) = decide(known: nil, expected: old, interactive: true) else {
            Issue.record("a --fingerprint mismatch must be refused")
            return
        }
        #expect(error.kind == .fingerprintMismatch)
        #expect(error.message.contains(old.description) && error.message.contains(new.description))
    }

    @Test("--fingerprint that matches an unknown server is trusted and remembered")
    func flagMatches() {
        #expect(decide(known: nil, expected: new, interactive: false) == .trustAndRemember)
    }

    @Test("an unknown server is asked about at a terminal and refused without one, saying how to pass --fingerprint")
    func unknown() {
        #expect(decide(known: nil, expected: nil, interactive: true) == .ask)
        guard case .refuse(let error) = decide(known: nil, expected: nil, interactive: false) else {
            Issue.record("non-interactive runs never trust silently")
            return
        }
        #expect(error.kind == .untrusted)
        #expect(error.message.contains("--fingerprint"))
        #expect(error.message.contains(new.description))
        #expect(!error.message.contains("\n"))
    }

    @Test("the question shows the fingerprint and the file")
    func question() {
        let text = TrustPolicy.introduction(endpoint: endpoint, presented: new) + TrustPolicy.question(file: file)
        #expect(text.contains(new.description) && text.contains(file) && text.contains("127.0.0.1:7999"))
    }

    @Test("yes and y accept, no and n reject, a pasted fingerprint must match, anything else asks again")
    func answers() {
        #expect(TrustAnswer.parse("yes\n", presented: new) == .accept)
        #expect(TrustAnswer.parse(" Y ", presented: new) == .accept)
        #expect(TrustAnswer.parse("no", presented: new) == .reject)
        #expect(TrustAnswer.parse("N", presented: new) == .reject)
        #expect(TrustAnswer.parse(new.description, presented: new) == .accept)
        #expect(TrustAnswer.parse(new.hexPairs.lowercased(), presented: new) == .accept)
        #expect(TrustAnswer.parse(old.description, presented: new) == .reject)
        #expect(TrustAnswer.parse("", presented: new) == .unclear)
        #expect(TrustAnswer.parse("sure", presented: new) == .unclear)
    }
}
