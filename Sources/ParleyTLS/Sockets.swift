import Glibc

/// Operations on plain TCP socket descriptors: connecting with a timeout, socket options,
/// closing. Descriptors are plain `Int32`s so they drop straight into a poll() loop.
public enum Sockets {
    /// Connects to `host:port`, trying each resolved address in turn within one overall
    /// `timeout`. Returns a connected descriptor in blocking mode, close-on-exec; the caller
    /// owns it.
    ///
    /// Throws `.unknownHost`, `.connectionRefused`, `.timedOut`, or `.system`.
    public static func connect(
        host: String, port: UInt16, timeout: Duration = .seconds(10)
    ) throws(SocketError) -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        return try SocketAddress.withAddressInfo(host: host, port: port, passive: false) {
            (list) throws(SocketError) -> Int32 in
            var failures: [SocketError] = []
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let info = entry {
                entry = info.pointee.ai_next
                do throws(SocketError) {
                    return try connectOne(info.pointee, host: host, port: port, deadline: deadline)
                } catch {
                    failures.append(error)
                    if case .timedOut = error { break }  // the shared deadline is spent
                }
            }
            // Report the most telling failure: a timeout, then a refusal, then the first other.
            if let timeout = failures.first(where: { if case .timedOut = $0 { true } else { false } }) {
                throw timeout
            }
            if let refused = failures.first(where: { if case .connectionRefused = $0 { true } else { false } }) {
                throw refused
            }
            throw failures.first ?? .unknownHost(host: host, reason: "no usable address")
        }
    }

    private static func connectOne(
        _ info: addrinfo, host: String, port: UInt16,
        deadline: ContinuousClock.Instant
    ) throws(SocketError) -> Int32 {
        let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard fd >= 0 else { throw .system(operation: "socket", errno: errno) }
        do throws(SocketError) {
            // Non-blocking connect + poll is the only portable way to bound the wait.
            try setNonBlocking(fd, true)
            if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) != 0 {
                let code = errno
                guard code == EINPROGRESS || code == EINTR else {
                    throw connectError(code, host: host, port: port)
                }
                try waitForConnect(fd, host: host, port: port, deadline: deadline)
            }
            try setNonBlocking(fd, false)
            return fd
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    private static func waitForConnect(
        _ fd: Int32, host: String, port: UInt16,
        deadline: ContinuousClock.Instant
    ) throws(SocketError) {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw .timedOut(host: host, port: port) }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, remaining.pollMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .system(operation: "poll", errno: errno)
            }
            if ready == 0 { continue }  // loop re-checks the deadline
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else {
                throw .system(operation: "getsockopt(SO_ERROR)", errno: errno)
            }
            if code == 0 { return }
            throw connectError(code, host: host, port: port)
        }
    }

    private static func connectError(_ code: Int32, host: String, port: UInt16) -> SocketError {
        switch code {
        case ECONNREFUSED: return .connectionRefused(host: host, port: port)
        case ETIMEDOUT: return .timedOut(host: host, port: port)
        default: return .system(operation: "connect", errno: code)
        }
    }

    /// Turns Nagle's algorithm off (TCP_NODELAY) so small chat messages leave at once.
    public static func setNoDelay(_ fd: Int32, _ enabled: Bool = true) throws(SocketError) {
        var value: Int32 = enabled ? 1 : 0
        guard setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw .system(operation: "setsockopt(TCP_NODELAY)", errno: errno)
        }
    }

    /// Caps the kernel's send buffer (SO_SNDBUF; Linux doubles the figure for its own
    /// bookkeeping and stops autotuning it), so a peer that does not read holds at most
    /// that much in the kernel besides what its outbox holds.
    public static func setSendBuffer(_ fd: Int32, bytes: Int) throws(SocketError) {
        var value = Int32(clamping: bytes)
        guard setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw .system(operation: "setsockopt(SO_SNDBUF)", errno: errno)
        }
    }

    /// Sets or clears O_NONBLOCK.
    public static func setNonBlocking(_ fd: Int32, _ enabled: Bool = true) throws(SocketError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { throw .system(operation: "fcntl(F_GETFL)", errno: errno) }
        let updated = enabled ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if updated != flags, fcntl(fd, F_SETFL, updated) != 0 {
            throw .system(operation: "fcntl(F_SETFL)", errno: errno)
        }
    }

    /// Closes a descriptor. EINTR is not retried: on Linux the descriptor is released anyway,
    /// and retrying could close a descriptor another thread has just been given.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

extension Duration {
    /// Milliseconds for poll(), rounded up so a tiny positive remainder still waits.
    var pollMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: millis)
    }
}
