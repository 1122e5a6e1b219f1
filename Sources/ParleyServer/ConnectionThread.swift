import ChatCore
import Glibc
import Logging
import ParleyTLS

/// Starts a connection's thread: TCP options, the TLS handshake within its deadline,
/// then the session's host serves it until the session retires or parks. A parked
/// session gets a new thread from `resume` when it stirs.
enum ConnectionThread {
    struct Context: Sendable {
        let tls: TLSContext
        let router: Router
        let clock: ServerClock
        let configuration: ServerConfiguration
        let lot: ParkingLot
        let logger: Logger
    }

    /// Deep enough for a TLS handshake; only the pages touched are resident, and a
    /// thread's stack is gone once its connection parks.
    static let stackSize = 128 * 1024

    static func start(_ socket: AcceptedSocket, id: SessionID, context: Context, onExit: @escaping @Sendable () -> Void) -> Bool {
        spawnThread(name: "parley-conn", stackSize: stackSize) {
            guard let tls = handshake(socket, context: context) else {
                Sockets.close(socket.fileDescriptor)
                onExit()
                return
            }
            let session = Session(id: id, address: socket.remoteHost, limits: context.configuration.limits,
                                  now: context.clock.now())
            let host = SessionHost(id: id, session: session, tls: tls, router: context.router, clock: context.clock,
                                   closeGrace: context.configuration.closeGrace, lot: context.lot, whenFinished: onExit)
            context.router.register(id, host)
            host.open()
            serve(host, context: context)
        }
    }

    /// A new thread for a session leaving the parking lot.
    static func resume(_ host: SessionHost, context: Context) -> Bool {
        spawnThread(name: "parley-conn", stackSize: stackSize) {
            serve(host, context: context)
        }
    }

    private static func serve(_ host: SessionHost, context: Context) {
        switch host.serve(parkAfter: context.configuration.parkIdleConnectionsAfter) {
        case .parked:
            return
        case .finished:
            context.router.unregister(host.id)
            host.whenFinished()
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
