/// What a move of the exhaustive search reads and writes, as bits over the world's
/// parts: the Gate, the Lobby, the rooms (one part for all of them), the store (with its
/// failing switch), and each connection slot (its session actor, its wires, its client,
/// its lanes and the checker's records of that connection). Two moves whose footprints
/// do not meet are independent: in any state where both can run, running one leaves the
/// other able to run and does to the world what it would have done first, and the two
/// orders end in the same state (`docs/ARCHITECTURE.md`, "The exhaustive search", says
/// why part by part). Anything not known to stay within its parts is `all`: dependent on
/// every move.
///
/// Mail lanes: a step of actor B takes the head of one of its lanes and appends to lanes
/// B → X. Another actor's step appends only to its own lanes A → Y, so two steps of
/// different actors never touch one queue at the same end; a pop and an append on one
/// runnable (so not empty) queue commute.
struct MoveFootprint: Equatable {
    let bits: UInt64

    static let gate = MoveFootprint(bits: 1 << 0)
    static let lobby = MoveFootprint(bits: 1 << 1)
    static let rooms = MoveFootprint(bits: 1 << 2)
    static let store = MoveFootprint(bits: 1 << 3)
    /// The run's fault budget: a fault spends it, and with none left no fault is offered.
    static let faultBudget = MoveFootprint(bits: 1 << 4)
    static let all = MoveFootprint(bits: ~0)
    private static let firstSlotBit = 8

    static func slot(_ slot: Int?) -> MoveFootprint {
        guard let slot, slot >= 0, slot + firstSlotBit < 64 else { return .all }
        return MoveFootprint(bits: 1 << UInt64(slot + firstSlotBit))
    }

    static func | (lhs: MoveFootprint, rhs: MoveFootprint) -> MoveFootprint {
        MoveFootprint(bits: lhs.bits | rhs.bits)
    }

    func meets(_ other: MoveFootprint) -> Bool { bits & other.bits != 0 }
}

extension ExhaustiveMove {
    /// The move's footprint in `world`, the state it is offered in.
    func footprint<Actors>(in world: World<Actors>) -> MoveFootprint {
        switch self {
        case .lane(let id):
            switch world.lanes.keys[id] {
            case .mail(_, let to): return MoveFootprint.of(to, in: world)
            case .net(let slot), .read(let slot), .tick(let slot): return .slot(slot)
            // The hashing pool answers the Gate within the step.
            case .hash(let slot): return .slot(slot) | .gate
            }
        case .fault(let decision):
            return MoveFootprint.of(decision, in: world) | .faultBudget
        case .act(let decision):
            return MoveFootprint.of(decision, in: world)
        }
    }

    /// The move's name in every state: lanes by key (their numbers differ between orders),
    /// acts and faults by their decision.
    func identity<Actors>(in world: World<Actors>) -> MoveIdentity {
        switch self {
        case .lane(let id): return .lane(world.lanes.keys[id])
        case .act(let decision): return .act(decision)
        case .fault(let decision): return .fault(decision)
        }
    }
}

extension MoveFootprint {
    /// A client's act or a fault, by what it touches.
    static func of<Actors>(_ decision: Decision, in world: World<Actors>) -> MoveFootprint {
        switch decision {
        case .type(let client, _), .hangUp(let client, _):
            return .slot(world.client(client)?.current)
        case .receive(let name, _): return .slot(world.slot(of: name))
        case .storeFailing: return .store
        // A connect opens the next slot and lanes (numbered in order) and is offered by
        // symmetry only to the first client not yet connected; the clock moves every
        // session's wake. Both touch everything.
        case .connect, .advanceClock, .stopReading, .resumeReading, .deliver, .lose, .read, .tick, .hash:
            return .all
        }
    }

    static func of<Actors>(_ endpoint: Endpoint, in world: World<Actors>) -> MoveFootprint {
        switch endpoint {
        case .gate: return .gate
        case .lobby: return .lobby
        case .room: return .rooms
        case .store: return .store
        case .session(let name): return .slot(world.slot(of: name))
        }
    }
}

/// A move named the same way in every state, for sleep sets.
enum MoveIdentity: Hashable {
    case lane(LaneKey)
    case act(Decision)
    case fault(Decision)
}
