import ChatCore
import ParleyTLS

/// What the hashing pool asks of a password hasher: production's is scrypt
/// (`ScryptHashing`, over ParleyTLS's `PasswordHasher`); the shell simulation may give a
/// cheap deterministic one. Called from the pool's threads, several at once.
public protocol PasswordHashing: Sendable {
    /// A fresh salted hash of the password, encoded with its algorithm and cost.
    func hash(_ password: Password) throws -> PasswordHash
    /// Whether the password matches the stored hash, and whether that hash was made at a
    /// cost other than today's (then the pool hashes the password again while it has it).
    func verify(_ password: Password, against stored: PasswordHash) -> (matches: Bool, needsRehash: Bool)
}

/// Production's hasher: scrypt at the configured cost.
public struct ScryptHashing: PasswordHashing {
    public let hasher: PasswordHasher

    public init(cost: ScryptCost) {
        hasher = PasswordHasher(cost: cost)
    }

    public func hash(_ password: Password) throws -> PasswordHash {
        PasswordHash(try password.withBytes { try hasher.hash(passwordBytes: $0) })
    }

    public func verify(_ password: Password, against stored: PasswordHash) -> (matches: Bool, needsRehash: Bool) {
        let verdict = password.withBytes { hasher.verify(passwordBytes: $0, encoded: stored.encoded) }
        return (verdict.matches, verdict.needsRehash)
    }
}
