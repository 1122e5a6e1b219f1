/// Outcome of one non-blocking `TLSConnection.read` or `.write`.
public enum TLSIOResult: Sendable, Hashable {
    /// This many bytes were read or written (a write may be partial: send the rest later).
    case bytes(Int)
    /// OpenSSL needs the socket to become readable; poll for POLLIN and retry the same call.
    case wantRead
    /// OpenSSL needs the socket to become writable; poll for POLLOUT and retry the same call.
    case wantWrite
    /// The peer is gone: it sent close_notify, or the TCP connection ended or was reset.
    /// `TLSConnection.receivedCloseNotify` tells a clean close from an abrupt one.
    case closed
    /// A TLS protocol or system failure; the connection is unusable.
    case failed(TLSError)
}

/// Outcome of one non-blocking `TLSConnection.handshake()` step.
public enum TLSHandshakeResult: Sendable, Hashable {
    /// The handshake is done; `negotiatedVersion` and the peer certificate are available.
    case complete
    /// Poll for POLLIN, then call `handshake()` again.
    case wantRead
    /// Poll for POLLOUT, then call `handshake()` again.
    case wantWrite
    /// The handshake failed (refused version, garbage from the peer, peer hung up, ...).
    /// The connection is unusable; close it.
    case failed(TLSError)
}
