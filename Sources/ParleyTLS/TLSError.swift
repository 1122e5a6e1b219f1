import COpenSSL

/// An error from OpenSSL or from the TLS layer built on it.
///
/// `openSSLErrors` holds the entries drained from OpenSSL's per-thread error queue
/// (rendered with `ERR_error_string_n`), so the queue is always left clean.
public struct TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; use it to decide how to react.
    public enum Kind: Sendable, Hashable {
        /// Building an `SSL_CTX` or `SSL` failed (bad cipher list, version, ...).
        case configuration
        /// A certificate or key could not be generated, parsed, loaded or written.
        case certificate
        /// The TLS handshake failed (protocol refused, garbage from the peer, ...).
        case handshake
        /// A protocol error after the handshake (bad record, bad MAC, ...).
        case protocolViolation
        /// The peer went away while we still needed it (EOF or reset mid-operation).
        case connectionClosed
        /// A blocking convenience ran out of time.
        case timedOut
        /// A system call failed; `errno` holds the code.
        case system
        /// A cryptographic primitive failed (random bytes, scrypt, digest).
        case crypto
        /// A file-system step failed (creating, reading or writing PEM files).
        case fileSystem
    }

    /// The kind of failure.
    public let kind: Kind
    /// A human sentence saying what we were doing.
    public let message: String
    /// OpenSSL's own error strings, oldest first (may be empty).
    public let openSSLErrors: [String]
    /// The `errno` value for `.system` / `.fileSystem` failures, else `nil`.
    public let errno: Int32?

    /// Creates an error; `openSSLErrors` is usually `OpenSSLErrorQueue.drain()`.
    public init(_ kind: Kind, _ message: String, openSSLErrors: [String] = [], errno: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.openSSLErrors = openSSLErrors
        self.errno = errno
    }

    /// The message followed by the errno text and OpenSSL's reasons, if any.
    public var description: String {
        var text = message
        if let errno {
            text += " (errno \(errno): \(systemErrorText(errno)))"
        }
        if !openSSLErrors.isEmpty {
            text += " [" + openSSLErrors.joined(separator: "; ") + "]"
        }
        return text
    }

    /// Builds an error of `kind` and drains the calling thread's OpenSSL error queue into it.
    static func drainingQueue(_ kind: Kind, _ message: String) -> TLSError {
        TLSError(kind, message, openSSLErrors: OpenSSLErrorQueue.drain())
    }
}
