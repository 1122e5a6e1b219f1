/// An audit log row as stored (logins, failures, administrative actions, ...).
public struct AuditEntry: Sendable, Equatable, Hashable {
    /// The row id; increases with insertion order.
    public let id: Int64
    /// Event time, milliseconds since the Unix epoch.
    public let atMs: Int64
    /// The event kind, e.g. `"login.failed"`.
    public let kind: String
    /// The account involved, if any.
    public let account: String?
    /// The peer address involved, if any.
    public let address: String?
    /// Free-form detail, if any (never a password).
    public let detail: String?

    /// Creates a value; normally produced by ``ParleyDatabase/auditEntries()``.
    public init(id: Int64, atMs: Int64, kind: String, account: String?, address: String?, detail: String?) {
        self.id = id
        self.atMs = atMs
        self.kind = kind
        self.account = account
        self.address = address
        self.detail = detail
    }
}
