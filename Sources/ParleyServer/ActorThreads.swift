import ChatCore
import Glibc
import Logging

/// The threads that run the Gate, the Lobby and each Room: drain the mailbox, hand each
/// message to the actor, carry out the effects. No decision is made here.
enum ActorThreads {
    static func startGate(limits: Limits, router: Router, clock: ServerClock) -> Bool {
        spawnThread(name: "parley-gate") {
            var gate = Gate(limits: limits)
            while true {
                let batch = router.gate.takeAll()
                if batch.isEmpty { return }
                var effects: [Effect] = []
                for message in batch { effects += gate.receive(message, now: clock.now()) }
                router.deliver(effects)
            }
        }
    }

    static func startLobby(router: Router, clock: ServerClock, logger: Logger) -> Bool {
        spawnThread(name: "parley-lobby") {
            var lobby = Lobby()
            while true {
                let batch = router.lobby.takeAll()
                if batch.isEmpty { return }
                // One delivery per batch, so fan-out to a member is one post, one wake.
                var effects: [Effect] = []
                for message in batch { effects += lobby.receive(message, now: clock.now()) }
                for case .spawnRoom(let id, let name) in effects {
                    startRoom(id: id, name: name, router: router, clock: clock, logger: logger)
                }
                router.deliver(effects)
            }
        }
    }

    /// Registers the room's mailbox before the Lobby's `admit` can be sent to it.
    static func startRoom(id: RoomID, name: Name, router: Router, clock: ServerClock, logger: Logger) {
        let mailbox = BlockingMailbox<RoomMessage>()
        router.register(id, mailbox)
        logger.info("room opened", metadata: ["room": "\(name)"])
        // A room without a thread would strand everyone sent to it: keep trying. Threads
        // run short only when connections are past the server's cap.
        var attempts = 0
        while !spawnThread(name: "parley-room", { runRoom(id: id, name: name, mailbox: mailbox, router: router, clock: clock, logger: logger) }) {
            attempts += 1
            if attempts % 100 == 1 { logger.critical("cannot start a room thread; retrying", metadata: ["room": "\(name)"]) }
            usleep(10_000)
        }
    }

    private static func runRoom(id: RoomID, name: Name, mailbox: BlockingMailbox<RoomMessage>, router: Router,
                                clock: ServerClock, logger: Logger) {
        var room = Room(id: id, name: name)
        while true {
            var effects: [Effect] = []
            for message in mailbox.takeAll() { effects += room.receive(message, now: clock.now()) }
            router.deliver(effects)
            if room.isRetired {
                router.unregister(id)
                logger.info("room closed", metadata: ["room": "\(name)"])
                return
            }
        }
    }
}
