import ChatCore

/// A digest of a whole world's state, for the exhaustive search to know a state it has
/// already explored: every actor's private state, the lanes and their mail, the wires,
/// the clients, the store, the clock and the checker's observations (what the checks
/// of later steps read). Only what a run leaves behind is left out: the trace, the
/// timeline, the step counts, the hazards met and the cache of wire lines; and the order
/// between store records nothing reads in order (`InMemoryStore.digest(into:)`).
///
/// Written out by hand, no reflection: ChatCore's actors and the world's plain parts are
/// `Hashable` (synthesized, so a field added to them is digested without a word here), and
/// the world's containers that hold tuples, scratch or derived fields say here, field by
/// field, what they add (`digestedFields` lists each one's fields; `checkCoverage` traps
/// when a type gains a field this file does not name, and `ReflectedDigestTests` compares
/// this digest with one read through `Mirror` on random worlds). Dictionaries and sets
/// digest as multisets (Swift's own `Hashable` for them ignores order); a password by
/// its bytes, never by the address of the buffer that holds them.
///
/// The digest is Swift's `Hasher`, seeded per process: equal states give equal digests
/// within a process (all the search needs), two different states share one only by a
/// 64-bit collision, and no digest is ever printed or stored.
enum StateDigest {
    /// World fields that record the run rather than make up its state.
    static let recordFields: Set<String> = [
        "setup", "limits", "violation", "hazards", "steps", "actorSteps", "trace", "stepHashes", "timeline",
        "applied", "settling", "wireLines",
    ]

    /// The world's fields digested by `of`; every field is either here or in `recordFields`.
    static let stateFields: Set<String> = [
        "now", "gate", "lobby", "rooms", "roomIndex", "sessions", "clients", "store", "storeFailing", "lanes",
        "observed", "model", "ticketOwners", "logins", "waits",
    ]

