import Glibc

/// A failure from the TCP socket layer, with a readable `description`.
public enum SocketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The host name could not be resolved (`getaddrinfo` said so in `reason`).
    case unknownHost(host: String, reason: String)
    /// Nobody is listening at that address (`ECONNREFUSED`).
    case connectionRefused(host: String, port: UInt16)
    /// The connection attempt did not complete before the timeout.
    case timedOut(host: String, port: UInt16)
    /// Another socket already holds that address (`EADDRINUSE`).
    case addressInUse(host: String, port: UInt16)
    /// A non-blocking `accept` found no pending connection; poll and try again.
    case wouldBlock
    /// The listener has been closed.
    case closed
    /// A system call failed with `errno`.
    case system(operation: String, errno: Int32)

    /// A readable sentence, e.g. "connection refused by 127.0.0.1:8443".
    public var description: String {
        switch self {
        case .unknownHost(let host, let reason):
            return "unknown host \"\(host)\": \(reason)"
        case .connectionRefused(let host, let port):
            return "connection refused by \(formatEndpoint(host, port))"
        case .timedOut(let host, let port):
            return "timed out connecting to \(formatEndpoint(host, port))"
        case .addressInUse(let host, let port):
            return "address \(formatEndpoint(host, port)) is already in use"
        case .wouldBlock:
            return "no connection pending (would block)"
        case .closed:
            return "the listener is closed"
        case .system(let operation, let code):
            return "\(operation) failed: \(systemErrorText(code)) (errno \(code))"
        }
    }
}

/// "host:port", with IPv6 literals in brackets ("[::1]:443").
func formatEndpoint(_ host: String, _ port: UInt16) -> String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
}
