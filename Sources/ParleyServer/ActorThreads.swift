import ChatCore
import Glibc
import Logging

/// The threads that run the Gate, the Lobby and each Room: drain the mailbox, hand each
/// message to the actor, carry out the effects. No decision is made here.
enum ActorThreads {
    static func startGate(limits: Limits, router: Router, clock: ServerClock) -> ActorHost<Gate>? {
        let host = ActorHost(Gate(limits: limits), router: router, clock: clock)
        return spawnThread(name: "parley-gate") { host.serveMailbox() } ? host : nil
    }

    static func startLobby(router: Router, clock: ServerClock, logger: Logger) -> ActorHost<Lobby>? {
        let host = ActorHost(Lobby(), router: router, clock: clock, reach: { $0.globalMembers.count }, prepare: { effects in
            // A room's host must be registered before the Lobby's `admit` is sent to it;
            // its mailbox keeps that mail until the thread is running.
            for case .spawnRoom(let id, let name) in effects {
                router.register(id, ActorHost(Room(id: id, name: name), router: router, clock: clock, reach: { $0.members.count }))
            }
        }, finish: { effects in
            for case .spawnRoom(let id, let name) in effects {
                startRoom(id: id, name: name, router: router, logger: logger)
            }
        })
        return spawnThread(name: "parley-lobby") { host.serveMailbox() } ? host : nil
    }

    static func startRoom(id: RoomID, name: Name, router: Router, logger: Logger) {
        guard let host = router.roomHost(id) else { return }
        logger.info("room opened", metadata: ["room": "\(name)"])
        // A room without a thread would strand everyone sent to it: keep trying. Threads
        // run short only when connections are past the server's cap.
        var attempts = 0
        while !spawnThread(name: "parley-room", {
            host.serveMailbox(done: \.isRetired)
            router.retire(id)
            logger.info("room closed", metadata: ["room": "\(name)"])
        }) {
            attempts += 1
            if attempts % 100 == 1 { logger.critical("cannot start a room thread; retrying", metadata: ["room": "\(name)"]) }
            usleep(10_000)
        }
    }
}
