/// A temporary room: it is made by a create, lives while it has members, and is gone
/// when the last one leaves.
///
/// The life of a room: `open` while anyone is in it; when the last member leaves it
/// becomes `emptied` (tells the Lobby, turns away any join already on its way, sending
/// that session back to the Lobby); when the Lobby's `shutdown` arrives and the store
/// has answered everything asked of it, the room retires.
public struct Room: Sendable {
    public let ref: RoomRef
    private var roster: Roster
    private var state: State = .open

    enum State: Equatable, Sendable {
        case open
        case emptied
        case shuttingDown
        case retired
    }

    public init(id: RoomID, name: Name) {
        self.ref = RoomRef(id: id, name: name)
        self.roster = Roster(room: ref, owner: .room(id))
    }

    // MARK: - What others may read

    public var members: [SessionID: Name] { roster.members }
    /// Open to new members: not yet emptied.
    public var isOpen: Bool { state == .open }
    public var isRetired: Bool { state == .retired }
    public var hasPendingStores: Bool { roster.hasPendingStores }

    // MARK: - Mail

    public mutating func receive(_ message: RoomMessage, now: Instant) -> [Effect] {
        var effects: [Effect] = []
        switch message {
        case .admit(let session, let name, _) where state == .open:
            roster.add(session, name, &effects)
            effects.append(.send(.session(session, .entered(ref))))
        case .admit(let session, let name, _):
            effects.append(.send(.lobby(.admitRefused(ref.id, session, name))))
        case .member(let request):
            roster.handle(request, now: now, &effects)
            if state == .open, roster.isEmpty {
                state = .emptied
                effects.append(.send(.lobby(.roomEmptied(ref.id))))
            }
        case .shutdown:
            state = .shuttingDown
        case .store(let reply):
            roster.handle(reply, &effects)
        }
        if state == .shuttingDown, !roster.hasPendingStores {
            state = .retired
            effects.append(.retireRoom(ref.id))
        }
        return effects
    }
}
