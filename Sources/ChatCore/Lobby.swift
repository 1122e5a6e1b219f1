/// The Lobby: the `global` room that everyone enters after login, and the directory of
/// temporary rooms (create, join, list).
///
/// Because the Lobby owns both `global` and the directory, leaving `global` and being
/// sent to a room is one step: no session is ever in two rooms, and none is lost
/// between them. Two creates of one name meet here, one after the other: the first
/// wins. A room that empties tells the Lobby; until the Lobby hears it, a join may
/// still be sent there, and the room sends that session back (`admitRefused`).
public struct Lobby: ChatActor, Hashable {
    private var global: Roster
    /// Live temporary rooms by name key.
    private var directory: [String: RoomRef] = [:]
    private var nextRoom: UInt64
    /// What each room this Lobby opens gives a session on entering.
    public let historyLines: Int

    /// `historyLines`: messages a session gets on entering a room (0: none).
    /// `firstRoom`: the id of the first temporary room; a room's id is also its life in the
    /// store, so a server that restarts starts past every life it has stored.
    public init(historyLines: Int, firstRoom: RoomID) {
        precondition(firstRoom != .global, "0 is global's")
        self.historyLines = historyLines
        self.global = Roster(room: .global, owner: .lobby, hasOwner: false, historyLines: historyLines)
        self.nextRoom = firstRoom.rawValue
    }

    /// A Lobby whose first temporary room is r1: one that has no stored past (the simulator, tests).
    public init(historyLines: Int) {
        self.init(historyLines: historyLines, firstRoom: RoomID(1))
    }

    // MARK: - What others may read

    public var globalMembers: [SessionID: Name] { global.members }
    /// Live temporary rooms, sorted by name.
    public var rooms: [RoomRef] { directory.values.sorted { $0.name.key < $1.name.key } }
    public var hasPendingStores: Bool { global.hasPendingStores }

    // MARK: - Mail

    public mutating func receive(_ message: LobbyMessage, now: Instant, into effects: inout [LobbyEffect]) {
        switch message {
        case .member(let request):
            global.handle(request, now: now, &effects)
        case .enter(let session, let name):
            global.enter(session, name, greeting: .entered(.global), &effects)
        case .create(let session, let name):
            create(name, for: session, now: now, &effects)
        case .join(let session, let name):
            join(name, for: session, &effects)
        case .listRooms(let session):
            let line = ServerLine.rooms([Name.global] + rooms.map(\.name))
            effects.append(.session(session, .deliver(line)))
        case .roomEmptied(let id):
            close(id, now: now, &effects)
        case .admitRefused(_, let session, let name):
            global.add(session, name, &effects)
            effects.append(.session(session, .moveRefused(.noSuchRoom, "that room just closed")))
        case .store(let reply):
            global.handle(reply, &effects)
        }
    }

    private mutating func create(_ name: Name, for session: SessionID, now: Instant, _ effects: inout [LobbyEffect]) {
        guard global.contains(session) else {
            return refuse(session, .notInGlobal, "rooms are created from global", &effects)
        }
        guard !name.isReservedForRooms, directory[name.key] == nil else {
            return refuse(session, .nameTaken, "a room named \(name) already exists", &effects)
        }
        // Every check is behind us: from here the step is whole.
        let account = global.release(session, &effects)
        let room = RoomRef(id: RoomID(nextRoom), name: name)
        nextRoom += 1
        directory[name.key] = room
        effects.append(.spawnRoom(room.id, name))
        effects.append(.room(room.id, .admit(session, account, created: true)))
        effects.append(.store(.audit(AuditRecord(.roomCreated, account: account, detail: name.text, at: now))))
        global.broadcast(.event(room: Name.global, text: "\(account) created \(name)"), except: nil, &effects)
    }

    private mutating func join(_ name: Name, for session: SessionID, _ effects: inout [LobbyEffect]) {
        guard global.contains(session) else {
            return refuse(session, .notInGlobal, "rooms are joined from global", &effects)
        }
        guard let room = directory[name.key] else {
            return refuse(session, .noSuchRoom, "no room named \(name); /chatrooms lists them", &effects)
        }
        let account = global.release(session, &effects)
        effects.append(.room(room.id, .admit(session, account, created: false)))
    }

    private mutating func close(_ id: RoomID, now: Instant, _ effects: inout [LobbyEffect]) {
        guard let entry = directory.first(where: { $0.value.id == id }) else { return }
        directory[entry.key] = nil
        // Last mail to the room: every admit the Lobby sent it is already ahead of this.
        effects.append(.room(id, .shutdown))
        effects.append(.store(.audit(AuditRecord(.roomClosed, account: nil, detail: entry.value.name.text, at: now))))
        global.broadcast(.event(room: Name.global, text: "\(entry.value.name) closed"), except: nil, &effects)
    }

    private func refuse(_ session: SessionID, _ code: ErrorCode, _ text: String, _ effects: inout [LobbyEffect]) {
        effects.append(.session(session, .moveRefused(code, text)))
    }
}
