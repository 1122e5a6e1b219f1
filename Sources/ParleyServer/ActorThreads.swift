import ChatCore
import Logging
import ParleyPlatform

/// The threads that run the Gate, the Lobby and each Room: drain the mailbox, hand each
/// message to the actor, carry out its outputs. No decision is made here.
enum ActorThreads<P: Platform> {
    static func startGate(limits: Limits, router: Router<P>) -> ActorHost<Gate, P>? {
        let platform = router.platform
        let host = ActorHost(Gate(limits: limits), role: "gate", platform: platform, router: router)
        return platform.spawnThread(name: "parley-gate", stackSize: 256 * 1024) { host.serveMailbox() } ? host : nil
    }

    static func startLobby(_ lobby: Lobby, router: Router<P>, logger: Logger) -> ActorHost<Lobby, P>? {
        let platform = router.platform
        let host = ActorHost(
            lobby, role: "lobby", platform: platform, router: router, reach: { $0.globalMembers.count },
            afterRun: { outputs in
                for case .spawnRoom(let id, let name) in outputs {
                    startRoom(id: id, name: name, router: router, logger: logger)
                }
            })
        return platform.spawnThread(name: "parley-lobby", stackSize: 256 * 1024) { host.serveMailbox() } ? host : nil
    }

    /// Starts the thread of a room the Lobby opened (`Router.openRoom`).
    static func startRoom(id: RoomID, name: Name, router: Router<P>, logger: Logger) {
        guard let host = router.roomHost(id) else { return }
        logger.info("room opened", metadata: ["room": "\(name)"])
        // A room without a thread would strand everyone sent to it: keep trying. Threads
        // run short only when connections are past the server's cap.
        var attempts = 0
        while !router.platform.spawnThread(
            name: "parley-room", stackSize: 256 * 1024,
            {
                host.serveMailbox()
                logger.info("room closed", metadata: ["room": "\(name)"])
            })
        {
            attempts += 1
            router.threadStartFailures.add(1)
            if attempts % 100 == 1 {
                logger.critical("cannot start a room thread; retrying", metadata: ["room": "\(name)"])
            }
            router.platform.sleep(for: .milliseconds(10))
        }
    }
}
