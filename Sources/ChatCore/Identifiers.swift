/// One connection and the Session actor that serves it. The shell assigns it at accept.
public struct SessionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: SessionID, rhs: SessionID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "s\(rawValue)" }
}

/// A live room. `global` is 0 and lives in the Lobby; the Lobby numbers the temporary rooms.
public struct RoomID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static let global = RoomID(0)
    public static func < (lhs: RoomID, rhs: RoomID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue == 0 ? "global" : "r\(rawValue)" }
}

/// Pairs a request with its reply. Unique per issuing actor, drawn from its own counter.
public struct Ticket: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "#\(rawValue)" }
}

/// A counter that hands out tickets; deterministic, so the simulator replays it exactly.
struct TicketCounter: Hashable, Sendable {
    private var next: UInt64 = 1
    mutating func take() -> Ticket {
        defer { next += 1 }
        return Ticket(next)
    }
}

/// A room as a session knows it: its id for addressing, its name for display.
public struct RoomRef: Hashable, Sendable, CustomStringConvertible {
    public let id: RoomID
    public let name: Name
    public init(id: RoomID, name: Name) {
        self.id = id
        self.name = name
    }
    public static let global = RoomRef(id: .global, name: Name.global)
    public var isGlobal: Bool { id == .global }
    public var description: String { name.text }
}
