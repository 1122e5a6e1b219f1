/// A temporary room: it is made by a create, lives while it has members, and is gone
/// when the last one leaves.
///
/// The life of a room: `open` while anyone is in it; when the last member leaves it
/// becomes `emptied` (tells the Lobby, turns away any join already on its way, sending
/// that session back to the Lobby); when the Lobby's `shutdown` arrives and the store
/// has answered everything asked of it, the room retires.
public struct Room: ChatActor, Hashable {
    public let ref: RoomRef
    private var roster: Roster
    private var state: State = .open

    enum State: Hashable, Sendable {
        case open
        case emptied
        case shuttingDown
        case retired
    }

    /// `historyLines`: messages a session gets on entering (0: none).
    public init(id: RoomID, name: Name, historyLines: Int) {
        self.ref = RoomRef(id: id, name: name)
        self.roster = Roster(room: ref, owner: .room(id), hasOwner: true, historyLines: historyLines)
    }

    // MARK: - What others may read

    public var members: [SessionID: Name] { roster.members }
    /// Who owns the room: its creator, then the member there longest. Nil once empty.
    public var owner: SessionID? { roster.roomOwner }
    /// Open to new members: not yet emptied.
    public var isOpen: Bool { state == .open }
    public var isRetired: Bool { state == .retired }
    public var hasPendingStores: Bool { roster.hasPendingStores }

    // MARK: - Mail

    public mutating func receive(_ message: RoomMessage, now: Instant, into effects: inout [RoomEffect]) {
        switch state {
        case .open, .emptied, .shuttingDown:
            break
        case .retired:
            preconditionFailure("\(ref.id) got mail after it retired: its shell stops at `.retire`")
        }
        switch message {
        case .admit(let session, let name, _):
            admit(session, name, &effects)
        case .member(let request):
            roster.handle(request, now: now, &effects)
            switch state {
            case .open where roster.isEmpty:
                state = .emptied
                effects.append(.lobby(.roomEmptied(ref.id)))
            case .open, .emptied, .shuttingDown, .retired:
                break  // Still has members, or already past its last.
            }
        case .shutdown:
            switch state {
            case .emptied: state = .shuttingDown
            case .open, .shuttingDown, .retired:
                preconditionFailure("the Lobby shuts a room down once, after it emptied")
            }
        case .store(let reply):
            roster.handle(reply, &effects)
        }
        if state == .shuttingDown, !roster.hasPendingStores {
            state = .retired
            effects.append(.retire)
        }
    }

    /// A session the Lobby sent here: a member while the room is open, sent back once it emptied.
    private mutating func admit(_ session: SessionID, _ name: Name, _ effects: inout [RoomEffect]) {
        switch state {
        case .open:
            roster.enter(session, name, greeting: .entered(ref), &effects)
        case .emptied, .shuttingDown:
            effects.append(.lobby(.admitRefused(ref.id, session, name)))
        case .retired:
            preconditionFailure("checked in receive")
        }
    }
}
