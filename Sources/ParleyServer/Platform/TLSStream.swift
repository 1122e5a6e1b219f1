import Glibc
import ParleyPlatform
import ParleyTLS

/// Production's byte stream: server-side TLS over an accepted TCP socket. It owns the
/// socket (`close()` closes it, once). The first handshake step sets the socket up (no
/// Nagle, non-blocking) and makes the TLS session, on the connection's own thread, so the
/// accept thread does no more per connection than accept.
///
/// Without a context it is plain TCP (`--irc-plain-port`, loopback only): the same
/// stream with no TLS underneath, for tests and a TLS-terminating proxy.
///
/// One thread at a time: the connection's thread during the handshake, then whoever
/// holds the session's lock (`SessionHost`).
public final class TLSStream: ByteStream, @unchecked Sendable {
    let fileDescriptor: Int32
    /// Until the first handshake step makes the connection.
    private var context: TLSContext?
    private var connection: TLSConnection?
    private var closed = false
    private let plaintext: Bool
    private var plaintextReady = false

    init(fileDescriptor: Int32, context: TLSContext?) {
        self.fileDescriptor = fileDescriptor
        self.context = context
        self.plaintext = context == nil
    }

    deinit {
        if !closed { Sockets.close(fileDescriptor) }
    }

    public func handshake() -> StreamResult {
        if plaintext {
            guard !closed, (try? Sockets.setNoDelay(fileDescriptor)) != nil,
                (try? Sockets.setNonBlocking(fileDescriptor)) != nil
            else { return .failed }
            plaintextReady = true
            return .bytes(0)
        }
        if connection == nil {
            guard let context, !closed else { return .failed }
            self.context = nil
            do {
                try Sockets.setNoDelay(fileDescriptor)
                try Sockets.setNonBlocking(fileDescriptor)
                connection = try TLSConnection(context: context, fileDescriptor: fileDescriptor, ownership: .borrowed)
            } catch {
                return .failed  // reported as a failed handshake, the connection's end either way
            }
        }
        switch connection!.handshake() {
        case .complete: return .bytes(0)
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .failed: return .failed
        }
    }

    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> StreamResult {
        if plaintext {
            return plaintextReady
                ? TLSStream.systemResult(recv(fileDescriptor, buffer.baseAddress, buffer.count, 0)) : .failed
        }
        guard let connection else { return .failed }
        return TLSStream.result(connection.read(into: buffer))
    }

    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) -> StreamResult {
        if plaintext {
            guard plaintextReady else { return .failed }
            return TLSStream.systemResult(send(fileDescriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)))
        }
        guard let connection else { return .failed }
        return TLSStream.result(connection.write(bytes))
    }

    public var pending: Int { connection?.pending ?? 0 }

    public func shutdown() {
        if plaintext, !closed { _ = Glibc.shutdown(fileDescriptor, Int32(SHUT_WR)) }
        connection?.shutdown()
        // The FIN after the close_notify: the peer's reads end, while its writes still
        // arrive, to be read and dropped rather than reset.
        if !closed { _ = Glibc.shutdown(fileDescriptor, Int32(SHUT_WR)) }
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Sockets.close(fileDescriptor)
    }

    /// A plain socket's `recv`/`send` as a stream result (0 from `recv` is the peer's end).
    private static func systemResult(_ count: Int) -> StreamResult {
        if count > 0 { return .bytes(count) }
        if count == 0 { return .closed }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return .wantRead
        default: return .failed
        }
    }

    @inline(__always)
    private static func result(_ result: TLSIOResult) -> StreamResult {
        switch result {
        case .bytes(let count): .bytes(count)
        case .wantRead: .wantRead
        case .wantWrite: .wantWrite
        case .closed: .closed
        case .failed: .failed
        }
    }
}
