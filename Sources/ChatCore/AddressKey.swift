/// The key the per-address connection limits count under: an IPv4 address as it is, an
/// IPv6 address by its /64 (a site gets a /64 at least, so counting single IPv6 addresses
/// would give every stranger endless addresses). Loopback and IPv4-mapped addresses keep
/// their text, so `AddressQuota.isLoopback` still knows them. Pure text work on what
/// `inet_ntop` writes; text that is not an IPv6 address is its own key.
public enum AddressKey {
    public static func of(_ host: String) -> String {
        guard host.contains(":"), !AddressQuota.isLoopback(host), !host.hasPrefix("::ffff:") else { return host }
        guard let groups = groups(of: host) else { return host }
        return groups[0..<4].map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
    }

    /// The eight 16-bit groups of an IPv6 address in text, or nil if it is not one.
    /// (A zone such as `%eth0` is dropped; embedded IPv4 tails only matter past the /64.)
    static func groups(of text: String) -> [UInt16]? {
        let address = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let halves = address.split(separator: ":", omittingEmptySubsequences: false).split(
            separator: "", maxSplits: 1, omittingEmptySubsequences: false)
        func parse(_ parts: ArraySlice<Substring>) -> [UInt16]? {
            var values: [UInt16] = []
            for part in parts where !part.isEmpty {
                if part.contains(".") {
                    values += [0, 0]  // an IPv4 tail: two groups, outside the /64
                } else {
                    guard part.count <= 4, let value = UInt16(part, radix: 16) else { return nil }
                    values.append(value)
                }
            }
            return values
        }
        guard let head = parse(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = parse(halves[1]), head.count + tail.count < 8 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
