import ChatCore

/// The actor serving one simulated connection: a Parley session, or an IRC session for a
/// client that speaks IRC. Both are ChatCore's actors as production runs them (or a
/// planted variant); the world forwards every event to whichever the client's protocol
/// chose when it connected. Exactly one of the two is set. Two optionals rather than an
/// enum: an event mutates the actor in place through the optional, where an enum's payload
/// would be copied out and back on every event and every read (twice the run time).
struct SimulatedSession<Parley: SessionBehaviour, IRC: SessionBehaviour>: SessionBehaviour {
    private var parley: Parley?
    private var irc: IRC?

    /// The world opens each connection with the protocol its client speaks.
    init(id: SessionID, address: String, limits: Limits, now: Instant, speaksIRC: Bool) {
        if speaksIRC {
            irc = IRC(id: id, address: address, limits: limits, now: now)
        } else {
            parley = Parley(id: id, address: address, limits: limits, now: now)
        }
    }

    init(id: SessionID, address: String, limits: Limits, now: Instant) {
        parley = Parley(id: id, address: address, limits: limits, now: now)
    }

    var speaksIRC: Bool { irc != nil }

    mutating func opened(now: Instant) -> [SessionEffect] {
        parley != nil ? parley!.opened(now: now) : irc!.opened(now: now)
    }

    mutating func bytesReceived(_ bytes: ArraySlice<UInt8>, now: Instant) -> [SessionEffect] {
        parley != nil ? parley!.bytesReceived(bytes, now: now) : irc!.bytesReceived(bytes, now: now)
    }

    mutating func tick(now: Instant) -> [SessionEffect] {
        parley != nil ? parley!.tick(now: now) : irc!.tick(now: now)
    }

    mutating func outputSent(bytes: Int) {
        if parley != nil { parley!.outputSent(bytes: bytes) } else { irc!.outputSent(bytes: bytes) }
    }

    mutating func connectionLost(now: Instant) -> [SessionEffect] {
        parley != nil ? parley!.connectionLost(now: now) : irc!.connectionLost(now: now)
    }

    mutating func receive(_ message: SessionMessage, now: Instant, into outputs: inout [SessionEffect]) {
        if parley != nil {
            parley!.receive(message, now: now, into: &outputs)
        } else {
            irc!.receive(message, now: now, into: &outputs)
        }
    }

    var pendingWake: Instant? { parley != nil ? parley!.pendingWake : irc!.pendingWake }
    var account: Name? { parley != nil ? parley!.account : irc!.account }
    var room: RoomRef? { parley != nil ? parley!.room : irc!.room }
    var isFinished: Bool { parley != nil ? parley!.isFinished : irc!.isFinished }
    var isClosing: Bool { parley != nil ? parley!.isClosing : irc!.isClosing }
}
