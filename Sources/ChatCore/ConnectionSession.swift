/// What a shell drives for one connection, whichever protocol the client speaks: Parley's
/// own `Session`, or an `IRCSession` (which wraps one, so the rules stay in one place).
/// The same events in, `SessionEffect`s out, one timer (`pendingWake`).
public protocol ConnectionSession: ChatActor where Message == SessionMessage, Output == SessionEffect {
    var id: SessionID { get }
    /// The account held, once logged in and until logged out.
    var account: Name? { get }
    /// The room the session is settled in, if any.
    var room: RoomRef? { get }
    var isFinished: Bool { get }
    var isClosing: Bool { get }
    var pendingWake: Instant? { get }

    mutating func opened(now: Instant) -> [SessionEffect]
    /// Bytes arrived from the client, as the shell reads them (see `LineFramer.append`).
    mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, now: Instant) -> [SessionEffect]
    mutating func tick(now: Instant) -> [SessionEffect]
    mutating func outputSent(bytes: Int)
    mutating func connectionLost(now: Instant) -> [SessionEffect]
    mutating func shutdown(now: Instant) -> [SessionEffect]
    /// The server-wide output budget is spent and this connection is among its slowest
    /// readers (`OutputBudget`): it says `BYE slow-reader` and unwinds.
    mutating func outputBudgetSpent(now: Instant) -> [SessionEffect]
    mutating func receive(_ message: SessionMessage, now: Instant, into effects: inout [SessionEffect])
}

extension ConnectionSession {
    /// Bytes arrived from the client, from a collection of another kind (the simulator,
    /// tests, an IRC session feeding its inner one): in place when they are contiguous,
    /// else copied once.
    public mutating func bytesReceived(_ bytes: some Collection<UInt8>, now: Instant) -> [SessionEffect] {
        if let effects = bytes.withContiguousStorageIfAvailable({ bytesReceived(UnsafeRawBufferPointer($0), now: now) })
        {
            return effects
        }
        return Array(bytes).withUnsafeBytes { bytesReceived($0, now: now) }
    }
}

extension Session: ConnectionSession {}
