import ChatCore

// Delivering what waits on lanes: mail to actors, bytes and hang-ups to sessions,
// wakes, and the hashing pool's answers.
extension World {
    mutating func deliver(from: Endpoint, to: Endpoint, kind: MailKind, lenient: Bool) -> Outcome {
        guard let sender = codeIfKnown(from), let recipient = codeIfKnown(to),
            let lane = lanes.existingMailLane(from: sender, to: recipient), let actual = lanes.headKind(lane)
        else {
            return .inapplicable("no mail waits on \(from) → \(to)")
        }
        guard actual == kind || lenient else {
            return .inapplicable("the next mail on \(from) → \(to) is \(actual.rawValue), not \(kind.rawValue)")
        }
        dispatch(lanes.pop(lane), from: from, as: .deliver(from: from, to: to, kind: actual))
        return .applied
    }

    /// Runs a lane's next event whole, as `apply(decision(forLane:))` would, without looking
    /// the lane up again: the explorer's and the settler's fast path.
    @discardableResult
    mutating func run(lane id: Int) -> Decision {
        switch lanes.keys[id] {
        case .mail(let from, let to):
            let kind = lanes.headKind(id)!
            let decision = Decision.deliver(from: from, to: to, kind: kind)
            dispatch(lanes.pop(id), from: from, as: decision)
            return decision
        default:
            let decision = self.decision(forLane: id)
            let outcome = apply(decision)
            precondition(outcome == .applied, "a runnable lane could not run: \(outcome)")
            return decision
        }
    }

    private mutating func dispatch(_ mail: Mail, from: Endpoint, as decision: Decision) {
        switch mail {
        case .session(let id, let message):
            deliver(message, to: id, from: from, as: decision)
        case .gate(let message):
            gateStep(message, as: decision) { "← \(from): \($0.describe(mail))" }
        case .lobby(let message):
            beginStep()
            let effects = lobby.receive(message, now: now)
            actorSteps += 1
            checkLobby(message, effects)
            perform(effects)
            endStep(decision) { ("lobby", "← \(from): \($0.describe(mail))", effects.map($0.describe)) }
        case .room(let id, let message):
            guard let index = roomIndex[id], !rooms[index].retired else { return drop(mail, as: decision) }
            beginStep()
            let effects = rooms[index].actor.receive(message, now: now)
            actorSteps += 1
            checkRoom(index, message, effects)
            perform(effects, of: id)
            endStep(decision) { ("\(id)", "← \(from): \($0.describe(mail))", effects.map($0.describe)) }
        case .store(let request):
            storeStep(request, as: decision) { "← \(from): \($0.describe(mail))" }
        case .hasher:
            preconditionFailure("hashing jobs wait on lanes of their own")
        }
    }

    private mutating func deliver(_ message: SessionMessage, to id: SessionID, from: Endpoint, as decision: Decision) {
        let slot = Int(id.rawValue) - 1
        guard slot >= 0, slot < sessions.count, !sessions[slot].retired else {
            return drop(.session(id, message), as: decision)
        }
        beginStep()
        let wasClosing = sessions[slot].actor.isClosing
        let effects = sessions[slot].actor.receive(message, now: now)
        actorSteps += 1
        checkSession(slot, wasClosing: wasClosing, message: message, effects)
        modelSession(slot, wasClosing: wasClosing, .mail(message), effects)
        perform(effects, of: slot)
        let name = sessions[slot].name
        endStep(decision) {
            ("\(name)", "← \(from): \($0.describe(Mail.session(id, message)))", effects.map($0.describe))
        }
    }

    /// Mail for an actor that has retired: production's mailbox is gone, so it is lost.
    /// Two kinds may arrive late harmlessly: a takeover notice (the Gate cannot know the
    /// holder just left) and a line for the connection, which is closed already (a room
    /// answers a whisper's sender, or reports a failed write, even after it has left).
    /// Anything else, an entry or a login landing on a retired session, is a lost piece of state.
    private mutating func drop(_ mail: Mail, as decision: Decision) {
        beginStep()
        switch mail {
        case .session(_, .replaced), .session(_, .banned), .session(_, .deliver): break
        default: fail(.noMailLost, "\(describe(mail)) for \(label(mail.address)) arrived after it retired")
        }
        endStep(decision) { ($0.label(mail.address), "has retired; lost: \($0.describe(mail))", []) }
    }

    private mutating func gateStep(_ message: GateMessage, as decision: Decision, event: (World) -> String) {
        beginStep()
        let effects = gate.receive(message, now: now)
        actorSteps += 1
        noteTickets(message, effects)
        checkGate(message, effects)
        perform(effects)
        endStep(decision) { ("gate", event($0), effects.map($0.describe)) }
    }

    /// A login, registration or `/passwd` takes a ticket: remember whose it is.
    private mutating func noteTickets(_ message: GateMessage, _ effects: [GateEffect]) {
        let session: SessionID
        switch message {
        case .login(let id, _, _, _), .register(let id, _, _, _), .changePassword(let id, _, _, _, _): session = id
        default: return
        }
        guard let owner = slot(session) else { return }
        for effect in effects {
            switch effect {
            case .store(.fetchAccount(let ticket, _, _)), .hasher(.hash(let ticket, _)): ticketOwners[ticket] = owner
            case .session, .store, .hasher: break
            }
        }
    }

    private mutating func storeStep(_ request: StoreRequest, as decision: Decision, event: (World) -> String) {
        beginStep()
        let mode = setup.storeFailureMode ?? .writes
        store.failingWrites = storeFailing && mode != .reads
        store.failingReads = storeFailing && mode != .writes
        let reply = store.handle(request)
        actorSteps += 1
        checkStore(request, reply: reply)
        perform(storeReply: reply)
        endStep(decision) { world in
            ("store", event(world), reply.map { ["→ \(world.label($0.address)): \(world.describe($0))"] } ?? [])
        }
    }

