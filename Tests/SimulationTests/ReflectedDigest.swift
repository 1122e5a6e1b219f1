import ChatCore

@testable import ParleySimulation

/// The oracle for `StateDigest`: a digest of a world read through reflection, which sees
/// every stored field at every depth without being told of it. Slow (milliseconds a
/// state), so only tests use it, to show the hand-written digest misses no field
/// (`ReflectedDigestTests`). It leaves out, and abstracts, what `StateDigest` documents:
/// the world's record fields, the observations' scratch `stamps`, lanes' numbers (the
/// lane table as a multiset of its lanes with mail waiting, by key), what the wires have
/// already handed over, and the checker's step numbers by rank within their room (an owner's change by
/// whether it happened).
struct ReflectedDigest {
    let ranks: StepRanks

    static func of<Actors>(_ world: World<Actors>) -> UInt64 {
        let reflected = ReflectedDigest(ranks: StepRanks(world.observed))
        var digest = Mix()
        for child in Mirror(reflecting: world).children {
            guard let label = child.label, !StateDigest.recordFields.contains(label) else { continue }
            digest.add(text(label))
            if label == "lanes" {
                digest.add(reflected.lanes(world.lanes))
            } else {
                digest.add(reflected.value(child.value))
            }
        }
        return digest.value
    }

    private func lanes(_ table: LaneTable) -> UInt64 {
        var sum: UInt64 = 0
        for id in table.keys.indices where !table.waiting(id).isEmpty {
            var lane = Mix()
            lane.add(value(table.keys[id]))
            lane.add(value(Array(table.waiting(id))))
            sum &+= Mix.finish(lane.value)
        }
        return sum
    }

    /// What a slot's fields say, by label, abstracted as `StateDigest` abstracts them.
    private func field(_ label: String, of subject: Any, _ field: Any) -> UInt64? {
        switch (subject, label) {
        case (is Observations, "stamps"): return 0
        case (let session as SessionObservation, "joinedStep"):
            return UInt64(session.memberOf.map { ranks.of(field as! Int, in: $0) } ?? 0)
        case (let entry as MessageEntry, "acceptStep"): return UInt64(ranks.of(field as! Int, in: entry.room))
        case (_, "ownerChangedStep"): return (field as! Int) > 0 ? 1 : 0
        case (is InMemoryStore, "messages"):
            // Each room life's records in order; the lives as a multiset.
            let records = field as! [ChatRecord]
            var sum: UInt64 = 0
            for life in Set(records.map(\.life)) { sum &+= Mix.finish(value(records.filter { $0.life == life })) }
            return sum
        case (is InMemoryStore, "audit"):
            return (field as! [AuditRecord]).reduce(0) { $0 &+ Mix.finish(value($1)) }
        default: break
        }
        guard Mirror(reflecting: subject).displayStyle == .struct, "\(type(of: subject))".hasPrefix("SessionSlot<")
        else { return nil }
        let mirror = Mirror(reflecting: subject)
        func child(_ name: String) -> Any { mirror.children.first { $0.label == name }!.value }
        switch label {
        case "netLane", "readLane", "tickLane", "hashLane", "inboundHead", "outboundHead": return 0
        case "inbound": return value(Array((child("inbound") as! [UInt8]).dropFirst(child("inboundHead") as! Int)))
        case "outbound":
            return value(Array((child("outbound") as! [OutboundLine?]).dropFirst(child("outboundHead") as! Int)))
        default: return nil
        }
    }

    func value(_ subject: Any) -> UInt64 {
        if let leaf = leaf(subject) { return leaf }
        let mirror = Mirror(reflecting: subject)
        var digest = Mix()
        switch mirror.displayStyle {
        case .dictionary, .set:
            var sum: UInt64 = 0
            for child in mirror.children { sum &+= Mix.finish(value(child.value)) }
            digest.add(0xD1C7)
            digest.add(sum)
        case .enum:
            digest.add(ReflectedDigest.text(mirror.children.first?.label ?? String(describing: subject)))
            for child in mirror.children { digest.add(value(child.value)) }
        case .optional:
            digest.add(UInt64(mirror.children.count))
            for child in mirror.children { digest.add(value(child.value)) }
        default:
            digest.add(UInt64(mirror.children.count))
            for child in mirror.children {
                digest.add(ReflectedDigest.text(child.label ?? ""))
                digest.add(field(child.label ?? "", of: subject, child.value) ?? value(child.value))
            }
        }
        return digest.value
    }

    /// Numbers, strings and a password by its bytes (reflected, it would show the
    /// address of its buffer: that was the search's impurity).
    private func leaf(_ subject: Any) -> UInt64? {
        switch subject {
        case let number as any FixedWidthInteger: return UInt64(truncatingIfNeeded: Int64(truncatingIfNeeded: number))
        case let flag as Bool: return flag ? 0xB1 : 0xB0
        case let number as Double: return number.bitPattern
        case let string as String: return ReflectedDigest.text(string)
        case let password as Password: return ReflectedDigest.text("password:" + password.secret)
        default: return nil
        }
    }

    private static func text(_ string: String) -> UInt64 {
        var digest = Mix()
        digest.add(0x5757)
        for byte in string.utf8 { digest.add(UInt64(byte)) }
        digest.add(UInt64(string.utf8.count))
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