    static func of<Actors>(_ world: World<Actors>) -> UInt64 {
        var hasher = Hasher()
        world.digest(into: &hasher)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// Traps when a world's part has a field this digest does not know of: a state field
    /// left out would merge states that differ, and the search would prune runs it never ran.
    static func checkCoverage<Actors>(of world: World<Actors>) {
        check(world, knows: stateFields.union(recordFields), "World")
        for slot in world.sessions.prefix(1) { check(slot, knows: SessionSlot<Actors.SessionActor>.digestedFields) }
        for room in world.rooms.prefix(1) { check(room, knows: ["actor", "retired"]) }
        check(world.lanes, knows: LaneTable.digestedFields + LaneTable.derivedFields)
        check(world.observed, knows: Observations.digestedFields + ["stamps"])
        for room in world.observed.rooms.prefix(1) { check(room, knows: RoomObservation.digestedFields) }
        for session in world.observed.sessions.prefix(1) {
            check(session, knows: SessionObservation.digestedFields)
            check(session.audit, knows: ConnectionAudit.digestedFields)
        }
        check(world.observed.history, knows: HistoryBook.digestedFields)
        check(world.model, knows: ReferenceModel.digestedFields)
        for session in world.model.sessions.prefix(1) { check(session, knows: SessionModel.digestedFields) }
        check(world.logins, knows: LoginLedger.digestedFields)
        check(world.store, knows: InMemoryStore.digestedFields)
    }

    private static func check(_ value: Any, knows fields: some Collection<String>, _ name: String? = nil) {
        let known = Set(fields)
        for child in Mirror(reflecting: value).children {
            let label = child.label ?? "?"
            precondition(
                known.contains(label),
                "StateDigest does not know the field \(label) of \(name ?? "\(type(of: value))"): digest it or list it as a record"
            )
        }
    }

    /// Digests a dictionary whose values are not `Hashable` (tuples) as a multiset: the
    /// sum of its entries' own digests, whatever order the dictionary keeps them in.
    static func combine<Key: Hashable, Value>(
        unordered dictionary: [Key: Value], into hasher: inout Hasher, _ entry: (Value, inout Hasher) -> Void
    ) {
        var sum: UInt64 = 0
        for (key, value) in dictionary {
            var one = Hasher()
            one.combine(key)
            entry(value, &one)
            sum &+= UInt64(bitPattern: Int64(one.finalize()))
        }
        hasher.combine(dictionary.count)
        hasher.combine(sum)
    }
}

extension World {
    /// The world's state fields (`StateDigest.stateFields`), in a fixed order.
    func digest(into hasher: inout Hasher) {
        hasher.combine(now)
        hasher.combine(gate)
        hasher.combine(lobby)
        hasher.combine(rooms.count)
        for room in rooms {
            hasher.combine(room.actor)
            hasher.combine(room.retired)
        }
        hasher.combine(roomIndex)
        hasher.combine(sessions.count)
        for slot in sessions { slot.digest(into: &hasher) }
        hasher.combine(clients)
        store.digest(into: &hasher)
        hasher.combine(storeFailing)
        lanes.digest(into: &hasher)
        observed.digest(into: &hasher, rank: StepRanks(observed))
        model.digest(into: &hasher)
        hasher.combine(ticketOwners)
        logins.digest(into: &hasher)
        hasher.combine(waits)
    }
}

extension World {
    /// The digest of each state field on its own (the checker's observations and model
    /// field by field), for `--check-independence` to say which parts two orders of the
    /// same steps leave different. The search prunes by `digest(into:)` alone.
    func fieldDigests() -> [(field: String, digest: Int)] {
        func one(_ name: String, _ part: (inout Hasher) -> Void) -> (field: String, digest: Int) {
            var hasher = Hasher()
            part(&hasher)
            return (name, hasher.finalize())
        }
        let rank = StepRanks(observed)
        return [
            one("now") { $0.combine(now) }, one("gate") { $0.combine(gate) }, one("lobby") { $0.combine(lobby) },
            one("rooms") { h in
                for room in rooms {
                    h.combine(room.actor)
                    h.combine(room.retired)
                }
            },
            one("roomIndex") { $0.combine(roomIndex) },
            one("sessions") { h in for slot in sessions { slot.digest(into: &h) } },
            one("clients") { $0.combine(clients) }, one("store") { store.digest(into: &$0) },
            one("storeFailing") { $0.combine(storeFailing) }, one("lanes") { lanes.digest(into: &$0) },
            one("observed.sessions.memberOf") { h in for session in observed.sessions { h.combine(session.memberOf) } },
            one("observed.sessions.joinedStep") { h in
                for session in observed.sessions {
                    h.combine(session.memberOf.map { rank.of(session.joinedStep, in: $0) })
                }
            },
            one("observed.sessions.account") { h in for session in observed.sessions { h.combine(session.account) } },
            one("observed.sessions.audit") { h in for session in observed.sessions { session.audit.digest(into: &h) } },
            one("observed.sessions.irc") { h in
                for session in observed.sessions {
                    h.combine(session.ircHistory)
                    h.combine(session.ircRead)
                    h.combine(session.ircNick)
                }
            },
            one("observed.rooms") { h in for room in observed.rooms { room.digest(into: &h, rank: rank) } },
            one("observed.global") { $0.combine(observed.global) },
            one("observed.holders") { $0.combine(observed.holders) },
            one("observed.messages") { observed.messages.digest(into: &$0, rank: rank.of) },
            one("observed.storeTickets") { $0.combine(observed.storeTickets) },
            one("observed.history") { observed.history.digest(into: &$0) },
            one("observed.other") { h in
                h.combine(observed.abandonedLogins)
                h.combine(observed.ticketsHashed)
                h.combine(observed.kickedFrom)
                h.combine(observed.banTickets)
                h.combine(observed.chatBanned)
                h.combine(observed.chatUnbanned)
            },
            one("model") { model.digest(into: &$0) }, one("ticketOwners") { $0.combine(ticketOwners) },
            one("logins") { logins.digest(into: &$0) }, one("waits") { $0.combine(waits) },
        ]
    }
}

extension SessionSlot {
    /// Every field: the lane numbers by what they number (`LaneTable.digest(into:)` says
    /// why a lane's number is not state; a slot's lanes are its own, keyed by its index).
    static var digestedFields: [String] {
        [
            "name", "id", "actor", "wake", "retired", "inbound", "inboundHead", "inboundTotal", "secrets",
            "hangUpQueued", "outbound", "outboundHead", "serverClosed", "clientGone", "netLane", "readLane",
            "tickLane", "hashLane",
        ]
    }

