/// An account row as stored.
public struct StoredAccount: Sendable, Equatable {
    /// The row id.
    public let id: Int64
    /// The name as the user chose it (original case).
    public let name: String
    /// The lowercased name used for uniqueness and lookup.
    public let nameKey: String
    /// The encoded password hash (never a plaintext password).
    public let passwordHash: String
    /// Creation time, milliseconds since the Unix epoch.
    public let createdAtMs: Int64

    /// Creates a value; normally produced by ``ParleyDatabase/account(nameKey:)``.
    public init(id: Int64, name: String, nameKey: String, passwordHash: String, createdAtMs: Int64) {
        self.id = id
        self.name = name
        self.nameKey = nameKey
        self.passwordHash = passwordHash
        self.createdAtMs = createdAtMs
    }
}

extension StoredAccount: CustomStringConvertible, CustomDebugStringConvertible {
    // Redacted so that interpolating an account into a log line never writes the hash.
    public var description: String {
        "StoredAccount(id: \(id), name: \(name), createdAtMs: \(createdAtMs), passwordHash: <redacted>)"
    }

    public var debugDescription: String { description }
}
