import ChatCore
import ParleyPlatform

// How the shell carries out each actor kind's outputs: one exhaustive switch per kind.
// Mail for sessions is grouped by session (`SessionMailBatch`, `Router.deliver`), so a room's batch
// of lines for a member becomes one call and one TLS write; all other mail goes to its
// mailbox at once, in order.

extension Gate: HostedActor {
    static func isStoreReply(_ message: GateMessage) -> Bool {
        if case .store = message { return true } else { return false }
    }

    var hasRetired: Bool { false }

    static func carryOut<P: Platform>(_ outputs: [GateEffect], of gate: Gate, router: Router<P>) {
        var batch = SessionMailBatch()
        for index in outputs.indices {
            switch outputs[index] {
            case .session(let id, let message): batch.add(id, message)
            case .store(let request): router.store.post(.request(request))
            case .hasher(let request): router.hasher.post(request)
            }
        }
        router.deliver(&batch)
    }
}

extension Lobby: HostedActor {
    static func isStoreReply(_ message: LobbyMessage) -> Bool {
        if case .store = message { return true } else { return false }
    }

    var hasRetired: Bool { false }

    static func carryOut<P: Platform>(_ outputs: [LobbyEffect], of lobby: Lobby, router: Router<P>) {
        var batch = SessionMailBatch()
        for index in outputs.indices {
            switch outputs[index] {
            case .session(let id, let message): batch.add(id, message)
            case .room(let id, let message): router.send(.room(id, message))
            case .store(let request): router.store.post(.request(request))
            // Registered before the `admit` that follows it is sent; its mailbox keeps that
            // mail until the room's thread runs (started once the Lobby's lock is released).
            case .spawnRoom(let id, let name): router.openRoom(id, name, historyLines: lobby.historyLines)
            }
        }
        router.deliver(&batch)
    }
}

extension Room: HostedActor {
    static func isStoreReply(_ message: RoomMessage) -> Bool {
        if case .store = message { return true } else { return false }
    }

    var hasRetired: Bool { isRetired }

    static func carryOut<P: Platform>(_ outputs: [RoomEffect], of room: Room, router: Router<P>) {
        var batch = SessionMailBatch()
        for index in outputs.indices {
            switch outputs[index] {
            case .session(let id, let message): batch.add(id, message)
            case .lobby(let message): router.lobby.mailbox.post(message)
            case .store(let request): router.store.post(.request(request))
            // Out of the table, its mailbox closed: its thread ends once it has drained.
            case .retire: router.retire(room.ref.id)
            }
        }
        router.deliver(&batch)
    }
}
