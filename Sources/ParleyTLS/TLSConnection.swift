import COpenSSL
import CParleyTLSShim
import Glibc

/// One TLS session (an OpenSSL `SSL*`) over a connected TCP socket.
///
/// The core API is non-blocking, for a server thread that polls many sockets: every call
/// does what it can and answers `.wantRead` / `.wantWrite` when it must wait. Before going
/// back to poll() after a read, check `pending`: OpenSSL may already hold decrypted bytes
/// that poll() cannot see. Blocking conveniences with timeouts live in
/// `TLSConnection+Blocking.swift`.
///
/// Ownership of the descriptor is explicit: `.owned` means `close()` and deinit close it;
/// `.borrowed` means the caller closes it, after this object is done with it.
///
/// Thread safety: OpenSSL allows one thread at a time per `SSL*`. A connection may be
/// handed from thread to thread (hence `Sendable`), but must never be used by two threads
/// at once; serialise access yourself (e.g. one owning event-loop thread).
public final class TLSConnection: @unchecked Sendable {
    /// Who closes the socket descriptor.
    public enum DescriptorOwnership: Sendable, Hashable {
        /// This connection closes the descriptor in `close()` or deinit.
        case owned
        /// The caller keeps the descriptor and closes it.
        case borrowed
    }

    /// The socket descriptor (register it with poll()).
    public let fileDescriptor: Int32
    /// Whether this object closes `fileDescriptor`.
    public let ownership: DescriptorOwnership
    /// Server or client side, from the context.
    public let role: TLSContext.Role

    let ssl: OpaquePointer
    private let context: TLSContext  // documents the dependency; SSL_new also holds a reference
    private var descriptorClosed = false
    /// Set after SSL_ERROR_SSL / SSL_ERROR_SYSCALL: OpenSSL forbids further I/O, even shutdown.
    private var failedFatally = false

    /// True once the peer's close_notify alert has arrived (a clean TLS close). Server
    /// contexts ignore an unexpected EOF, so there a plain TCP end of stream counts too.
    public private(set) var receivedCloseNotify = false

