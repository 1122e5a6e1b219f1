/// The simulator's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Swift's `SystemRandomNumberGenerator` and `Hasher` are seeded per process, so nothing
/// in a run may use them; this generator is a pure function of its seed. Each subsystem
/// (the swarm, the scheduler, the clients, the faults) draws from its own stream, so
/// drawing one more number in one of them does not shift every choice of the others.
public struct SeededRandom: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var mixer = seed
        s0 = SeededRandom.splitMix(&mixer)
        s1 = SeededRandom.splitMix(&mixer)
        s2 = SeededRandom.splitMix(&mixer)
        s3 = SeededRandom.splitMix(&mixer)
    }

    /// An independent stream for one subsystem of the run with this seed.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    public mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    /// A number in `0..<count`, by multiplying rather than dividing (Lemire), so it is
    /// fast and the same on every machine.
    public mutating func below(_ count: Int) -> Int {
        precondition(count > 0, "below(0) has no answer")
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// A number in `range`.
    public mutating func within(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.count)
    }

    /// True with probability `probability` (0 never, 1 always).
    public mutating func chance(_ probability: Double) -> Bool {
        guard probability > 0 else { return false }
        return Double(next() >> 11) * 0x1p-53 < probability
    }

    /// A probability drawn for a swarm: often zero, so that some seeds run without a
    /// fault at all and others with it turned up (Groce et al., swarm testing).
    public mutating func swarmProbability(max: Double) -> Double {
        chance(0.3) ? 0 : Double(within(1...100)) / 100 * max
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    private static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
