import ChatCore
import ParleyServer
import Testing

/// Loopback is exempt from the per-address limits unless `--no-exempt-loopback` says
/// otherwise: behind a TLS proxy on the same machine every client comes from there.
@Suite("Loopback exemption")
struct LoopbackExemptionTests {
    /// The answers to registering `count` accounts from loopback, one connection each.
    private func registrations(_ count: Int, exemptLoopback: Bool) throws -> [String] {
        let server = try TestServer(configure: {
            $0.exemptLoopback = exemptLoopback
            $0.limits.maxRegistrationsPerAddress = 2
        })
        defer { server.stop() }
        return try (1...count).map { index in
            let client = try LineClient(port: server.port)
            try client.send("/register user\(index) password1")
            while let line = client.nextLine() {
                if line.hasPrefix("OK") || line.hasPrefix("ERR") { return line }
            }
            return "(no answer)"
        }
    }

    @Test("with the exemption off, loopback's registrations are limited like any address's")
    func registrationsAreLimitedWithoutTheExemption() throws {
        let answers = try registrations(3, exemptLoopback: false)
        #expect(answers[0].hasPrefix("OK") && answers[1].hasPrefix("OK"), "\(answers)")
        #expect(answers[2].hasPrefix("ERR rate-limited too many registrations"), "\(answers)")
    }

    @Test("by default, loopback's registrations are not limited per address")
    func loopbackIsExemptByDefault() throws {
        let answers = try registrations(3, exemptLoopback: true)
        #expect(answers.allSatisfy { $0.hasPrefix("OK") }, "\(answers)")
    }
}
