import ChatCore
import Logging
import ParleyPlatform

/// Starts a connection's thread: the stream's handshake within its deadline, then the
/// session's host serves it until the session retires or parks. A parked session gets
/// a new thread from `resume` when it stirs.
enum ConnectionThread<P: Platform> {
    struct Context: Sendable {
        let platform: P
        let router: Router<P>
        let configuration: ServerConfiguration
        let lot: ParkingLot<P>
        let logger: Logger
    }

    /// Deep enough for a TLS handshake; only the pages touched are resident, and a
    /// thread's stack is gone once its connection parks.
    static var stackSize: Int { 128 * 1024 }

    /// What the connection tells whoever admitted it (`AcceptLoop`), each once: its
    /// handshake is over, its session logged in, it has ended.
    struct Milestones: Sendable {
        let handshakeCompleted: @Sendable () -> Void
        let loggedIn: @Sendable () -> Void
        let ended: @Sendable () -> Void
    }

    static func start(
        _ stream: P.Stream, remoteHost: String, remoteAddress: String, id: SessionID, dialect: ClientProtocol,
        context: Context, milestones: Milestones
    ) -> Bool {
        context.platform.spawnThread(name: "parley-conn", stackSize: stackSize) {
            let shaken = handshake(stream, remoteAddress: remoteAddress, context: context)
            milestones.handshakeCompleted()
            guard shaken else {
                stream.close()
                milestones.ended()
                return
            }
            let limits = context.configuration.limits
            let now = context.platform.now()
            let session: any ConnectionSession =
                switch dialect {
                case .parley: Session(id: id, address: remoteHost, limits: limits, now: now)
                case .irc:
                    IRCSession(
                        id: id, address: remoteHost, limits: limits,
                        wallClockOffset: context.configuration.wallClockOffset, now: now,
                        serverName: context.configuration.ircServerName)
                }
            let host = SessionHost(
                id: id, session: session, stream: stream, platform: context.platform,
                router: context.router, closeGrace: context.configuration.closeGrace,
                lot: context.lot, whenLoggedIn: milestones.loggedIn, whenFinished: milestones.ended)
            context.router.register(id, host)
            host.open()
            serve(host, context: context)
        }
    }

    /// A new thread for a session leaving the parking lot.
    static func resume(_ host: SessionHost<P>, context: Context) -> Bool {
        context.platform.spawnThread(name: "parley-conn", stackSize: stackSize) {
            serve(host, context: context)
        }
    }

    private static func serve(_ host: SessionHost<P>, context: Context) {
        switch host.serve(parkAfter: context.configuration.parkIdleConnectionsAfter) {
        case .parked:
            return
        case .finished:
            context.router.unregister(host.id)
            host.whenFinished()
        }
    }

    /// The stream's handshake, each step that must wait waiting on the stream, until the
    /// configuration's deadline. True once it is complete.
    private static func handshake(_ stream: P.Stream, remoteAddress: String, context: Context) -> Bool {
        let platform = context.platform
        let deadline = platform.now() + context.configuration.handshakeTimeout
        while true {
            let remaining = deadline - platform.now()
            guard remaining > .zero else {
                context.logger.info("TLS handshake timed out", metadata: ["peer": "\(remoteAddress)"])
                return false
            }
            let events: StreamEvents
            switch stream.handshake() {
            case .bytes:
                return true
            case .wantRead:
                events = .readable
            case .wantWrite:
                events = .writable
            case .closed, .failed:
                context.logger.info("TLS handshake failed", metadata: ["peer": "\(remoteAddress)"])
                return false
            }
            _ = platform.wait(for: events, on: stream, waker: nil, timeout: remaining)
        }
    }
}

/// Which protocol a listener's clients speak.
enum ClientProtocol: Sendable {
    /// Parley's own line protocol (`docs/PROTOCOL.md`).
    case parley
    /// IRC (`--irc-port`, `--irc-plain-port`): each connection gets an `IRCSession`.
    case irc
}
