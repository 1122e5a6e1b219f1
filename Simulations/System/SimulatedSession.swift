import ChatCore

/// The actor serving one simulated connection: a Parley session, or an IRC session for a
/// client that speaks IRC. Both are ChatCore's actors as production runs them (or a
/// planted variant); the world forwards every event to whichever the client's protocol
/// chose when it connected.
enum SimulatedSession<Parley: SessionBehaviour, IRC: SessionBehaviour>: SessionBehaviour {
    case parley(Parley)
    case irc(IRC)
    /// Only while an event is forwarded: the actor is moved out so that it is mutated in
    /// place (its arrays uniquely referenced), not copied.
    case forwarding

    /// The world opens each connection with the protocol its client speaks.
    init(id: SessionID, address: String, limits: Limits, now: Instant, speaksIRC: Bool) {
        self =
            speaksIRC
            ? .irc(IRC(id: id, address: address, limits: limits, now: now))
            : .parley(Parley(id: id, address: address, limits: limits, now: now))
    }

    init(id: SessionID, address: String, limits: Limits, now: Instant) {
        self = .parley(Parley(id: id, address: address, limits: limits, now: now))
    }

    var speaksIRC: Bool {
        if case .irc = self { return true }
        return false
    }

    private mutating func forward<T>(_ parley: (inout Parley) -> T, _ irc: (inout IRC) -> T) -> T {
        switch self {
        case .parley(var actor):
            self = .forwarding
            defer { self = .parley(actor) }
            return parley(&actor)
        case .irc(var actor):
            self = .forwarding
            defer { self = .irc(actor) }
            return irc(&actor)
        case .forwarding:
            preconditionFailure("an event reached a session while another was being forwarded")
        }
    }

    private func read<T>(_ parley: (Parley) -> T, _ irc: (IRC) -> T) -> T {
        switch self {
        case .parley(let actor): return parley(actor)
        case .irc(let actor): return irc(actor)
        case .forwarding: preconditionFailure("a session was read while an event was being forwarded")
        }
    }

    mutating func opened(now: Instant) -> [SessionEffect] {
        forward({ $0.opened(now: now) }, { $0.opened(now: now) })
    }

    mutating func bytesReceived(_ bytes: ArraySlice<UInt8>, now: Instant) -> [SessionEffect] {
        forward({ $0.bytesReceived(bytes, now: now) }, { $0.bytesReceived(bytes, now: now) })
    }

    mutating func tick(now: Instant) -> [SessionEffect] {
        forward({ $0.tick(now: now) }, { $0.tick(now: now) })
    }

    mutating func outputSent(bytes: Int) {
        forward({ $0.outputSent(bytes: bytes) }, { $0.outputSent(bytes: bytes) })
    }

    mutating func connectionLost(now: Instant) -> [SessionEffect] {
        forward({ $0.connectionLost(now: now) }, { $0.connectionLost(now: now) })
    }

    mutating func receive(_ message: SessionMessage, now: Instant, into outputs: inout [SessionEffect]) {
        switch self {
        case .parley(var actor):
            self = .forwarding
            actor.receive(message, now: now, into: &outputs)
            self = .parley(actor)
        case .irc(var actor):
            self = .forwarding
            actor.receive(message, now: now, into: &outputs)
            self = .irc(actor)
        case .forwarding:
            preconditionFailure("an event reached a session while another was being forwarded")
        }
    }

    var pendingWake: Instant? { read({ $0.pendingWake }, { $0.pendingWake }) }
    var account: Name? { read({ $0.account }, { $0.account }) }
    var room: RoomRef? { read({ $0.room }, { $0.room }) }
    var isFinished: Bool { read({ $0.isFinished }, { $0.isFinished }) }
    var isClosing: Bool { read({ $0.isClosing }, { $0.isClosing }) }
}
