import Glibc
import ParleyPlatform
import ParleyTLS

/// Production's listener: a TCP listener whose accepted sockets become server-side TLS
/// streams under the server's context (the handshake begins on the connection's thread).
public final class OSListener: PlatformListener {
    private let listener: TCPListener
    /// nil: plain TCP (the loopback-only `--irc-plain-port`).
    private let context: TLSContext?
    /// SO_SNDBUF for accepted sockets; nil leaves the kernel's autotuning alone.
    private let sendBufferBytes: Int?

    public init(host: String, port: UInt16, context: TLSContext?, sendBufferBytes: Int? = nil) throws {
        listener = try TCPListener(host: host, port: port)
        self.context = context
        self.sendBufferBytes = sendBufferBytes
    }

    /// The port actually bound (differs from the one asked for when that was 0).
    public var port: UInt16 { listener.port }
    /// "host:port" of the bound address.
    public var localAddress: String { listener.localAddress }

    public func accept(timeout: Duration) -> Accepted<TLSStream> {
        var descriptor = pollfd(fd: listener.fileDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, OSPlatform.milliseconds(timeout)) > 0 else { return .nothing }
        do {
            let socket = try listener.accept()
            if let sendBufferBytes { try? Sockets.setSendBuffer(socket.fileDescriptor, bytes: sendBufferBytes) }
            return .connection(
                TLSStream(fileDescriptor: socket.fileDescriptor, context: context),
                remoteHost: socket.remoteHost, remoteAddress: socket.remoteAddress)
        } catch {
            return .failed("\(error)")
        }
    }

    public func close() {
        listener.close()
    }
}
