/// The server-wide budget for output that readers have not taken: every connection's
/// unsent bytes added up. When the total passes the limit, the slowest readers are closed
/// first (`BYE slow-reader`) until it is back under: the one with the largest backlog, and
/// of equal backlogs the one that has had unsent bytes the longest.
///
/// A pure decision: the shell tells it what each connection queued and what the peer took,
/// and carries out the closes it answers. A connection it closes no longer counts (the
/// shell drops its backlog but the goodbye), so one close is never answered twice and a
/// slow reader's leftover never closes another.
public struct OutputBudget: Sendable, Equatable {
    /// What the shell must do.
    public enum Output: Equatable, Sendable {
        /// Close this connection as a slow reader.
        case close(SessionID)
    }

    /// One connection's standing with the budget.
    private enum Reader: Equatable, Sendable {
        /// Has this many unsent bytes, unsent since that instant.
        case behind(bytes: Int, since: Instant)
        /// Closed for the budget; what it still reports is not counted.
        case closed
    }

    /// Unsent bytes past which the slowest readers are closed.
    public let limit: Int
    /// Readers with unsent bytes, and those closed for the budget until they end.
    private var readers: [SessionID: Reader] = [:]
    /// Unsent bytes of the readers still counted.
    public private(set) var total = 0

    public init(limit: Int) {
        precondition(limit > 0, "an output budget needs a positive limit")
        self.limit = limit
    }

    /// The connection queued `bytes` more for its peer.
    public mutating func queued(_ bytes: Int, for session: SessionID, now: Instant, into outputs: inout [Output]) {
        precondition(bytes >= 0, "queued a negative number of bytes")
        guard bytes > 0 else { return }
        switch readers[session] {
        case .closed: return
        case .behind(let held, let since): readers[session] = .behind(bytes: held + bytes, since: since)
        case nil: readers[session] = .behind(bytes: bytes, since: now)
        }
        total += bytes
        while total > limit, let slowest = slowestReader() {
            close(slowest, &outputs)
        }
    }

    /// The connection's peer took `bytes` of what was queued.
    public mutating func written(_ bytes: Int, by session: SessionID) {
        guard case .behind(let held, let since) = readers[session] else { return }
        let taken = min(bytes, held)
        total -= taken
        readers[session] = held == taken ? nil : .behind(bytes: held - taken, since: since)
    }

    /// The connection is over: it is forgotten, whatever it had unsent.
    public mutating func ended(_ session: SessionID) {
        if case .behind(let held, _) = readers[session] { total -= held }
        readers[session] = nil
    }

    /// Unsent bytes the budget counts for a connection (0 for one closed for the budget).
    public func backlog(of session: SessionID) -> Int {
        switch readers[session] {
        case .behind(let bytes, _): bytes
        case .closed, nil: 0
        }
    }

    /// Whether the budget has closed this connection.
    public func hasClosed(_ session: SessionID) -> Bool { readers[session] == .closed }

    /// The largest backlog; of equal ones the oldest, then the lowest id (a total order,
    /// so two runs of one seed choose alike).
    private func slowestReader() -> SessionID? {
        var best: (id: SessionID, bytes: Int, since: Instant)?
        for (id, reader) in readers {
            guard case .behind(let bytes, let since) = reader else { continue }
            if let current = best {
                let slower =
                    bytes != current.bytes
                    ? bytes > current.bytes : since != current.since ? since < current.since : id < current.id
                if !slower { continue }
            }
            best = (id, bytes, since)
        }
        return best?.id
    }

    private mutating func close(_ session: SessionID, _ outputs: inout [Output]) {
        guard case .behind(let held, _) = readers[session] else {
            preconditionFailure("closing a reader that is not behind")
        }
        total -= held
        readers[session] = .closed
        outputs.append(.close(session))
    }
}
