/// How many connections each remote address may hold at once. Loopback is exempt by
/// default (as ergo does): local tools, tunnels and benchmarks come from there.
public struct AddressQuota: Sendable {
    public let limit: Int
    public let exemptLoopback: Bool
    private var open: [String: Int] = [:]

    public init(limit: Int, exemptLoopback: Bool = true) {
        precondition(limit > 0, "a quota needs room for one connection")
        self.limit = limit
        self.exemptLoopback = exemptLoopback
    }

    /// Takes a place for a new connection from `address`, or refuses.
    public mutating func admit(_ address: String) -> Bool {
        if exemptLoopback, AddressQuota.isLoopback(address) { return true }
        let count = open[address, default: 0]
        guard count < limit else { return false }
        open[address] = count + 1
        return true
    }

    /// Gives back the place of a connection that has ended.
    public mutating func release(_ address: String) {
        if exemptLoopback, AddressQuota.isLoopback(address) { return }
        guard let count = open[address] else { return }
        open[address] = count > 1 ? count - 1 : nil
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}
