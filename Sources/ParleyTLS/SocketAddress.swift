import Glibc

/// Conversions between `sockaddr` values and printable host/port pairs.
enum SocketAddress {
    /// Numeric host and port of a socket address, e.g. ("127.0.0.1", 5555) or ("::1", 5555).
    /// IPv4-mapped IPv6 addresses ("::ffff:10.0.0.1") from a dual-stack listener are shown as
    /// plain IPv4 so per-address bookkeeping sees one form.
    static func hostAndPort(_ address: UnsafePointer<sockaddr>, length: socklen_t) -> (host: String, port: UInt16) {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let status = getnameinfo(
            address, length, &host, socklen_t(host.count), &service,
            socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
        guard status == 0 else { return ("?", 0) }
        var hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if hostText.hasPrefix("::ffff:"), hostText.contains(".") {
            hostText.removeFirst("::ffff:".count)
        }
        let portText = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (hostText, UInt16(portText) ?? 0)
    }

    /// Port number stored in an AF_INET or AF_INET6 address.
    static func port(of storage: sockaddr_storage) -> UInt16 {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            switch Int32(storage.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin_port)
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin6_port)
                }
            default:
                return 0
            }
        }
    }

    /// Strips the brackets of "[::1]" so getaddrinfo sees "::1".
    static func unbracketed(_ host: String) -> String {
        if host.hasPrefix("["), host.hasSuffix("]"), host.count >= 2 {
            return String(host.dropFirst().dropLast())
        }
        return host
    }

    /// Runs getaddrinfo for a TCP endpoint and hands the list to `body`, freeing it after.
    static func withAddressInfo<T>(
        host: String, port: UInt16, passive: Bool,
        _ body: (UnsafeMutablePointer<addrinfo>) throws(SocketError) -> T
    ) throws(SocketError) -> T {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        let node = unbracketed(host)
        var list: UnsafeMutablePointer<addrinfo>?
        let status =
            node.isEmpty
            ? getaddrinfo(nil, String(port), &hints, &list)
            : getaddrinfo(node, String(port), &hints, &list)
        guard status == 0, let first = list else {
            if status == EAI_SYSTEM {
                throw .system(operation: "getaddrinfo", errno: errno)
            }
            let reason = status == 0 ? "no addresses" : String(cString: gai_strerror(status))
            throw .unknownHost(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        return try body(first)
    }
}
