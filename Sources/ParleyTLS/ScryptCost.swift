/// scrypt work factors: N = 2^logN (CPU/memory), r (block size), p (parallelism).
/// Memory per hash is about 128 · r · N bytes.
public struct ScryptCost: Sendable, Hashable, CustomStringConvertible {
    /// log2 of N.
    public var logN: UInt8
    /// Block size.
    public var r: UInt32
    /// Parallelism (computed sequentially by OpenSSL, so it costs time, not memory).
    public var p: UInt32

    /// A cost of N = 2^`logN`, block size `r`, parallelism `p`.
    public init(logN: UInt8, r: UInt32, p: UInt32) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// N=2^15, r=8, p=3: one of OWASP's equivalent scrypt settings. About 32 MiB per hash,
    /// which keeps a pool of hashing workers' memory bounded (4 workers ≈ 128 MiB).
    public static let owaspDefault = ScryptCost(logN: 15, r: 8, p: 3)

    /// N=2^10, r=8, p=1: about 1 MiB and a millisecond or two. Tests only.
    public static let testing = ScryptCost(logN: 10, r: 8, p: 1)

    /// N.
    public var n: UInt64 { 1 << UInt64(logN) }

    /// Bytes OpenSSL's scrypt allocates for this cost: 128·r·(N + 2) for V plus 128·r·p for B.
    /// Passed as `maxmem`, because OpenSSL's default cap (0 → 32 MiB) is just too small for
    /// N=2^15, r=8.
    public var memoryBytes: UInt64 {
        128 * UInt64(r) * (n + 2 + UInt64(p))
    }

    /// True when any factor is lower than in `other`: a hash made with this cost is weaker
    /// than wanted and should be recomputed.
    public func isWeaker(than other: ScryptCost) -> Bool {
        logN < other.logN || r < other.r || p < other.p
    }

    /// "ln=15,r=8,p=3", the parameter field of the encoded hash.
    public var description: String { "ln=\(logN),r=\(r),p=\(p)" }
}
