import COpenSSL

/// The SHA-256 fingerprint of a certificate's DER encoding: what clients pin.
///
/// Rendered as "SHA256:" plus uppercase hex pairs joined by ':' — the same digits that
/// `openssl x509 -noout -fingerprint -sha256` prints after "sha256 Fingerprint=".
public struct Fingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    init(digest: [UInt8]) {
        precondition(digest.count == 32, "a SHA-256 digest has 32 bytes")
        bytes = digest
    }

    /// Wraps 32 digest bytes; `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// The fingerprint of a DER-encoded certificate.
    public init(certificateDER der: [UInt8]) throws(TLSError) {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        OpenSSLErrorQueue.clear()
        let ok = der.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
        guard ok == 1, length == 32 else {
            throw .drainingQueue(.crypto, "SHA-256 digest failed")
        }
        bytes = Array(digest.prefix(32))
    }

    /// The fingerprint of the first certificate in PEM text.
    public init(certificatePEM pem: String) throws(TLSError) {
        self = try X509Certificate(pem: pem).fingerprint()
    }

    /// Parses a fingerprint written as 64 hex digits, in any case, either as 32 pairs joined
    /// by ':' or run together, with or without a leading "SHA256:" (or OpenSSL's
    /// "sha256 Fingerprint="). Surrounding whitespace is ignored. Anything else is `nil`.
    public init?(parsing text: String) {
        var body = Substring(text).drop { $0.isWhitespace }
        while body.last?.isWhitespace == true { body = body.dropLast() }
        for prefix in ["sha256 fingerprint=", "sha256:"] where body.lowercased().hasPrefix(prefix) {
            body = body.dropFirst(prefix.count)
            break
        }
        let digits: [UInt8]
        if body.contains(":") {
            let groups = body.split(separator: ":", omittingEmptySubsequences: false)
            guard groups.count == 32, groups.allSatisfy({ $0.utf8.count == 2 }) else { return nil }
            digits = Array(groups.joined().utf8)
        } else {
            digits = Array(body.utf8)
        }
        guard digits.count == 64 else { return nil }
        var parsed: [UInt8] = []
        parsed.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            parsed.append(high << 4 | low)
            index += 2
        }
        bytes = parsed
    }

    /// "SHA256:AB:CD:..." (uppercase).
    public var description: String {
        "SHA256:" + hexPairs
    }

    /// "AB:CD:..." without the algorithm prefix, as the OpenSSL CLI prints it.
    public var hexPairs: String {
        bytes.map { byte in
            let text = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + text : text
        }.joined(separator: ":")
    }
}

private func hexValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
    default: nil
    }
}
