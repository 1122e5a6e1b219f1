/// A digest of a whole world's state, for the exhaustive search to know a state it has
/// already explored: every actor's private state, the lanes and their mail, the wires,
/// the clients, the store, the clock and the checker's observations (what the checks
/// of later steps read). Only what a run leaves behind is left out: the trace, the
/// timeline, the step counts, the hazards met and the cache of wire lines.
///
/// It reads the world through reflection, so an actor's private `State` enum is digested
/// without ChatCore exposing it, and a planted actor's extra fields count too.
/// Dictionaries and sets are digested as multisets (their order depends on the
/// process's hash seed, never on the run), everything else in order. Equal states give
/// equal digests; two different states share one only by a 64-bit collision.
struct StateDigest {
    /// World fields that record the run rather than make up its state.
    static let recordFields: Set<String> = [
        "setup", "limits", "violation", "hazards", "steps", "actorSteps", "trace", "stepHashes", "timeline",
        "applied", "settling", "wireLines", "stamps",
    ]
    /// Fields, at any depth, that hold only what other fields already say: the lane
    /// table's runnable list and its positions (the search sorts the lanes it offers),
    /// the kinds of waiting mail, the ranks and index of lanes (functions of their keys).
    static let derivedFields: Set<String> = ["runnable", "position", "kinds", "ranks", "mailIndex"]

    /// The world's fields digested by `of`; every field is either here or in `recordFields`.
    static let stateFields: Set<String> = [
        "now", "gate", "lobby", "rooms", "roomIndex", "sessions", "clients", "store", "storeFailing", "lanes",
        "observed", "model", "ticketOwners", "logins",
    ]

    /// The world's own containers are generic over the actors, and reflecting a generic
    /// type's fields is slow (their types are demangled on every visit), so they are
    /// walked here by hand; everything inside them is reflected.
    static func of<Actors>(_ world: World<Actors>) -> UInt64 {
        var digest = Mix()
        digest.add(UInt64(bitPattern: world.now.nanoseconds))
        digest.add(value(world.gate))
        digest.add(value(world.lobby))
        digest.add(UInt64(world.rooms.count))
        for room in world.rooms {
            digest.add(value(room.actor))
            digest.add(room.retired ? 1 : 0)
        }
        digest.add(value(world.roomIndex))
        digest.add(UInt64(world.sessions.count))
        for slot in world.sessions { digest.add(self.slot(slot)) }
        digest.add(value(world.clients))
        digest.add(value(world.store))
        digest.add(world.storeFailing ? 1 : 0)
        digest.add(value(world.lanes))
        digest.add(value(world.observed))
        digest.add(value(world.model))
        digest.add(value(world.ticketOwners))
        digest.add(value(world.logins))
        return digest.value
    }

    private static func slot<Actor>(_ slot: SessionSlot<Actor>) -> UInt64 {
        var digest = Mix()
        digest.add(value(slot.name))
        digest.add(slot.id.rawValue)
        digest.add(value(slot.actor))
        digest.add(slot.wake.map { UInt64(bitPattern: $0.nanoseconds) } ?? .max)
        digest.add(slot.retired ? 1 : 0)
        digest.add(value(slot.inbound))
        for number in [slot.inboundHead, slot.inboundTotal, slot.outboundHead, slot.netLane, slot.readLane] {
            digest.add(UInt64(bitPattern: Int64(number)))
        }
        digest.add(UInt64(bitPattern: Int64(slot.tickLane)))
        digest.add(UInt64(bitPattern: Int64(slot.hashLane)))
        digest.add(value(slot.secrets))
        digest.add(value(slot.outbound))
        digest.add((slot.hangUpQueued ? 4 : 0) | (slot.serverClosed ? 2 : 0) | (slot.clientGone ? 1 : 0))
        return digest.value
    }

