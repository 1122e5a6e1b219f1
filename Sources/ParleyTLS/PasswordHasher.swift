import COpenSSL

/// Password hashing with scrypt (`EVP_PBE_scrypt`).
///
/// Encoded form, self-describing so costs can rise later:
/// `$scrypt$ln=15,r=8,p=3$<salt>$<key>` with standard base64 without padding, a 16-byte
/// random salt and a 32-byte derived key.
///
/// A value type with no shared mutable state; OpenSSL's scrypt and RAND_bytes are
/// thread-safe, so one hasher can serve any number of threads at once.
public struct PasswordHasher: Sendable, Hashable {
    /// Result of checking a password against a stored hash.
    public struct Verification: Sendable, Hashable {
        /// The password is right.
        public let matches: Bool
        /// The password is right but the stored hash's cost is below this hasher's `cost`
        /// in at least one factor: store a fresh `hash(password:)` now.
        public let needsRehash: Bool

        /// A verification result (mostly useful for comparisons in tests).
        public init(matches: Bool, needsRehash: Bool) {
            self.matches = matches
            self.needsRehash = needsRehash
        }

        static let rejected = Verification(matches: false, needsRehash: false)
    }

    /// Cost used for new hashes and as the bar for `needsRehash`.
    public let cost: ScryptCost

    static let saltLength = 16
    static let keyLength = 32
    /// Encoded strings asking for more memory than this are rejected, so a corrupt or
    /// hostile stored hash cannot make verification allocate gigabytes.
    static let maximumMemoryBytes: UInt64 = 256 << 20

    /// A hasher producing hashes at `cost` and asking for rehash of anything weaker.
    public init(cost: ScryptCost = .owaspDefault) {
        self.cost = cost
    }

    /// Hashes `password` with a fresh random salt at this hasher's cost.
    public func hash(password: String) throws(TLSError) -> String {
        try hash(password: password, cost: cost)
    }

    /// Hashes `password` with a fresh random salt at an explicit `cost`.
    public func hash(password: String, cost: ScryptCost) throws(TLSError) -> String {
        var bytes = Array(password.utf8)
        defer { cleanse(&bytes) }
        return try bytes.withUnsafeBytes { raw in
            Result { () throws(TLSError) in try hash(passwordBytes: raw, cost: cost) }
        }
        .get()
    }

    /// Hashes the password's UTF-8 bytes, read in place (the caller wipes them), at this
    /// hasher's cost or an explicit one.
    public func hash(passwordBytes password: UnsafeRawBufferPointer, cost: ScryptCost? = nil) throws(TLSError) -> String
    {
        let cost = cost ?? self.cost
        guard Self.isAcceptable(cost) else {
            throw TLSError(.crypto, "scrypt cost \(cost) is out of range")
        }
        let salt = try SecureRandom.bytes(Self.saltLength)
        var key = try Self.derive(password: password, salt: salt, cost: cost, length: Self.keyLength)
        defer { cleanse(&key) }
        return "$scrypt$\(cost)$\(Base64.encode(salt))$\(Base64.encode(key))"
    }

    /// Checks `password` against an encoded hash. Malformed or out-of-range encodings give
    /// `matches == false`; this never throws or traps. The comparison is constant-time.
    public func verify(password: String, encoded: String) -> Verification {
        var bytes = Array(password.utf8)
        defer { cleanse(&bytes) }
        return bytes.withUnsafeBytes { verify(passwordBytes: $0, encoded: encoded) }
    }

    /// Checks the password's UTF-8 bytes, read in place (the caller wipes them).
    public func verify(passwordBytes password: UnsafeRawBufferPointer, encoded: String) -> Verification {
        guard let stored = Self.parse(encoded) else { return .rejected }
        guard
            var candidate = try? Self.derive(
                password: password, salt: stored.salt,
                cost: stored.cost, length: stored.key.count)
        else {
            return .rejected
        }
        defer { cleanse(&candidate) }
        let matches = candidate.withUnsafeBytes { mine in
            stored.key.withUnsafeBytes { theirs in
                CRYPTO_memcmp(mine.baseAddress, theirs.baseAddress, mine.count) == 0
            }
        }
        guard matches else { return .rejected }
        return Verification(matches: true, needsRehash: stored.cost.isWeaker(than: cost))
    }

    // MARK: - Internals

    private struct Stored {
        var cost: ScryptCost
        var salt: [UInt8]
        var key: [UInt8]
    }

    private static func isAcceptable(_ cost: ScryptCost) -> Bool {
        (1...24).contains(cost.logN) && cost.r >= 1 && cost.p >= 1
            && UInt64(cost.r) * UInt64(cost.p) < 1 << 30  // scrypt's own limit
            && cost.memoryBytes <= maximumMemoryBytes
    }

    /// Parses `$scrypt$ln=..,r=..,p=..$salt$key`; parameters may come in any order.
    private static func parse(_ encoded: String) -> Stored? {
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt" else { return nil }
        var logN: UInt8?, r: UInt32?, p: UInt32?
        for parameter in fields[2].split(separator: ",", omittingEmptySubsequences: false) {
            let pair = parameter.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2, (1...10).contains(pair[1].count),
                pair[1].allSatisfy({ $0.isASCII && $0.isNumber })
            else { return nil }
            switch pair[0] {
            case "ln" where logN == nil: logN = UInt8(pair[1])
            case "r" where r == nil: r = UInt32(pair[1])
            case "p" where p == nil: p = UInt32(pair[1])
            default: return nil
            }
        }
        guard let logN, let r, let p else { return nil }
        let cost = ScryptCost(logN: logN, r: r, p: p)
        guard isAcceptable(cost),
            let salt = Base64.decode(fields[3]), (saltLength...64).contains(salt.count),
            // Exactly 32: scrypt output is a stream, so a shorter (truncated) stored key would
            // still match the prefix of the right derivation.
            let key = Base64.decode(fields[4]), key.count == keyLength
        else { return nil }
        return Stored(cost: cost, salt: salt, key: key)
    }

    private static func derive(
        password: UnsafeRawBufferPointer, salt: [UInt8], cost: ScryptCost, length: Int
    ) throws(TLSError) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: length)
        OpenSSLErrorQueue.clear()
        let passChars = password.baseAddress?.assumingMemoryBound(to: CChar.self)
        let status = salt.withUnsafeBufferPointer { saltBytes in
            key.withUnsafeMutableBufferPointer { out in
                EVP_PBE_scrypt(
                    passChars, password.count,
                    saltBytes.baseAddress, saltBytes.count,
                    cost.n, UInt64(cost.r), UInt64(cost.p),
                    cost.memoryBytes + 4096,  // a little slack over the exact need
                    out.baseAddress, out.count)
            }
        }
        guard status == 1 else {
            cleanse(&key)
            throw .drainingQueue(.crypto, "EVP_PBE_scrypt failed for \(cost)")
        }
        return key
    }
}

/// Overwrites a secret buffer with OPENSSL_cleanse, which the optimiser may not remove.
func cleanse(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { raw in
        if let base = raw.baseAddress { OPENSSL_cleanse(base, raw.count) }
    }
}
