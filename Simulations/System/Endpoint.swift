import ChatCore

/// One connection as the simulator names it: the client that opened it and which of
/// that client's connections it is ("c2.1" is client 2's first). Names, not session
/// numbers, so that a decision still means the same connection when a shrink removes
/// another client's connections before it.
public struct ConnectionName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let client: Int
    public let number: Int

    public init(client: Int, number: Int) {
        self.client = client
        self.number = number
    }

    public var description: String { "c\(client).\(number)" }

    public static func < (lhs: ConnectionName, rhs: ConnectionName) -> Bool {
        (lhs.client, lhs.number) < (rhs.client, rhs.number)
    }

    /// Parses "c2.1".
    public init?(parsing text: Substring) {
        guard text.first == "c" else { return nil }
        let parts = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let client = Int(parts[0]), let number = Int(parts[1]),
            client > 0, number > 0
        else { return nil }
        self.init(client: client, number: number)
    }
}

/// An actor at one end of a mail lane.
public enum Endpoint: Hashable, Sendable, CustomStringConvertible {
    case session(ConnectionName)
    case gate
    case lobby
    case room(RoomID)
    case store

    public var description: String {
        switch self {
        case .session(let name): return name.description
        case .gate: return "gate"
        case .lobby: return "lobby"
        case .room(let id): return id.description
        case .store: return "store"
        }
    }

    /// Parses what `description` prints.
    public init?(parsing text: Substring) {
        switch text {
        case "gate": self = .gate
        case "lobby": self = .lobby
        case "store": self = .store
        default:
            if text.first == "r", let raw = UInt64(text.dropFirst()), raw > 0 {
                self = .room(RoomID(raw))
            } else if let name = ConnectionName(parsing: text) {
                self = .session(name)
            } else {
                return nil
            }
        }
    }
}
