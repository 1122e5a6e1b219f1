import ChatCore
import ParleySimulation

// Broken IRC sessions that live only here: each wraps ChatCore's IRCSession and rewrites
// the IRC lines it writes into one bug of the IRC mapping.

/// An IRC session that rewrites the lines its inner IRCSession writes.
protocol RewritingIRCSession: SessionBehaviour {
    var inner: IRCSession { get set }
    init(inner: IRCSession)
    mutating func rewrite(_ effects: [SessionEffect]) -> [SessionEffect]
}

extension RewritingIRCSession {
    init(id: SessionID, address: String, limits: Limits, now: Instant) {
        self.init(inner: IRCSession(id: id, address: address, limits: limits, now: now))
    }

    var account: Name? { inner.account }
    var room: RoomRef? { inner.room }
    var isFinished: Bool { inner.isFinished }
    var isClosing: Bool { inner.isClosing }
    var pendingWake: Instant? { inner.pendingWake }

    mutating func opened(now: Instant) -> [SessionEffect] { rewrite(inner.opened(now: now)) }
    mutating func bytesReceived(_ bytes: ArraySlice<UInt8>, now: Instant) -> [SessionEffect] {
        rewrite(inner.bytesReceived(bytes, now: now))
    }
    mutating func tick(now: Instant) -> [SessionEffect] { rewrite(inner.tick(now: now)) }
    mutating func outputSent(bytes: Int) { inner.outputSent(bytes: bytes) }
    mutating func connectionLost(now: Instant) -> [SessionEffect] { rewrite(inner.connectionLost(now: now)) }
    mutating func receive(_ message: SessionMessage, now: Instant, into effects: inout [SessionEffect]) {
        var added: [SessionEffect] = []
        inner.receive(message, now: now, into: &added)
        effects += rewrite(added)
    }
}

/// Forgets the PART of the old channel when it moves the client to a new one: the client
/// is shown joining #den while it still thinks it is in #global.
struct PartlessIRCSession: RewritingIRCSession {
    var inner: IRCSession

    mutating func rewrite(_ effects: [SessionEffect]) -> [SessionEffect] {
        effects.filter { effect in
            guard case .writeIRC(let message) = effect, message.command == "PART" else { return true }
            return !effects.contains {
                if case .writeIRC(let next) = $0, next.command == "JOIN", next.source == message.source { return true }
                return false
            }
        }
    }
}

/// Renders a whisper it receives as a message to the channel the client is in.
struct ChannelWhisperIRCSession: RewritingIRCSession {
    var inner: IRCSession
    private var channel = "#global"

    init(inner: IRCSession) { self.inner = inner }

    mutating func rewrite(_ effects: [SessionEffect]) -> [SessionEffect] {
        effects.map { effect in
            guard case .writeIRC(var message) = effect else { return effect }
            let mine = inner.account.map { message.source?.hasPrefix("\($0.text)!") == true } ?? false
            if message.command == "JOIN", mine, let joined = message.parameters.first { channel = joined }
            if message.command == "PRIVMSG", !mine, message.parameters.first?.hasPrefix("#") == false {
                message.parameters[0] = channel
                return .writeIRC(message)
            }
            return effect
        }
    }
}

/// Answers every NAMES of a channel with the first list it gave for that channel.
struct StaleNamesIRCSession: RewritingIRCSession {
    var inner: IRCSession
    private var first: [String: String] = [:]

    init(inner: IRCSession) { self.inner = inner }

    mutating func rewrite(_ effects: [SessionEffect]) -> [SessionEffect] {
        effects.map { effect in
            guard case .writeIRC(var message) = effect, message.command == "353", message.parameters.count == 4 else {
                return effect
            }
            let channel = message.parameters[2]
            if let stale = first[channel] {
                message.parameters[3] = stale
                return .writeIRC(message)
            }
            first[channel] = message.parameters[3]
            return effect
        }
    }
}

enum PartlessIRCActors: ActorKit {
    typealias SessionActor = Session
    typealias IRCSessionActor = PartlessIRCSession
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

enum ChannelWhisperIRCActors: ActorKit {
    typealias SessionActor = Session
    typealias IRCSessionActor = ChannelWhisperIRCSession
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}

enum StaleNamesIRCActors: ActorKit {
    typealias SessionActor = Session
    typealias IRCSessionActor = StaleNamesIRCSession
    typealias GateActor = Gate
    typealias LobbyActor = Lobby
    typealias RoomActor = Room
}
