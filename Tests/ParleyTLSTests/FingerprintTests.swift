import ParleyTLS
import Testing

@Suite("Certificate fingerprints")
struct FingerprintTests {
    static let bytes: [UInt8] = (0..<32).map { UInt8($0 * 7 + 3) }
    static let canonical = "SHA256:" + bytes.map { String(format2: $0) }.joined(separator: ":")

    @Test("A fingerprint renders as SHA256: followed by uppercase colon-separated hex pairs")
    func rendering() throws {
        let fingerprint = try #require(Fingerprint(bytes: Self.bytes))
        #expect(fingerprint.description == Self.canonical)
        #expect(fingerprint.description.count == 7 + 32 * 3 - 1)
        #expect(fingerprint.hexPairs == String(Self.canonical.dropFirst(7)))
    }

    static let pairs: String = String(canonical.dropFirst(7))
    static let digits: String = pairs.replacingColons()

    static let acceptedForms: [String] = [
        canonical,
        pairs,
        canonical.lowercased(),
        digits,
        "sha256:" + digits.lowercased(),
        "  " + canonical + "\n",
        "sha256 Fingerprint=" + pairs + "\n",
    ]

    static let garbage: [String] = [
        "", "SHA256:", "hello",
        "SHA1:" + pairs,
        String(pairs.dropLast(3)),  // 31 bytes
        pairs + ":00",  // 33 bytes
        digits + "0",  // 65 digits
        digits.replacingFirstCharacter(with: "G"),  // not hex
        "SHA256:" + String(digits.prefix(62)) + ":AB",  // mixed grouping
        pairs.replacingOccurrencesOfFirstColon(),  // one group of four
        "SHA256:SHA256:" + pairs,
        String(repeating: "é", count: 64),
    ]

    @Test(
        "Parsing accepts the prefix or not, any case, colons or not, and OpenSSL's own output",
        arguments: acceptedForms)
    func parsesAcceptedForms(text: String) throws {
        let parsed = try #require(Fingerprint(parsing: text))
        #expect(parsed == Fingerprint(bytes: Self.bytes))
    }

    @Test(
        "Parsing rejects garbage, wrong lengths, stray characters and malformed grouping",
        arguments: garbage)
    func rejectsGarbage(text: String) {
        #expect(Fingerprint(parsing: text) == nil)
    }

    @Test("Fingerprints are equal exactly when their bytes are")
    func equality() throws {
        let a = try #require(Fingerprint(bytes: Self.bytes))
        var other = Self.bytes
        other[31] ^= 1
        let b = try #require(Fingerprint(bytes: other))
        #expect(a == Fingerprint(parsing: a.description))
        #expect(a != b)
        #expect(Fingerprint(bytes: [1, 2, 3]) == nil)
    }
}

private extension String {
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16, uppercase: true)
        self = byte < 16 ? "0" + hex : hex
    }

    func replacingColons() -> String { filter { $0 != ":" } }

    func replacingFirstCharacter(with character: Character) -> String { String(character) + dropFirst() }

    /// "AB:CD:EF..." → "ABCD:EF...": one group of four, so 31 groups.
    func replacingOccurrencesOfFirstColon() -> String {
        guard let colon = firstIndex(of: ":") else { return self }
        var copy = self
        copy.remove(at: colon)
        return copy
    }
}
