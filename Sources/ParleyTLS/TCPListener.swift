import Glibc
import Synchronization

/// A connection taken from a listener: a connected socket descriptor plus who is on the
/// other end. The caller owns `fileDescriptor` and must close it (`Sockets.close`), or hand
/// it to a `TLSConnection` created with `.owned`.
public struct AcceptedSocket: Sendable, Hashable {
    /// The connected socket, in blocking mode (Linux does not pass O_NONBLOCK from the
    /// listener to accepted sockets); call `Sockets.setNonBlocking` for a poll loop.
    public let fileDescriptor: Int32
    /// Numeric remote address ("127.0.0.1", "::1"); IPv4-mapped IPv6 is shown as IPv4.
    public let remoteHost: String
    /// Remote TCP port.
    public let remotePort: UInt16

    /// "host:port", IPv6 in brackets.
    public var remoteAddress: String { formatEndpoint(remoteHost, remotePort) }
}

/// A listening TCP socket (IPv4 or IPv6), created with SO_REUSEADDR and a backlog of 1024.
///
/// The listener owns its descriptor: `close()` (or deinit) releases it. `close()` first calls
/// `shutdown(2)`, which on Linux wakes a thread blocked in `accept()` on this listener.
public final class TCPListener: Sendable {
    /// The listening descriptor (for poll()). Do not close it yourself; call `close()`.
    public let fileDescriptor: Int32
    /// The bound address as numeric host ("127.0.0.1", "::1", "0.0.0.0").
    public let host: String
    /// The bound port; the real one when you asked for port 0.
    public let port: UInt16

    private let isClosed = Atomic<Bool>(false)

    /// Binds and listens.
    /// - Parameters:
    ///   - host: an IPv4 or IPv6 literal (brackets allowed) or a name such as "localhost";
    ///     with several addresses, the first that binds wins. For all interfaces say
    ///     "0.0.0.0" (IPv4 only) or "::" (IPv6, and IPv4 too under Linux's default
    ///     `bindv6only=0`); "" leaves the choice to getaddrinfo.
    ///   - port: the TCP port; 0 picks an ephemeral port (read it back from `port`).
    ///   - backlog: the listen queue length.
    public init(host: String, port: UInt16, backlog: Int32 = 1024) throws(SocketError) {
        let bound = try SocketAddress.withAddressInfo(host: host, port: port, passive: true) {
            (list) throws(SocketError) -> (Int32, String, UInt16) in
            var lastError = SocketError.unknownHost(host: host, reason: "no usable address")
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let info = entry {
                entry = info.pointee.ai_next
                let fd = socket(
                    info.pointee.ai_family,
                    Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                    info.pointee.ai_protocol)
                if fd < 0 {
                    lastError = .system(operation: "socket", errno: errno)
                    continue
                }
                // Reuse lets a restarted server bind while old connections sit in TIME_WAIT.
                var one: Int32 = 1
                _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
                    let code = errno
                    let numeric = SocketAddress.hostAndPort(info.pointee.ai_addr, length: info.pointee.ai_addrlen).host
                    lastError =
                        code == EADDRINUSE
                        ? .addressInUse(host: numeric, port: port)
                        : .system(operation: "bind", errno: code)
                    Glibc.close(fd)
                    continue
                }
                if listen(fd, backlog) != 0 {
                    lastError = .system(operation: "listen", errno: errno)
                    Glibc.close(fd)
                    continue
                }
                var storage = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let named = withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
                if named != 0 {
                    lastError = .system(operation: "getsockname", errno: errno)
                    Glibc.close(fd)
                    continue
                }
                let numericHost = withUnsafePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        SocketAddress.hostAndPort($0, length: length).host
                    }
                }
                return (fd, numericHost, SocketAddress.port(of: storage))
            }
            throw lastError
        }
        fileDescriptor = bound.0
        self.host = bound.1
        self.port = bound.2
    }

    /// "host:port" of the bound address.
    public var localAddress: String { formatEndpoint(host, port) }

    /// Accepts one connection. Blocks unless the listener was made non-blocking, in which
    /// case it throws `.wouldBlock` when nothing is pending. Retries on EINTR and on
    /// connections that were aborted before we got to them.
    public func accept() throws(SocketError) -> AcceptedSocket {
        while true {
            if isClosed.load(ordering: .acquiring) { throw .closed }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.accept(fileDescriptor, $0, &length)
                }
            }
            if fd >= 0 {
                // Glibc's Swift overlay lacks accept4, so set close-on-exec separately.
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                let remote = withUnsafePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        SocketAddress.hostAndPort($0, length: length)
                    }
                }
                return AcceptedSocket(fileDescriptor: fd, remoteHost: remote.host, remotePort: remote.port)
            }
            let code = errno
            switch code {
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EAGAIN, EWOULDBLOCK:
                throw .wouldBlock
            case EINVAL, EBADF:
                // shutdown() from close() makes a blocked accept fail with EINVAL.
                if isClosed.load(ordering: .acquiring) { throw .closed }
                throw .system(operation: "accept", errno: code)
            default:
                throw .system(operation: "accept", errno: code)
            }
        }
    }

    /// Stops listening and releases the descriptor. Safe to call more than once and from
    /// another thread than the one blocked in `accept()`.
    public func close() {
        let wasClosed = isClosed.exchange(true, ordering: .acquiringAndReleasing)
        guard !wasClosed else { return }
        _ = Glibc.shutdown(fileDescriptor, Int32(SHUT_RDWR))
        _ = Glibc.close(fileDescriptor)
    }

    deinit {
        close()
    }
}
