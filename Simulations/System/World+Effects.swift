import ChatCore

// Carrying out what actors ask for, as production's shell does.
extension World {
    // Each kind of actor's outputs, carried out in one exhaustive switch and hashed into
    // the trace in the same pass, as production's shell carries them out.

    /// A session's effects, then its timer: `pendingWake` read after the event, as
    /// production's connection thread reads it (a withdrawn wake is gone here too).
    mutating func perform(_ effects: [SessionEffect], of slot: Int) {
        trace.combine(UInt64(effects.count))
        let sender = Endpoint.session(sessions[slot].name)
        let senderCode = code(sender)
        let id = sessions[slot].id
        for effect in effects {
            trace.combine(effect)
            switch effect {
            case .send(let mail): post(mail.mail, from: sender, code: senderCode)
            case .write(let line): write(line, to: id)
            case .writeIRC(let message): writeIRC(message, to: id)
            case .closeConnection: close(id)
            case .retire: retireSession(id)
            }
        }
        let wake = sessions[slot].retired ? nil : sessions[slot].actor.pendingWake
        trace.combine(wake)
        if wake != sessions[slot].wake {
            sessions[slot].wake = wake
            refreshTick(slot)
        }
    }

    mutating func perform(_ effects: [GateEffect]) {
        trace.combine(UInt64(effects.count))
        let code = code(Endpoint.gate)
        for effect in effects {
            switch effect {
            case .session, .store, .hasher: postHashed(effect.mail, from: .gate, code: code)
            }
        }
    }

    mutating func perform(_ effects: [LobbyEffect]) {
        trace.combine(UInt64(effects.count))
        let code = code(Endpoint.lobby)
        for effect in effects {
            switch effect {
            case .session(let id, let message): postHashed(.session(id, message), from: .lobby, code: code)
            case .room(let id, let message): postHashed(.room(id, message), from: .lobby, code: code)
            case .store(let request): postHashed(.store(request), from: .lobby, code: code)
            case .spawnRoom(let id, let name):
                trace.combine(5)
                trace.combine(id.rawValue)
                trace.combine(name)
                spawn(id, name)
            }
        }
    }

    mutating func perform(_ effects: [RoomEffect], of room: RoomID) {
        trace.combine(UInt64(effects.count))
        let sender = Endpoint.room(room)
        let code = code(sender)
        for effect in effects {
            switch effect {
            case .session(let id, let message): postHashed(.session(id, message), from: sender, code: code)
            case .lobby(let message): postHashed(.lobby(message), from: sender, code: code)
            case .store(let request): postHashed(.store(request), from: sender, code: code)
            case .retire:
                trace.combine(6)
                trace.combine(room.rawValue)
                retireRoom(room)
            }
        }
    }

    /// The store's reply, on its lane back to the actor that asked.
    mutating func perform(storeReply reply: Mail?) {
        trace.combine(UInt64(reply == nil ? 0 : 1))
        guard let reply else { return }
        postHashed(reply, from: .store, code: code(Endpoint.store))
    }

    private mutating func postHashed(_ mail: Mail, from sender: Endpoint, code senderCode: Int) {
        trace.combine(mail)
        post(mail, from: sender, code: senderCode)
    }

    /// Puts mail on the lane from its sender to its recipient; a hashing job on a lane of its own.
    private mutating func post(_ mail: Mail, from sender: Endpoint, code senderCode: Int) {
        if case .hasher(let request) = mail {
            let ticket: Ticket
            switch request {
            case .hash(let t, _), .verify(let t, _, _): ticket = t
            }
            guard let owner = ticketOwners[ticket] else {
                return fail(.noMailLost, "the Gate asked for a hash for ticket \(ticket), which no login holds")
            }
            lanes.push(mail, on: sessions[owner].hashLane)
            return
        }
        let address = mail.address
        guard let recipientCode = code(address) else {
            return fail(.noMailLost, "\(sender) sent \(describe(mail)) to \(address), which never existed")
        }
        var lane = lanes.existingMailLane(from: senderCode, to: recipientCode)
        if lane == nil {
            let key = LaneKey.mail(from: sender, to: endpoint(address)!)
            lane = lanes.mailLane(from: senderCode, to: recipientCode, key)
        }
        lanes.push(mail, on: lane!)
    }

    /// The code of the endpoint an address names (see `code(_: Endpoint)`), without building it.
    func code(_ address: Address) -> Int? {
        switch address {
        case .gate: return 0
        case .lobby, .room(.global): return 1
        case .store: return 2
        case .session(let id): return slot(id).map { 3 + 2 * $0 }
        case .room(let id): return 4 + 2 * Int(id.rawValue - 1)
        case .hasher: return nil
        }
    }