    /// Traps when the world has a field this digest does not know of: a state field left
    /// out would merge states that differ, and the search would prune runs it never ran.
    static func checkCoverage<Actors>(of world: World<Actors>) {
        for child in Mirror(reflecting: world).children {
            let label = child.label ?? "?"
            precondition(
                stateFields.contains(label) || recordFields.contains(label),
                "StateDigest does not know the world's field \(label): digest it or list it as a record")
        }
        let slotFields = Set([
            "name", "id", "actor", "wake", "retired", "inbound", "inboundHead", "inboundTotal",
            "secrets", "hangUpQueued", "outbound", "outboundHead", "serverClosed", "clientGone", "netLane", "readLane",
            "tickLane", "hashLane",
        ])
        for slot in world.sessions.prefix(1) {
            for child in Mirror(reflecting: slot).children {
                precondition(
                    slotFields.contains(child.label ?? "?"),
                    "StateDigest does not know the slot's field \(child.label ?? "?")")
            }
        }
        for room in world.rooms.prefix(1) {
            precondition(
                Mirror(reflecting: room).children.count == 2, "StateDigest knows a room slot's actor and retired only")
        }
    }

    /// The digest of one value of any type.
    static func value(_ subject: Any) -> UInt64 {
        if let leaf = leaf(subject) { return leaf }
        let mirror = Mirror(reflecting: subject)
        var digest = Mix()
        switch mirror.displayStyle {
        case .dictionary, .set:
            // A multiset: the sum of the members' digests, whatever order they come in.
            var sum: UInt64 = 0
            for child in mirror.children { sum &+= Mix.finish(value(child.value)) }
            digest.add(0xD1C7)
            digest.add(sum)
        case .enum:
            let label = mirror.children.first?.label
            digest.add(text(label ?? String(describing: subject)))
            for child in mirror.children { digest.add(value(child.value)) }
        case .optional:
            digest.add(UInt64(mirror.children.count))
            for child in mirror.children { digest.add(value(child.value)) }
        case .struct, .class, .tuple, .collection, nil:
            digest.add(UInt64(mirror.children.count))
            for child in mirror.children where !derivedFields.contains(child.label ?? "") {
                digest.add(value(child.value))
            }
        case .foreignReference:
            preconditionFailure("a world holds no foreign references")
        @unknown default:
            digest.add(text(String(describing: subject)))
        }
        return digest.value
    }

    /// The common leaves, without building a mirror; told apart by their metatype, which
    /// costs less than trying a cast to each.
    private static func leaf(_ subject: Any) -> UInt64? {
        switch ObjectIdentifier(type(of: subject)) {
        case ObjectIdentifier(Int.self): return UInt64(bitPattern: Int64(subject as! Int))
        case ObjectIdentifier(UInt64.self): return (subject as! UInt64)
        case ObjectIdentifier(UInt32.self): return UInt64(subject as! UInt32)
        case ObjectIdentifier(UInt8.self): return UInt64(subject as! UInt8)
        case ObjectIdentifier(Bool.self): return (subject as! Bool) ? 0xB1 : 0xB0
        case ObjectIdentifier(Double.self): return (subject as! Double).bitPattern
        case ObjectIdentifier(String.self): return text(subject as! String)
        case ObjectIdentifier([UInt8].self):
            let bytes = subject as! [UInt8]
            var digest = Mix()
            digest.add(UInt64(bytes.count))
            for byte in bytes { digest.add(UInt64(byte)) }
            return digest.value
        case ObjectIdentifier([Int].self):
            let numbers = subject as! [Int]
            var digest = Mix()
            digest.add(UInt64(numbers.count))
            for number in numbers { digest.add(UInt64(bitPattern: Int64(number))) }
            return digest.value
        default: return nil
        }
    }

    private static func text(_ string: String) -> UInt64 {
        var digest = Mix()
        digest.add(0x5757)
        for byte in string.utf8 { digest.add(UInt64(byte)) }
        return digest.value
    }

    /// An order-sensitive 64-bit mix (FNV-style multiply, finished with SplitMix64's).
    struct Mix {
        private(set) var state: UInt64 = 0xCBF2_9CE4_8422_2325

        mutating func add(_ word: UInt64) {
            state = (state ^ word) &* 0x0000_0100_0000_01B3
            state ^= state >> 29
        }

        var value: UInt64 { Mix.finish(state) }

        static func finish(_ word: UInt64) -> UInt64 {
            var z = word &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
