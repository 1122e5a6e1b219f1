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
    /// Fields, at any depth, that hold only an order of something digested elsewhere: the
    /// lane table's runnable list (the search sorts the lanes it offers).
    static let orderFields: Set<String> = ["runnable", "position"]

    static func of<Actors>(_ world: World<Actors>) -> UInt64 {
        var digest = Mix()
        for child in Mirror(reflecting: world).children where !recordFields.contains(child.label ?? "") {
            digest.add(value(child.value))
        }
        return digest.value
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
            for child in mirror.children where !orderFields.contains(child.label ?? "") { digest.add(value(child.value)) }
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
        case ObjectIdentifier(UInt64.self): return subject as! UInt64
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
