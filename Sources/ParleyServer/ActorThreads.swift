import ChatCore
import Glibc
import Logging

/// The threads that run the Gate, the Lobby and each Room: drain the mailbox, hand each
/// message to the actor, carry out its outputs. No decision is made here.
enum ActorThreads {
    static func startGate(limits: Limits, router: Router, clock: ServerClock) -> ActorHost<Gate>? {
        let host = ActorHost(Gate(limits: limits), router: router, clock: clock)
        return spawnThread(name: "parley-gate") { host.serveMailbox() } ? host : nil
    }

    static func startLobby(router: Router, clock: ServerClock, logger: Logger) -> ActorHost<Lobby>? {
        let host = ActorHost(Lobby(), router: router, clock: clock, reach: { $0.globalMembers.count }, afterRun: { outputs in
            for case .spawnRoom(let id, let name) in outputs {
                startRoom(id: id, name: name, router: router, logger: logger)
            }
        })
        return spawnThread(name: "parley-lobby") { host.serveMailbox() } ? host : nil
    }

    /// Starts the thread of a room the Lobby opened (`Router.openRoom`).
    static func startRoom(id: RoomID, name: Name, router: Router, logger: Logger) {
        guard let host = router.roomHost(id) else { return }
        logger.info("room opened", metadata: ["room": "\(name)"])
        // A room without a thread would strand everyone sent to it: keep trying. Threads
        // run short only when connections are past the server's cap.
        var attempts = 0
        while !spawnThread(name: "parley-room", {
            host.serveMailbox()
            logger.info("room closed", metadata: ["room": "\(name)"])
        }) {
            attempts += 1
            if attempts % 100 == 1 { logger.critical("cannot start a room thread; retrying", metadata: ["room": "\(name)"]) }
            usleep(10_000)
        }
    }
}
