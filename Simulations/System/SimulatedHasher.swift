import ChatCore

/// A stand-in for the scrypt pool: deterministic and instant, so a run is a pure
/// function of its seed. It never keeps the password, only a 64-bit digest of it.
public struct SimulatedHasher: Sendable {
    public init() {}

    public func handle(_ request: HashRequest) -> Mail {
        switch request {
        case .hash(let ticket, let password):
            return .gate(.hashed(ticket, SimulatedHasher.digest(password)))
        case .verify(let ticket, let password, let stored):
            return .gate(.verified(ticket, matches: SimulatedHasher.digest(password) == stored, rehashed: nil))
        }
    }

    /// FNV-1a: not a password hash, just a stable fingerprint for simulated accounts.
    static func digest(_ password: Password) -> PasswordHash {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in password.secret.utf8 {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
        return PasswordHash("sim$\(String(value, radix: 16))")
    }
}
