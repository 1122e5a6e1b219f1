import ParleyTLS
import Testing

@Suite("scrypt password hashing")
struct PasswordHasherTests {
    let hasher = PasswordHasher(cost: .testing)

    @Test("A hash verifies with the right password and produces the self-describing format")
    func hashThenVerify() throws {
        let encoded = try hasher.hash(password: "correct horse battery staple")
        #expect(encoded.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        let parts = encoded.split(separator: "$")
        #expect(parts.count == 4)
        #expect(parts[2].count == 22)  // 16-byte salt, base64 without padding
        #expect(parts[3].count == 43)  // 32-byte key
        #expect(
            hasher.verify(password: "correct horse battery staple", encoded: encoded)
                == .init(matches: true, needsRehash: false))
    }

    @Test("A wrong password does not verify")
    func wrongPassword() throws {
        let encoded = try hasher.hash(password: "secret")
        #expect(!hasher.verify(password: "Secret", encoded: encoded).matches)
        #expect(!hasher.verify(password: "", encoded: encoded).matches)
        #expect(!hasher.verify(password: "secret ", encoded: encoded).matches)
    }

    @Test("Two hashes of the same password differ because each has its own salt")
    func saltsDiffer() throws {
        let first = try hasher.hash(password: "same")
        let second = try hasher.hash(password: "same")
        #expect(first != second)
        #expect(hasher.verify(password: "same", encoded: first).matches)
        #expect(hasher.verify(password: "same", encoded: second).matches)
    }

    @Test(
        "Malformed or hostile encodings fail to verify without crashing",
        arguments: [
            "", "$", "$$$$", "scrypt", "$scrypt$", "$scrypt$ln=10,r=8,p=1$", "$scrypt$ln=10,r=8,p=1$$",
            "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$",
            "$argon2id$v=19$m=65536,t=3,p=4$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=10,r=8$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=10,r=8,p=1,x=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=10,ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=-1,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=0,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=99,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=10,r=0,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=10,r=8,p=99999999999$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=10,r=8,p=1$!!!notbase64!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$A",
            "$scrypt$ln=１０,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ])
    func malformed(encoded: String) {
        #expect(hasher.verify(password: "anything", encoded: encoded) == .init(matches: false, needsRehash: false))
    }

    @Test("A truncated or bit-flipped real hash fails to verify")
    func tampered() throws {
        let encoded = try hasher.hash(password: "pw")
        // Dropping 1 or 4 base64 characters leaves a valid-looking but shorter key, whose bytes
        // are a prefix of the real derivation: it must still be refused.
        #expect(!hasher.verify(password: "pw", encoded: String(encoded.dropLast())).matches)
        #expect(!hasher.verify(password: "pw", encoded: String(encoded.dropLast(4))).matches)
        var flipped = Array(encoded)
        flipped[flipped.count - 5] = flipped[flipped.count - 5] == "A" ? "B" : "A"
        #expect(!hasher.verify(password: "pw", encoded: String(flipped)).matches)
    }

    @Test("A hash made with a lower cost verifies but asks to be rehashed")
    func needsRehash() throws {
        let weak = try hasher.hash(password: "pw", cost: ScryptCost(logN: 9, r: 8, p: 1))
        let verification = hasher.verify(password: "pw", encoded: weak)
        #expect(verification == .init(matches: true, needsRehash: true))
        let stronger = PasswordHasher(cost: ScryptCost(logN: 10, r: 8, p: 2))
        #expect(stronger.verify(password: "pw", encoded: try hasher.hash(password: "pw")).needsRehash)
        // A wrong password never asks for a rehash.
        #expect(hasher.verify(password: "nope", encoded: weak) == .init(matches: false, needsRehash: false))
    }

    @Test("The real OWASP cost (N=2^15, r=8, p=3) hashes and verifies, and accepts its own output without rehash")
    func owaspDefaultCost() throws {
        let production = PasswordHasher()
        #expect(production.cost == .owaspDefault)
        #expect(production.cost == ScryptCost(logN: 15, r: 8, p: 3))
        let clock = ContinuousClock()
        var encoded = ""
        let elapsed = try clock.measure { encoded = try production.hash(password: "pässwörd ✓") }
        #expect(encoded.hasPrefix("$scrypt$ln=15,r=8,p=3$"))
        #expect(production.verify(password: "pässwörd ✓", encoded: encoded) == .init(matches: true, needsRehash: false))
        #expect(!production.verify(password: "passwörd ✓", encoded: encoded).matches)
        // A .testing hash is below the production bar.
        #expect(production.verify(password: "x", encoded: try hasher.hash(password: "x")).needsRehash)
        print("scrypt owaspDefault hash took \(elapsed)")
    }

    @Test("One hasher can be used from many tasks at once")
    func concurrentUse() async throws {
        let hasher = self.hasher
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let password = "user-\(index)"
                    let encoded = try hasher.hash(password: password)
                    return hasher.verify(password: password, encoded: encoded).matches
                        && !hasher.verify(password: password + "!", encoded: encoded).matches
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }

    @Test("SecureRandom returns the requested number of bytes, different each time")
    func secureRandom() throws {
        let a = try SecureRandom.bytes(32)
        let b = try SecureRandom.bytes(32)
        #expect(a.count == 32)
        #expect(a != b)
        #expect(try SecureRandom.bytes(0).isEmpty)
    }
}