    mutating func receive(_ name: ConnectionName, bytes: Int, lenient: Bool) -> Outcome {
        guard let slot = slot(of: name), lanes.isRunnable(sessions[slot].netLane), sessions[slot].pendingInbound > 0
        else {
            return .inapplicable("no bytes wait for \(name)")
        }
        let pending = sessions[slot].pendingInbound
        var count = bytes
        if count < 1 || count > pending {
            guard lenient else { return .inapplicable("\(pending) bytes wait for \(name), not \(bytes)") }
            count = pending
        }
        beginStep()
        let start = sessions[slot].inboundHead
        let chunk = sessions[slot].inbound[start..<(start + count)]
        let position = sessions[slot].consumedPosition, secrets = sessions[slot].secrets
        sessions[slot].inboundHead += count
        if sessions[slot].pendingInbound == 0 {
            sessions[slot].inbound.removeAll(keepingCapacity: true)
            sessions[slot].inboundHead = 0
        }
        let wasClosing = sessions[slot].actor.isClosing
        let effects = sessions[slot].actor.bytesReceived(chunk, now: now)
        actorSteps += 1
        checkSession(slot, wasClosing: wasClosing, message: nil, effects)
        modelSession(slot, wasClosing: wasClosing, .bytes(chunk), effects)
        perform(effects, of: slot)
        refreshNet(slot)
        endStep(.receive(name, bytes: count)) { world in
            ("\(name)", "← net: \(World.showBytes(chunk, at: position, hiding: secrets))", effects.map(world.describe))
        }
        return .applied
    }

    mutating func lose(_ name: ConnectionName) -> Outcome {
        guard let slot = slot(of: name), sessions[slot].hangUpQueued, sessions[slot].pendingInbound == 0,
            !sessions[slot].serverClosed
        else {
            return .inapplicable("no hang-up waits for \(name)")
        }
        beginStep()
        sessions[slot].hangUpQueued = false
        let wasClosing = sessions[slot].actor.isClosing
        if !wasClosing, sessions[slot].actor.room == nil, sessions[slot].actor.account != nil {
            hazards.insert(.disconnectMidMove)
        }
        let effects = sessions[slot].actor.connectionLost(now: now)
        actorSteps += 1
        checkSession(slot, wasClosing: wasClosing, message: nil, effects)
        modelSession(slot, wasClosing: wasClosing, .lost, effects)
        perform(effects, of: slot)
        refreshNet(slot)
        endStep(.lose(name)) { world in ("\(name)", "← net: the client hung up", effects.map(world.describe)) }
        return .applied
    }

    mutating func tick(_ name: ConnectionName) -> Outcome {
        guard let slot = slot(of: name), lanes.isRunnable(sessions[slot].tickLane) else {
            return .inapplicable("no wake is due for \(name)")
        }
        beginStep()
        let wasClosing = sessions[slot].actor.isClosing
        let effects = sessions[slot].actor.tick(now: now)
        actorSteps += 1
        checkSession(slot, wasClosing: wasClosing, message: nil, effects)
        modelSession(slot, wasClosing: wasClosing, .tick, effects)
        perform(effects, of: slot)
        endStep(.tick(name)) { world in ("\(name)", "← clock: tick", effects.map(world.describe)) }
        return .applied
    }

    mutating func hash(_ name: ConnectionName) -> Outcome {
        guard let slot = slot(of: name), case .hasher(let request)? = lanes.peek(sessions[slot].hashLane) else {
            return .inapplicable("no hashing job for \(name) is waiting")
        }
        _ = lanes.pop(sessions[slot].hashLane)
        guard case .gate(let answer) = SimulatedHasher().handle(request) else {
            preconditionFailure("the hasher answers the Gate")
        }
        gateStep(answer, as: .hash(name)) { "← hasher: \($0.describe(.gate(answer)))" }
        return .applied
    }

    mutating func advanceClock(milliseconds: Int) -> Outcome {
        guard milliseconds > 0 else { return .inapplicable("the clock only moves forward") }
        beginStep()
        now = now + .milliseconds(milliseconds)
        for slot in sessions.indices where sessions[slot].wake != nil { refreshTick(slot) }
        endStep(.advanceClock(milliseconds: milliseconds)) { _ in ("clock", "+\(milliseconds) ms", []) }
        return .applied
    }

    mutating func setStoreFailing(_ failing: Bool) -> Outcome {
        guard storeFailing != failing else {
            return .inapplicable("the store is already \(failing ? "failing" : "well")")
        }
        beginStep()
        storeFailing = failing
        let what = [.writes: "every write", .reads: "every history read", .both: "every write and history read"][
            setup.storeFailureMode ?? .writes]!
        endStep(.storeFailing(failing)) { _ in ("store", failing ? "starts failing \(what)" : "recovers", []) }
        return .applied
    }

    /// Bytes as a person reads them, every byte of a password (or a piece of one, when
    /// the network split it) shown as `*`.
    static func showBytes(_ bytes: ArraySlice<UInt8>, at position: Int, hiding secrets: [Range<Int>]) -> String {
        var shown = Array(bytes)
        for secret in secrets {
            for offset in max(
                secret.lowerBound, position)..<max(
                    max(secret.lowerBound, position), min(secret.upperBound, position + shown.count))
            {
                shown[offset - position] = UInt8(ascii: "*")
            }
        }
        return "\"" + String(decoding: shown, as: UTF8.self).replacingAll("\n", with: "\\n") + "\""
    }
}

extension String {
    /// The standard library has no find-and-replace without Foundation; this one is enough here.
    func replacingAll(_ target: some StringProtocol, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
