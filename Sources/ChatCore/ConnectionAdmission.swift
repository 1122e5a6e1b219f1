/// Who may hold a connection, and at which stage: the caps that keep strangers from
/// turning connections into threads without limit. A connection is admitted when it is
/// accepted, then passes two stages before it is a member like any other:
///
/// - *handshaking*: its TLS handshake is under way, on a thread of its own (the costly
///   stage: a thread and its stack, OpenSSL's state, up to the handshake deadline);
/// - *stranger*: handshake done, not logged in yet (it parks like an idle member, but a
///   thread is started each time it stirs, and it may hold the hashing pool);
/// - *member*: logged in; only the per-address connection quota still counts it.
///
/// Each stage has a cap over the whole server and one per address key (`AddressKey`: an
/// IPv6 /64, an IPv4 address), loopback exempt from the per-address caps as it is from
/// the connection quota. A refused connection is closed at once, before its handshake.
public struct ConnectionAdmission: Sendable {
    public struct Caps: Hashable, Sendable {
        /// Connections one address key may hold at once, whatever their stage.
        public var connectionsPerAddress: Int
        public var handshakes: Int
        public var handshakesPerAddress: Int
        public var strangers: Int
        public var strangersPerAddress: Int
        public var exemptLoopback = true

        public init(
            connectionsPerAddress: Int, handshakes: Int, handshakesPerAddress: Int, strangers: Int,
            strangersPerAddress: Int, exemptLoopback: Bool = true
        ) {
            self.connectionsPerAddress = connectionsPerAddress
            self.handshakes = handshakes
            self.handshakesPerAddress = handshakesPerAddress
            self.strangers = strangers
            self.strangersPerAddress = strangersPerAddress
            self.exemptLoopback = exemptLoopback
        }
    }

    /// Why a connection was refused, in words for the log.
    public enum Refusal: String, Equatable, Sendable {
        case addressFull = "too many connections from this address"
        case handshakesFull = "too many TLS handshakes in progress"
        case addressHandshakesFull = "too many TLS handshakes from this address"
        case strangersFull = "too many connections not logged in"
        case addressStrangersFull = "too many connections not logged in from this address"
    }

    private enum Stage: Hashable, Sendable {
        case handshaking
        case stranger
        case member
    }

    private struct Entry: Sendable {
        let key: String
        var stage: Stage
    }

    public let caps: Caps
    private var connections: AddressQuota
    private var entries: [UInt64: Entry] = [:]
    private var handshakes = StageCount()
    private var strangers = StageCount()

    public init(caps: Caps) {
        precondition(caps.handshakes > 0 && caps.strangers > 0, "caps need room for one connection")
        precondition(caps.handshakesPerAddress > 0 && caps.strangersPerAddress > 0, "caps need room for one")
        self.caps = caps
        connections = AddressQuota(limit: caps.connectionsPerAddress, exemptLoopback: caps.exemptLoopback)
    }

    /// Handshakes under way now, all addresses together.
    public var handshaking: Int { handshakes.total }
    /// Connections past their handshake and not logged in, all addresses together.
    public var strangersWaiting: Int { strangers.total }

    /// Takes places for a connection just accepted from `host` (a handshake's and a
    /// stranger's), or says why not. `id` names it in the later calls.
    public mutating func admit(_ id: UInt64, host: String) -> Refusal? {
        precondition(entries[id] == nil, "a connection is admitted once")
        let key = AddressKey.of(host)
        let exempt = caps.exemptLoopback && AddressQuota.isLoopback(key)
        // The address's own caps first: a crowd from one place is told so, whatever the rest do.
        if !exempt, handshakes[key] >= caps.handshakesPerAddress { return .addressHandshakesFull }
        if !exempt, strangers[key] >= caps.strangersPerAddress { return .addressStrangersFull }
        if handshakes.total >= caps.handshakes { return .handshakesFull }
        if strangers.total >= caps.strangers { return .strangersFull }
        guard connections.admit(key) else { return .addressFull }
        handshakes.add(key, exempt: exempt)
        strangers.add(key, exempt: exempt)
        entries[id] = Entry(key: key, stage: .handshaking)
        return nil
    }

    /// The connection's handshake is over: it is a stranger until it logs in.
    public mutating func handshakeCompleted(_ id: UInt64) {
        guard var entry = entries[id] else { return }
        switch entry.stage {
        case .handshaking:
            handshakes.remove(entry.key)
            entry.stage = .stranger
            entries[id] = entry
        case .stranger, .member: break  // told twice: nothing more to give back
        }
    }

    /// The connection's session has logged in: it is a member.
    public mutating func loggedIn(_ id: UInt64) {
        guard var entry = entries[id] else { return }
        switch entry.stage {
        case .handshaking:
            handshakes.remove(entry.key)
            strangers.remove(entry.key)
        case .stranger:
            strangers.remove(entry.key)
        case .member:
            return  // logged in again on the same connection: already counted
        }
        entry.stage = .member
        entries[id] = entry
    }

    /// The connection has ended, at whatever stage: every place it held is free.
    public mutating func closed(_ id: UInt64) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        switch entry.stage {
        case .handshaking:
            handshakes.remove(entry.key)
            strangers.remove(entry.key)
        case .stranger:
            strangers.remove(entry.key)
        case .member: break  // only its connection place to give back
        }
        connections.release(entry.key)
    }
}

/// How many connections are at one stage: in all, and per address key (exempt ones count
/// in the total only).
private struct StageCount: Sendable {
    private(set) var total = 0
    private var perKey: [String: Int] = [:]

    subscript(key: String) -> Int { perKey[key, default: 0] }

    mutating func add(_ key: String, exempt: Bool) {
        total += 1
        if exempt { return }
        perKey[key, default: 0] += 1
    }

    mutating func remove(_ key: String) {
        precondition(total > 0, "a stage gives back only what it took")
        total -= 1
        guard let count = perKey[key] else { return }  // an exempt key: counted in the total only
        perKey[key] = count > 1 ? count - 1 : nil
    }
}
