import Glibc

/// Where to connect: `HOST[:PORT]` as a person types it.
///
/// HOST is a name, an IPv4 address, or an IPv6 address in brackets (`[::1]:7878`). A bare
/// IPv6 address without brackets (`::1`) is accepted too, with the default port, since it
/// cannot be mistaken for anything else.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    /// The port `parley serve` listens on unless told otherwise.
    public static let defaultPort: UInt16 = 7878

    /// The host as given, without brackets ("::1", "127.0.0.1", "chat.example.org").
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Why a `HOST[:PORT]` could not be understood; `description` is one line for a person.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case badPort(String)
        case unclosedBracket(String)
        case badHost(String)

        public var description: String {
            switch self {
            case .empty: "no server given: use HOST[:PORT], e.g. 127.0.0.1:7878"
            case .badPort(let text): "\"\(text)\" is not a port number from 1 to 65535"
            case .unclosedBracket(let text): "\"\(text)\": an IPv6 address goes in brackets, e.g. [::1]:7878"
            case .badHost(let text): "\"\(text)\" is not a host name or address"
            }
        }
    }

    /// Parses `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT` or a bare IPv6 address.
    public static func parse(_ text: String) -> Result<Endpoint, ParseError> {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { return .failure(.empty) }
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { return .failure(.unclosedBracket(trimmed)) }
            let host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            guard !host.isEmpty, host.contains(":"), isPlausibleHost(host) else { return .failure(.badHost(trimmed)) }
            if rest.isEmpty { return .success(Endpoint(host: host, port: defaultPort)) }
            guard rest.hasPrefix(":") else { return .failure(.badHost(trimmed)) }
            return port(rest.dropFirst()).map { Endpoint(host: host, port: $0) }
        }
        let colons = trimmed.filter { $0 == ":" }.count
        if colons > 1 {
            // A bare IPv6 address: "::1". Its last group is not a port.
            guard isPlausibleHost(trimmed) else { return .failure(.badHost(trimmed)) }
            return .success(Endpoint(host: trimmed, port: defaultPort))
        }
        if colons == 1, let colon = trimmed.firstIndex(of: ":") {
            let host = String(trimmed[..<colon])
            guard !host.isEmpty, isPlausibleHost(host) else { return .failure(.badHost(trimmed)) }
            return port(trimmed[trimmed.index(after: colon)...]).map { Endpoint(host: host, port: $0) }
        }
        guard isPlausibleHost(trimmed) else { return .failure(.badHost(trimmed)) }
        return .success(Endpoint(host: trimmed, port: defaultPort))
    }

    /// True when the host is an IPv6 address (it needs brackets before a port).
    public var isIPv6: Bool { host.contains(":") }

    /// The key this server has in known_servers: `host:port` with the host canonical, so
    /// every spelling of one address shares one pin. An IPv4 address in any form the
    /// resolver accepts (`127.1`, `2130706433`, `0x7f.1`: inet_aton's rules, which
    /// getaddrinfo follows too) is written dotted-quad; an IPv6 address in inet_ntop's
    /// form, in brackets, and an IPv4-mapped one (`[::ffff:127.0.0.1]`) as its IPv4
    /// address. A DNS name is keyed by its name, not by what it resolves to: lower case
    /// (DNS names are not case-sensitive), without a trailing dot, so `localhost` is a key
    /// of its own, apart from `127.0.0.1`.
    public var knownServersKey: String {
        let canonical = Endpoint.canonicalHost(host)
        return canonical.contains(":") ? "[\(canonical)]:\(port)" : "\(canonical):\(port)"
    }

    /// The host as known_servers keys it (see `knownServersKey`), without brackets.
    public static func canonicalHost(_ host: String) -> String {
        var name = host.lowercased()
        if name.count > 1 && name.hasSuffix(".") { name.removeLast() }
        if name.contains(":") {
            // An IPv6 zone ("fe80::1%eth0") is kept as written after the address.
            let parts = name.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
            var address = in6_addr()
            guard inet_pton(AF_INET6, String(parts[0]), &address) == 1 else { return name }
            let bytes = withUnsafeBytes(of: address) { Array($0) }
            if parts.count == 1, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                return bytes[12...].map(String.init).joined(separator: ".")
            }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return name }
            let canonical = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return parts.count == 2 ? canonical + "%" + parts[1] : canonical
        }
        var address = in_addr()
        guard inet_aton(name, &address) != 0 else { return name }
        return withUnsafeBytes(of: address.s_addr) { $0.map(String.init).joined(separator: ".") }
    }

    /// `host:port` as a person reads it (IPv6 in brackets).
    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func port(_ text: Substring) -> Result<UInt16, ParseError> {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy(\.isASCIIDigit),
            let value = UInt16(text), value > 0
        else {
            return .failure(.badPort(String(text)))
        }
        return .success(value)
    }

    /// Letters, digits, `.`, `-`, `_`, `:` and `%` (an IPv6 zone): enough for names and
    /// addresses, and nothing a terminal or a known_servers line could trip on.
    private static func isPlausibleHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 253
            && host.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || ".-_:%".unicodeScalars.contains(scalar))
            }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