    func digest(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(id)
        hasher.combine(actor)
        hasher.combine(wake)
        hasher.combine(retired)
        // What is still to be handed over and where in the stream it starts (the bytes
        // already taken say nothing more), and the lines not yet read.
        hasher.combine(inbound[inboundHead...].count)
        for byte in inbound[inboundHead...] { hasher.combine(byte) }
        hasher.combine(inboundTotal)
        hasher.combine(secrets.count)
        for range in secrets { hasher.combine(range) }
        hasher.combine(outbound.count - outboundHead)
        for line in outbound[outboundHead...] { hasher.combine(line) }
        hasher.combine(hangUpQueued)
        hasher.combine(serverClosed)
        hasher.combine(clientGone)
    }
}

extension Observations {
    /// Every field but `stamps` (scratch marks, rewritten before each use).
    static let digestedFields = [
        "sessions", "rooms", "global", "holders", "messages", "storeTickets", "history", "abandonedLogins",
        "ticketsHashed", "kickedFrom", "banTickets", "chatBanned", "chatUnbanned",
    ]

    func digest(into hasher: inout Hasher, rank: StepRanks) {
        hasher.combine(sessions.count)
        for session in sessions { session.digest(into: &hasher, rank: rank) }
        hasher.combine(rooms.count)
        for room in rooms { room.digest(into: &hasher, rank: rank) }
        hasher.combine(global)
        hasher.combine(holders)
        messages.digest(into: &hasher, rank: rank.of)
        hasher.combine(storeTickets)
        history.digest(into: &hasher)
        hasher.combine(abandonedLogins)
        hasher.combine(ticketsHashed)
        hasher.combine(kickedFrom)
        hasher.combine(banTickets)
        hasher.combine(chatBanned)
        hasher.combine(chatUnbanned)
    }
}

extension SessionObservation {
    static let digestedFields = ["memberOf", "joinedStep", "account", "audit", "ircHistory", "ircRead", "ircNick"]

    func digest(into hasher: inout Hasher, rank: StepRanks) {
        hasher.combine(memberOf)
        hasher.combine(memberOf.map { rank.of(joinedStep, in: $0) } ?? 0)
        hasher.combine(account)
        audit.digest(into: &hasher)
        hasher.combine(ircHistory)
        hasher.combine(ircRead)
        hasher.combine(ircNick)
    }
}

extension RoomObservation {
    static let digestedFields = ["book", "creatorPending", "owner", "ownerChangedStep"]

    func digest(into hasher: inout Hasher, rank: StepRanks) {
        hasher.combine(book)
        hasher.combine(creatorPending)
        hasher.combine(owner)
        hasher.combine(ownerChangedStep > 0)
    }
}

/// The checker's step numbers by their rank within one room (the Lobby's global room
/// or a temporary one): a session's join by the room it is in, a text's acceptance by
/// the room that took it. The only check that reads them compares the join of a member
/// of a room with the acceptance of a text delivered in that room (`joinedStep <
/// acceptStep`, World+Checks.swift: the checker syncs a room's members before it checks
/// a delivery, so a member's join is its join of that room), so ranks within each room
/// decide it as the numbers do. The numbers themselves also count the steps of other
/// rooms and actors, which two orders of independent steps disagree on. A join of a
/// session in no room is never read again (the next join overwrites it): 0. An owner's
/// change is only ever compared with 0 (never): a bit.
struct StepRanks {
    private let sorted: [RoomID: [Int]]

