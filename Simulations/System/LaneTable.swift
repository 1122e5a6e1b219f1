import ChatCore

/// Where something waits to happen, one lane per source of order the production shell
/// keeps: a FIFO per (sender, receiver) pair of actors, a connection's inbound bytes,
/// a connection's outbound lines, a session's timer, one lane per hashing job (the pool
/// answers in any order). The scheduler picks a lane; a lane is never reordered.
enum LaneKey: Hashable, Sendable {
    case mail(from: Endpoint, to: Endpoint)
    case net(slot: Int)
    case read(slot: Int)
    case tick(slot: Int)
    /// Hashing jobs of one connection's logins (one at a time, in practice).
    case hash(slot: Int)
}

/// Every lane a run has opened, with the mail waiting on mail lanes, and the set of
/// lanes that can run now kept as an array (with positions) so that a uniform pick and
/// an update are O(1) and the order is a pure function of the run, never of hashing.
struct LaneTable: Sendable {
    private(set) var keys: [LaneKey] = []
    private var queues: [[Mail]] = []
    /// The kind of each waiting mail, kept beside it so that reading a lane's head copies nothing.
    private var kinds: [[MailKind]] = []
    private var heads: [Int] = []
    /// Mail lanes by (sender code, recipient code): an index, not a hash.
    private var mailIndex: [[Int]] = []
    private(set) var runnable: [Int] = []
    private var position: [Int] = []
    /// Each lane's place in the settling order: what kind of lane it is and whose, never
    /// the order lanes were opened in (that changes with the code, and fixtures must not).
    private var ranks: [UInt64] = []

    var count: Int { keys.count }

    /// A new lane. Mail lanes are found again through `mailLane`; a connection's own
    /// lanes live in its slot.
    mutating func open(_ key: LaneKey, rank: UInt64) -> Int {
        let id = keys.count
        ranks.append(rank)
        keys.append(key)
        queues.append([])
        kinds.append([])
        heads.append(0)
        position.append(-1)
        return id
    }

    /// The mail lane between two endpoints by their codes (see `World.code`), if opened.
    func existingMailLane(from: Int, to: Int) -> Int? {
        from < mailIndex.count && to < mailIndex[from].count && mailIndex[from][to] >= 0 ? mailIndex[from][to] : nil
    }

    /// The mail lane between two endpoints by their codes (see `World.code`), opened on first use.
    mutating func mailLane(from: Int, to: Int, _ key: @autoclosure () -> LaneKey) -> Int {
        if let id = existingMailLane(from: from, to: to) { return id }
        // Mail settles before connections and clocks: the server drains first.
        let id = open(key(), rank: UInt64(from) << 24 | UInt64(to))
        while mailIndex.count <= from { mailIndex.append([]) }
        while mailIndex[from].count <= to { mailIndex[from].append(-1) }
        mailIndex[from][to] = id
        return id
    }

    func isRunnable(_ id: Int) -> Bool { position[id] >= 0 }

    /// The runnable lane that settles first.
    var firstToSettle: Int? {
        var best: Int?
        for id in runnable where best.map({ ranks[id] < ranks[$0] }) ?? true { best = id }
        return best
    }

    mutating func setRunnable(_ id: Int, _ runnable: Bool) {
        if runnable, position[id] < 0 {
            position[id] = self.runnable.count
            self.runnable.append(id)
        } else if !runnable, position[id] >= 0 {
            let at = position[id]
            let last = self.runnable.removeLast()
            if last != id {
                self.runnable[at] = last
                position[last] = at
            }
            position[id] = -1
        }
    }

    // MARK: - Mail lanes

    mutating func push(_ mail: Mail, on id: Int) {
        kinds[id].append(MailKind(mail))
        queues[id].append(mail)
        setRunnable(id, true)
    }

    func peek(_ id: Int) -> Mail? {
        heads[id] < queues[id].count ? queues[id][heads[id]] : nil
    }

    /// The kind of the mail at the head of a lane, read in place.
    func headKind(_ id: Int) -> MailKind? {
        heads[id] < kinds[id].count ? kinds[id][heads[id]] : nil
    }

    mutating func pop(_ id: Int) -> Mail {
        let mail = queues[id][heads[id]]
        heads[id] += 1
        if heads[id] == queues[id].count {
            queues[id].removeAll(keepingCapacity: true)
            kinds[id].removeAll(keepingCapacity: true)
            heads[id] = 0
            setRunnable(id, false)
        }
        return mail
    }

    /// Mail waiting on a lane, oldest first.
    func waiting(_ id: Int) -> ArraySlice<Mail> { queues[id][heads[id]...] }

    // MARK: - Digest

    /// What the table holds that makes up the state, for `StateDigest`: the mail waiting on
    /// each lane, by the lane's key, as a multiset; never the lanes' numbers. A lane's
    /// number says only when it was first used (two orders of the same steps open lanes in
    /// different orders), and nothing the world does next depends on it: settling goes by
    /// rank (a function of the key), the exhaustive search offers every lane whatever its
    /// number. A lane with nothing waiting is as good as one never opened. The rest says
    /// nothing more: where each queue's head is, the kinds (functions of the mail), the
    /// index and ranks (functions of the keys), the runnable list and its positions (which
    /// lanes have mail or bytes waiting, said by the queues and the slots).
    func digest(into hasher: inout Hasher) {
        var sum: UInt64 = 0, waitingLanes = 0
        for id in keys.indices where heads[id] < queues[id].count {
            var lane = Hasher()
            lane.combine(keys[id])
            lane.combine(queues[id].count - heads[id])
            for mail in queues[id][heads[id]...] { lane.combine(mail) }
            sum &+= UInt64(bitPattern: Int64(lane.finalize()))
            waitingLanes += 1
        }
        hasher.combine(waitingLanes)
        hasher.combine(sum)
    }

    /// The fields `digest(into:)` reads, and those it leaves out as said there.
    static let digestedFields = ["keys", "queues", "heads"]
    static let derivedFields = ["kinds", "mailIndex", "runnable", "position", "ranks"]
}