    /// Wraps a connected socket. The descriptor should be non-blocking for the polling API
    /// and for the blocking conveniences' timeouts to work (`Sockets.setNonBlocking`).
    /// - Parameter serverName: for clients, the SNI host name to send (skip for IP literals).
    public init(
        context: TLSContext, fileDescriptor: Int32, ownership: DescriptorOwnership,
        serverName: String? = nil
    ) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.pointer) else {
            throw .drainingQueue(.configuration, "SSL_new failed")
        }
        guard let bio = SocketBIO.make(fileDescriptor: fileDescriptor) else {
            SSL_free(ssl)
            throw .drainingQueue(.configuration, "cannot create socket BIO")
        }
        SSL_set_bio(ssl, bio, bio)  // ssl now owns the BIO (one reference for both directions)
        switch context.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            if let serverName, parley_SSL_set_tlsext_host_name(ssl, serverName) != 1 {
                SSL_free(ssl)
                throw .drainingQueue(.configuration, "cannot set SNI name \(serverName)")
            }
        }
        self.ssl = ssl
        self.context = context
        self.fileDescriptor = fileDescriptor
        self.ownership = ownership
        self.role = context.role
    }

    deinit {
        SSL_free(ssl)
        if ownership == .owned && !descriptorClosed {
            Sockets.close(fileDescriptor)
        }
    }

    // MARK: - Non-blocking operations

    /// Advances the handshake as far as the socket allows.
    public func handshake() -> TLSHandshakeResult {
        OpenSSLErrorQueue.clear()
        let status = SSL_do_handshake(ssl)
        if status == 1 { return .complete }
        switch classify(status) {
        case .wantRead:
            return .wantRead
        case .wantWrite:
            return .wantWrite
        case .peerClosed:
            return .failed(TLSError(.connectionClosed, "the peer closed the connection during the TLS handshake"))
        case .failure(let kind, let openSSLErrors, let code):
            let message = kind == .system ? "TLS handshake failed on a socket error" : "TLS handshake failed"
            return .failed(
                TLSError(
                    kind == .system ? .system : .handshake, message,
                    openSSLErrors: openSSLErrors, errno: code))
        }
    }

    /// Reads decrypted bytes into `buffer` (up to its size). Runs or finishes the handshake
    /// first if needed.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TLSIOResult {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        OpenSSLErrorQueue.clear()
        var count = 0
        let status = SSL_read_ex(ssl, base, buffer.count, &count)
        if status == 1 { return .bytes(count) }
        return ioResult(classify(status), operation: "read")
    }

    /// Reads up to `maxLength` decrypted bytes and appends them to `buffer`.
    public func read(appendingTo buffer: inout [UInt8], maxLength: Int = 16 * 1024) -> TLSIOResult {
        withUnsafeTemporaryAllocation(byteCount: max(maxLength, 1), alignment: 1) { scratch in
            let result = read(into: scratch)
            if case .bytes(let count) = result {
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
            }
            return result
        }
    }

    /// Encrypts and sends as much of `bytes` as the socket takes; `.bytes(n)` may be less
    /// than `bytes.count`. After `.wantRead` / `.wantWrite`, call again with the same
    /// remaining bytes (they may live at a new address; the context allows that).
    public func write(_ bytes: UnsafeRawBufferPointer) -> TLSIOResult {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .bytes(0) }
        OpenSSLErrorQueue.clear()
        var count = 0
        let status = SSL_write_ex(ssl, base, bytes.count, &count)
        if status == 1 { return .bytes(count) }
        return ioResult(classify(status), operation: "write")
    }

    /// Same as `write(_: UnsafeRawBufferPointer)` for an array or a slice of one.
    public func write(_ bytes: some Collection<UInt8>) -> TLSIOResult {
        if let result = bytes.withContiguousStorageIfAvailable({ write(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { write($0) }
    }

    /// Sends close_notify once, without waiting for the peer's reply (what a server wants
    /// before closing). Returns false if it could not be sent (socket full, peer gone, or the
    /// session already failed). Does not close the descriptor.
    @discardableResult
    public func shutdown() -> Bool {
        guard !failedFatally, SSL_is_init_finished(ssl) == 1 else { return false }
        OpenSSLErrorQueue.clear()
        let status = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()  // a failed close_notify is not worth reporting
        return status >= 0
    }

    /// Closes the descriptor if this connection owns it (idempotent); no-op when borrowed.
    public func close() {
        guard ownership == .owned, !descriptorClosed else { return }
        descriptorClosed = true
        Sockets.close(fileDescriptor)
    }

    // MARK: - State

    /// True once the handshake has completed.
    public var isHandshakeComplete: Bool { SSL_is_init_finished(ssl) == 1 }

    /// The protocol in use after the handshake, as OpenSSL names it ("TLSv1.3", "TLSv1.2").
    public var negotiatedVersion: String? {
        guard isHandshakeComplete, let name = SSL_get_version(ssl) else { return nil }
        return String(cString: name)
    }

    /// The cipher suite in use after the handshake ("TLS_AES_256_GCM_SHA384", ...).
    public var negotiatedCipher: String? {
        guard isHandshakeComplete, let cipher = SSL_get_current_cipher(ssl),
            let name = SSL_CIPHER_get_name(cipher)
        else { return nil }
        return String(cString: name)
    }

    /// The key-exchange group the handshake used, as OpenSSL names it ("x25519",
    /// "secp256r1"); nil before the handshake.
    public var negotiatedGroup: String? {
        guard isHandshakeComplete else { return nil }
        let group = parley_SSL_get_negotiated_group(ssl)
        guard group != 0, let name = SSL_group_to_name(ssl, group) else { return nil }
        return String(cString: name)
    }

    /// SHA-256 fingerprint of the certificate the peer presented; `nil` before the handshake
    /// or when the peer sent none (clients send none to Parley servers). Clients compare it
    /// with the pinned value: the context does no CA verification.
    public var peerCertificateFingerprint: Fingerprint? {
        guard isHandshakeComplete, let raw = SSL_get1_peer_certificate(ssl) else { return nil }
        let certificate = X509Certificate(taking: raw)
        return try? certificate.fingerprint()
    }

    /// Decrypted bytes OpenSSL already holds (`SSL_pending`). When non-zero, call `read`
    /// again before polling: poll() cannot see data that has left the socket.
    public var pending: Int { Int(SSL_pending(ssl)) }

    // MARK: - Error mapping

    enum Outcome {
        case wantRead
        case wantWrite
        /// close_notify, EOF, or reset.
        case peerClosed
        case failure(TLSError.Kind, openSSLErrors: [String], errno: Int32?)
    }

    /// Interprets a failed SSL call and always leaves the thread's error queue empty.
    func classify(_ status: Int32) -> Outcome {
        let savedErrno = errno  // SSL_ERROR_SYSCALL means "look at errno": keep it before anything else runs
        let code = SSL_get_error(ssl, status)
        switch code {
        case SSL_ERROR_WANT_READ:
            OpenSSLErrorQueue.clear()
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            OpenSSLErrorQueue.clear()
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            OpenSSLErrorQueue.clear()
            receivedCloseNotify = true
            return .peerClosed
        case SSL_ERROR_SYSCALL:
            failedFatally = true
            let errors = OpenSSLErrorQueue.drain()
            if savedErrno == 0 || savedErrno == EPIPE || savedErrno == ECONNRESET {
                return .peerClosed  // EOF without close_notify, or the peer reset us
            }
            return .failure(.system, openSSLErrors: errors, errno: savedErrno)
        case SSL_ERROR_SSL:
            failedFatally = true
            // OpenSSL 3 reports a TCP EOF without close_notify as this protocol error.
            let eof = OpenSSLErrorQueue.peekReason() == SSL_R_UNEXPECTED_EOF_WHILE_READING
            let errors = OpenSSLErrorQueue.drain()
            return eof ? .peerClosed : .failure(.protocolViolation, openSSLErrors: errors, errno: nil)
        default:
            failedFatally = true
            return .failure(
                .protocolViolation, openSSLErrors: OpenSSLErrorQueue.drain() + ["SSL_get_error returned \(code)"],
                errno: nil)
        }
    }

    private func ioResult(_ outcome: Outcome, operation: String) -> TLSIOResult {
        switch outcome {
        case .wantRead: .wantRead
        case .wantWrite: .wantWrite
        case .peerClosed: .closed
        case .failure(let kind, let errors, let code):
            .failed(TLSError(kind, "TLS \(operation) failed", openSSLErrors: errors, errno: code))
        }
    }
}