    /// The code of an endpoint a decision names, if it exists in this world.
    func codeIfKnown(_ endpoint: Endpoint) -> Int? {
        if case .session(let name) = endpoint, slot(of: name) == nil { return nil }
        return code(endpoint)
    }

    /// A small number for each endpoint, so that mail lanes are found by index.
    func code(_ endpoint: Endpoint) -> Int {
        switch endpoint {
        case .gate: return 0
        case .lobby: return 1
        case .store: return 2
        case .session(let name): return 3 + 2 * (slot(of: name) ?? 0)
        case .room(let id): return 4 + 2 * Int(id.rawValue - 1)
        }
    }

    func endpoint(_ address: Address) -> Endpoint? {
        switch address {
        case .session(let id):
            let slot = Int(id.rawValue) - 1
            return slot >= 0 && slot < sessions.count ? .session(sessions[slot].name) : nil
        case .gate: return .gate
        case .lobby, .room(.global): return .lobby
        case .room(let id): return .room(id)
        case .store: return .store
        case .hasher: return nil
        }
    }

    func slot(_ id: SessionID) -> Int? {
        let slot = Int(id.rawValue) - 1
        return slot >= 0 && slot < sessions.count ? slot : nil
    }

    private mutating func write(_ line: ServerLine, to id: SessionID) {
        guard let slot = slot(id) else {
            return fail(.linesReachConnection, "a line was written to \(id), which never existed")
        }
        if case .bye(let reason, _) = line {
            if reason == .slowReader { hazards.insert(.slowReader) }
            if reason == .flood { hazards.insert(.flood) }
        }
        // Lines after the close, or for a client that has gone, go nowhere.
        guard !sessions[slot].serverClosed, !sessions[slot].clientGone else { return }
        sessions[slot].outbound.append(.parley(line))
        refreshRead(slot)
    }

    /// An IRC session's line; `ERROR` is its `BYE`, and says why.
    private mutating func writeIRC(_ message: IRCMessage, to id: SessionID) {
        guard let slot = slot(id) else {
            return fail(.linesReachConnection, "a line was written to \(id), which never existed")
        }
        if message.command == "ERROR", let reason = message.parameters.first {
            if reason.hasSuffix("not reading fast enough") { hazards.insert(.slowReader) }
            if reason.hasSuffix("Excess Flood") { hazards.insert(.flood) }
        }
        guard !sessions[slot].serverClosed, !sessions[slot].clientGone else { return }
        sessions[slot].outbound.append(.irc(message))
        refreshRead(slot)
    }

    /// The connection closes once the lines written before are read; nothing more is read from it.
    private mutating func close(_ id: SessionID) {
        guard let slot = slot(id), !sessions[slot].serverClosed else { return }
        sessions[slot].serverClosed = true
        sessions[slot].inbound.removeAll()
        sessions[slot].inboundHead = 0
        sessions[slot].hangUpQueued = false
        if !sessions[slot].clientGone { sessions[slot].outbound.append(nil) }
        refreshNet(slot)
        refreshRead(slot)
    }

    private mutating func wake(_ id: SessionID, at: Instant) {
        guard let slot = slot(id), !sessions[slot].retired else { return }
        sessions[slot].wake = at
        refreshTick(slot)
    }

    private mutating func spawn(_ id: RoomID, _ name: Name) {
        guard roomIndex[id] == nil, id != .global else {
            return fail(.uniqueRoomNames, "\(id) was spawned twice")
        }
        if let twin = rooms.first(where: { !$0.retired && $0.actor.isOpen && $0.actor.ref.name == name }) {
            fail(
                .uniqueRoomNames,
                "\(id) opened as \(name) while \(twin.actor.ref.id) named \(twin.actor.ref.name) is open")
        }
        roomIndex[id] = rooms.count
        rooms.append(RoomSlot(actor: Actors.RoomActor(id: id, name: name, historyLines: setup.historyLines ?? 0)))
        observed.rooms.append(RoomObservation())
    }

    private mutating func retireRoom(_ id: RoomID) {
        guard let index = roomIndex[id] else { return }
        rooms[index].retired = true
        if let member = observed.rooms[index].book.members.first {
            fail(.membershipAgrees, "\(id) retired with \(sessions[member].name) still in it")
        }
    }

    private mutating func retireSession(_ id: SessionID) {
        guard let slot = slot(id) else { return }
        sessions[slot].retired = true
        sessions[slot].wake = nil
        refreshTick(slot)
        refreshNet(slot)
        if let room = observed.sessions[slot].memberOf {
            fail(.membershipAgrees, "\(sessions[slot].name) retired while still a member of \(roomName(room))")
        }
    }

    /// A room's name as people know it.
    func roomName(_ id: RoomID) -> String {
        if id == .global { return "global" }
        guard let index = roomIndex[id] else { return "\(id)" }
        return "\(rooms[index].actor.ref.name) (\(id))"
    }
}
