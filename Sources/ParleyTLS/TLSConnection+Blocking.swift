import Glibc

/// Blocking conveniences for clients and tests: each loops over the non-blocking call and
/// waits in poll() until a deadline. They need a non-blocking descriptor to honour the
/// timeout (on a blocking one, OpenSSL itself may block inside a call).
extension TLSConnection {
    /// Connects to `host:port`, makes the socket non-blocking with TCP_NODELAY, and completes
    /// the TLS handshake, all within `timeout`. The connection owns its descriptor.
    ///
    /// Throws `SocketError` for TCP failures and `TLSError` for TLS ones.
    /// - Parameter serverName: SNI name to send; defaults to `host` unless it is an IP literal.
    public static func connect(
        host: String, port: UInt16, context: TLSContext,
        timeout: Duration = .seconds(10), serverName: String? = nil
    ) throws -> TLSConnection {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let fd = try Sockets.connect(host: host, port: port, timeout: timeout)
        let connection: TLSConnection
        do {
            try Sockets.setNonBlocking(fd)
            try Sockets.setNoDelay(fd)
            let sni = serverName ?? (isIPLiteral(host) ? nil : SocketAddress.unbracketed(host))
            connection = try TLSConnection(context: context, fileDescriptor: fd, ownership: .owned, serverName: sni)
        } catch {
            Sockets.close(fd)
            throw error
        }
        try connection.handshake(until: deadline)
        return connection
    }

    /// Completes the handshake, waiting up to `timeout`.
    public func handshake(timeout: Duration) throws(TLSError) {
        try handshake(until: ContinuousClock.now.advanced(by: timeout))
    }

    /// Returns some decrypted bytes (at most `maxLength`) as soon as any arrive, or `nil`
    /// once the peer has closed the connection. Throws `.timedOut` if nothing arrives in time.
    public func readSome(maxLength: Int = 16 * 1024, timeout: Duration) throws(TLSError) -> [UInt8]? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var received: [UInt8] = []
        while true {
            switch read(appendingTo: &received, maxLength: maxLength) {
            case .bytes(0):
                try waitForSocket(events: POLLIN, until: deadline)
            case .bytes:
                return received
            case .wantRead:
                try waitForSocket(events: POLLIN, until: deadline)
            case .wantWrite:
                try waitForSocket(events: POLLOUT, until: deadline)
            case .closed:
                return nil
            case .failed(let error):
                throw error
            }
        }
    }

    /// Writes every byte, waiting up to `timeout` overall. Throws `.connectionClosed` if the
    /// peer goes away first.
    public func writeAll(_ bytes: some Collection<UInt8>, timeout: Duration = .seconds(10)) throws(TLSError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let data = Array(bytes)
        var offset = 0
        while offset < data.count {
            let result = data.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch result {
            case .bytes(let count):
                offset += count
            case .wantRead:
                try waitForSocket(events: POLLIN, until: deadline)
            case .wantWrite:
                try waitForSocket(events: POLLOUT, until: deadline)
            case .closed:
                throw TLSError(.connectionClosed, "the peer closed the connection during a write")
            case .failed(let error):
                throw error
            }
        }
    }

    private func handshake(until deadline: ContinuousClock.Instant) throws(TLSError) {
        while true {
            switch handshake() {
            case .complete:
                return
            case .wantRead:
                try waitForSocket(events: POLLIN, until: deadline)
            case .wantWrite:
                try waitForSocket(events: POLLOUT, until: deadline)
            case .failed(let error):
                throw error
            }
        }
    }

    /// poll() for `events` until ready or the deadline passes. Error/hang-up conditions count
    /// as ready: the next OpenSSL call then reports what happened.
    private func waitForSocket(events: Int32, until deadline: ContinuousClock.Instant) throws(TLSError) {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw TLSError(.timedOut, "timed out waiting for the peer")
            }
            var descriptor = pollfd(fd: fileDescriptor, events: Int16(events), revents: 0)
            let ready = poll(&descriptor, 1, remaining.pollMilliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw TLSError(.system, "poll failed", errno: errno)
            }
        }
    }
}

/// True for IPv4/IPv6 literals, which must not be sent as SNI.
private func isIPLiteral(_ host: String) -> Bool {
    let bare = SocketAddress.unbracketed(host)
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
}