    init(_ observed: Observations) {
        var steps: [RoomID: Set<Int>] = [:]
        for session in observed.sessions {
            if let room = session.memberOf { steps[room, default: [0]].insert(session.joinedStep) }
        }
        for (room, step) in observed.messages.acceptSteps where step > 0 { steps[room, default: [0]].insert(step) }
        sorted = steps.mapValues { $0.sorted() }
    }

    /// The number of distinct recorded steps of `room` before this one (0 stays 0).
    func of(_ step: Int, in room: RoomID) -> Int {
        guard step > 0, let sorted = sorted[room] else { return 0 }
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < step { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension ConnectionAudit {
    static let digestedFields = [
        "commandsSent", "saysSent", "saysAccepted", "sayFailuresOwed", "answersRead", "messagesOwed",
        "messagesRead", "lastRead", "lastDelivered",
    ]

    func digest(into hasher: inout Hasher) {
        for count in [
            commandsSent, saysSent, saysAccepted, sayFailuresOwed, answersRead, messagesOwed, messagesRead,
        ] {
            hasher.combine(count)
        }
        hasher.combine(lastRead.count)
        for read in lastRead {
            hasher.combine(read.room)
            hasher.combine(read.seq)
        }
        hasher.combine(lastDelivered.count)
        for delivered in lastDelivered {
            hasher.combine(delivered.room)
            hasher.combine(delivered.number)
        }
    }
}

extension HistoryBook {
    static let digestedFields = ["stored", "position", "reads", "awaiting", "missed", "from"]

    func digest(into hasher: inout Hasher) {
        hasher.combine(stored)
        hasher.combine(position)
        hasher.combine(reads)
        hasher.combine(awaiting)
        hasher.combine(missed)
        StateDigest.combine(unordered: from, into: &hasher) { from, hasher in
            hasher.combine(from.room)
            hasher.combine(from.position)
        }
    }
}

extension ReferenceModel {
    static let digestedFields = [
        "liveRooms", "roomNames", "emptied", "members", "arrivals", "departing", "accounts", "sessions",
        "gateHolders",
    ]

    func digest(into hasher: inout Hasher) {
        hasher.combine(liveRooms)
        hasher.combine(roomNames)
        hasher.combine(emptied)
        hasher.combine(members)
        StateDigest.combine(unordered: arrivals, into: &hasher) { arrival, hasher in
            hasher.combine(arrival.room)
            hasher.combine(arrival.name)
        }
        hasher.combine(departing)
        hasher.combine(accounts)
        hasher.combine(sessions.count)
        for session in sessions { session.digest(into: &hasher) }
        hasher.combine(gateHolders)
    }
}

extension SessionModel {
    static let digestedFields = [
        "connected", "login", "loginDeadline", "linesIn", "linesTaken", "bucket", "written", "read", "pendingLogin",
        "accountFound", "partialLine", "droppedRun", "waitingLines", "presentIn", "isOperator", "granted", "welcomed",
        "earlyWhispers", "closed", "quitting", "leaveInFlight", "quitMessage", "ircRepliesOwed", "ircChannel",
        "ircJoinsOwed", "ircListsOwed", "ircLines", "ircShown", "ircMoveChain", "ircQuitTyped", "ircQuitReason",
        "ircQuitTaken", "ircPassAccount", "ircKicksTyped",
    ]

    func digest(into hasher: inout Hasher) {
        hasher.combine(connected)
        hasher.combine(login)
        hasher.combine(loginDeadline)
        for count in [linesIn, linesTaken, written, read] { hasher.combine(count) }
        hasher.combine(bucket?.credit)
        hasher.combine(bucket?.updated)
        hasher.combine(pendingLogin != nil)
        if let pendingLogin {
            hasher.combine(pendingLogin.name)
            hasher.combine(pendingLogin.rightPassword)
            hasher.combine(pendingLogin.register)
        }
        hasher.combine(accountFound)
        hasher.combine(partialLine)
        hasher.combine(droppedRun)
        hasher.combine(waitingLines)
        hasher.combine(presentIn)
        hasher.combine(isOperator)
        hasher.combine(granted)
        hasher.combine(welcomed)
        hasher.combine(earlyWhispers)
        hasher.combine(closed)
        hasher.combine(quitting)
        hasher.combine(leaveInFlight)
        hasher.combine(quitMessage)
        hasher.combine(ircRepliesOwed)
        hasher.combine(ircChannel)
        StateDigest.combine(unordered: ircJoinsOwed, into: &hasher) { count, hasher in hasher.combine(count) }
        hasher.combine(ircListsOwed)
        hasher.combine(ircMoveChain)
        hasher.combine(ircLines)
        hasher.combine(ircShown)
        hasher.combine(ircQuitTyped)
        hasher.combine(ircQuitReason)
        hasher.combine(ircQuitTaken)
        hasher.combine(ircPassAccount)
        hasher.combine(ircKicksTyped)
    }
}

extension LoginLedger {
    static let digestedFields = [
        "accounts", "addresses", "logins", "checks", "checkIndex", "live", "failedFrom", "openPerAddress",
        "openLogins", "filled", "registrations", "atPool", "slotAddresses", "queue", "gateAttempts", "passwordChanges",
    ]

    func digest(into hasher: inout Hasher) {
        hasher.combine(accounts)
        hasher.combine(addresses)
        hasher.combine(logins)
        hasher.combine(checks)
        StateDigest.combine(unordered: checkIndex, into: &hasher) { index, hasher in
            hasher.combine(index.check)
            hasher.combine(index.address)
        }
        hasher.combine(live)
        hasher.combine(failedFrom)
        hasher.combine(openPerAddress)
        hasher.combine(openLogins)
        hasher.combine(filled)
        hasher.combine(registrations)
        hasher.combine(atPool)
        hasher.combine(slotAddresses)
        hasher.combine(queue)
        hasher.combine(gateAttempts)
        hasher.combine(passwordChanges)
    }
}

extension InMemoryStore {
    /// What a later step can read of the store: its accounts, bans and operators, each room
    /// life's records in the order stored (a history read reads one life), and the audit
    /// records as a multiset. The order of two lives' records, or of two audit records, is
    /// read by nothing (the store answers no request by it; the checker keeps its own books),
    /// yet two orders of independent steps (a Lobby's audit and a room's message, say)
    /// leave it different: digested, it kept apart states no later step can tell apart.
    func digest(into hasher: inout Hasher) {
        hasher.combine(accounts)
        hasher.combine(banned)
        hasher.combine(operators)
        hasher.combine(failingWrites)
        hasher.combine(failingReads)
        // Each life's records through a hasher of its own, the lives summed (a multiset).
        var lives: [(life: RoomID, hasher: Hasher)] = []
        for record in messages {
            guard let index = lives.firstIndex(where: { $0.life == record.life }) else {
                var life = Hasher()
                life.combine(record.life)
                life.combine(record)
                lives.append((record.life, life))
                continue
            }
            lives[index].hasher.combine(record)
        }
        var livesSum: UInt64 = 0
        for life in lives { livesSum &+= UInt64(bitPattern: Int64(life.hasher.finalize())) }
        hasher.combine(messages.count)
        hasher.combine(livesSum)
        var auditSum: UInt64 = 0
        for record in audit {
            var one = Hasher()
            one.combine(record)
            auditSum &+= UInt64(bitPattern: Int64(one.finalize()))
        }
        hasher.combine(audit.count)
        hasher.combine(auditSum)
    }

    /// The fields `digest(into:)` reads: every one.
    static let digestedFields = [
        "accounts", "messages", "audit", "banned", "failingWrites", "failingReads", "operators",
    ]
}
