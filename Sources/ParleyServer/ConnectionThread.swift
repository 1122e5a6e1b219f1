import ChatCore
import Glibc
import Logging
import ParleyTLS

/// Starts a connection's thread: TCP options, the TLS handshake within its deadline,
/// then the session's host serves it until the session retires.
enum ConnectionThread {
    struct Context: Sendable {
        let tls: TLSContext
        let router: Router
        let clock: ServerClock
        let configuration: ServerConfiguration
        let logger: Logger
    }

    static func start(_ socket: AcceptedSocket, id: SessionID, context: Context, onExit: @escaping @Sendable () -> Void) -> Bool {
        spawnThread(name: "parley-conn", stackSize: 128 * 1024) {
            defer { onExit() }
            guard let tls = handshake(socket, context: context) else {
                Sockets.close(socket.fileDescriptor)
                return
            }
            let session = Session(id: id, address: socket.remoteHost, limits: context.configuration.limits,
                                  now: context.clock.now())
            guard let host = SessionHost(id: id, session: session, tls: tls, router: context.router, clock: context.clock,
                                         closeGrace: context.configuration.closeGrace) else {
                Sockets.close(socket.fileDescriptor)
                return
            }
            context.router.register(id, host)
            host.run()
            context.router.unregister(id)
        }
    }

    private static func handshake(_ socket: AcceptedSocket, context: Context) -> TLSConnection? {
        let tls: TLSConnection
        do {
            try Sockets.setNoDelay(socket.fileDescriptor)
            try Sockets.setNonBlocking(socket.fileDescriptor)
            tls = try TLSConnection(context: context.tls, fileDescriptor: socket.fileDescriptor, ownership: .borrowed)
        } catch {
            context.logger.warning("connection setup failed", metadata: ["error": "\(error)"])
            return nil
        }
        let deadline = context.clock.now() + context.configuration.handshakeTimeout
        while true {
            let remaining = deadline - context.clock.now()
            guard remaining > .zero else {
                context.logger.info("TLS handshake timed out", metadata: ["peer": "\(socket.remoteAddress)"])
                return nil
            }
            var descriptor = pollfd(fd: socket.fileDescriptor, events: 0, revents: 0)
            switch tls.handshake() {
            case .complete:
                return tls
            case .wantRead:
                descriptor.events = Int16(POLLIN)
            case .wantWrite:
                descriptor.events = Int16(POLLOUT)
            case .failed:
                context.logger.info("TLS handshake failed", metadata: ["peer": "\(socket.remoteAddress)"])
                return nil
            }
            _ = poll(&descriptor, 1, Int32(clamping: remaining.nanoseconds / 1_000_000 + 1))
        }
    }
}
