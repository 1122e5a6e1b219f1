/// Why `parley chat` stopped, as one line for a person and an exit status for a script.
public struct ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The command line could not be understood (exit 2).
        case usage
        /// known_servers could not be read or written.
        case configuration
        /// No TCP connection: refused, unknown host, timed out.
        case connection
        /// The TLS handshake failed (not a Parley server, old TLS, a plaintext port, ...).
        case handshake
        /// The server's certificate is not trusted yet and nobody said to trust it.
        case untrusted
        /// The server presented another certificate than the one pinned (exit 3).
        case fingerprintMismatch
        /// The connection broke or the server closed it without a normal goodbye.
        case serverGone
        /// The terminal or a pipe failed.
        case io
    }

    public let kind: Kind
    /// One line, without the `parley:` prefix and without a newline.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// 2 for usage, 3 for a fingerprint mismatch, 1 for everything else.
    public var exitCode: Int32 {
        switch kind {
        case .usage: 2
        case .fingerprintMismatch: 3
        default: 1
        }
    }

    public var description: String { message }
}
