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
    /// The last granted login, milliseconds since the Unix epoch; nil before the first.
    public let lastLoginMs: Int64?
    /// An operator may kick and ban anywhere (`parley admin grant-operator`).
    public let isOperator: Bool
    /// A banned account's logins are refused with `ERR banned`.
    public let isBanned: Bool

    /// Creates a value; normally produced by ``ParleyDatabase/account(nameKey:)``.
    public init(
        id: Int64, name: String, nameKey: String, passwordHash: String, createdAtMs: Int64,
        lastLoginMs: Int64? = nil, isOperator: Bool = false, isBanned: Bool = false
    ) {
        self.id = id
        self.name = name
        self.nameKey = nameKey
        self.passwordHash = passwordHash
        self.createdAtMs = createdAtMs
        self.lastLoginMs = lastLoginMs
        self.isOperator = isOperator
        self.isBanned = isBanned
    }
}

extension StoredAccount: CustomStringConvertible, CustomDebugStringConvertible {
    // Redacted so that interpolating an account into a log line never writes the hash.
    public var description: String {
        "StoredAccount(id: \(id), name: \(name), createdAtMs: \(createdAtMs), operator: \(isOperator), "
            + "banned: \(isBanned), passwordHash: <redacted>)"
    }

    public var debugDescription: String { description }
}
