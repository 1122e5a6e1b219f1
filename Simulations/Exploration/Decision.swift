import ChatCore

/// One choice a run made, named by what it does rather than by a number: "deliver the
/// next mail on lobby → c2.1", "client 2 types /join den". The list of decisions is the
/// run's choice stream: replaying it gives the same run, and shrinking edits it. Named
/// this way, a fixture survives small changes to the code; when a decision no longer
/// fits (no such mail is waiting), the fixture is stale and says so.
public enum Decision: Hashable, Sendable, CustomStringConvertible {
    /// A client opens a new connection.
    case connect(client: Int)
    /// A client types a line on its connection. `<password>` stands for the account's
    /// password and `<wrong-password>` for a wrong one: no fixture holds a password.
    case type(client: Int, line: String)
    /// A client hangs up; with `dropUnsent`, bytes it typed that the server has not read
    /// are lost (a disconnect in the middle of a line).
    case hangUp(client: Int, dropUnsent: Bool)
    /// A client stops reading its connection (a slow reader), or starts again.
    case stopReading(client: Int)
    case resumeReading(client: Int)
    /// The next mail on the lane from one actor to another is delivered.
    case deliver(from: Endpoint, to: Endpoint, kind: MailKind)
    /// The network hands this many of the client's bytes to the session.
    case receive(ConnectionName, bytes: Int)
    /// The session learns that its client hung up.
    case lose(ConnectionName)
    /// The client reads one line (or the close) from its connection.
    case read(ConnectionName)
    /// A wake the session asked for is due and fires.
    case tick(ConnectionName)
    /// The hashing pool finishes the job of this connection's login (jobs finish in any
    /// order) and answers the Gate. Named by connection, not by the Gate's ticket number,
    /// so that removing one login does not renumber every later job.
    case hash(ConnectionName)
    /// The simulated clock moves on.
    case advanceClock(milliseconds: Int)
    /// Every write to the store fails from now on, or succeeds again.
    case storeFailing(Bool)

    public var description: String {
        switch self {
        case .connect(let client): return "c\(client) connects"
        case .type(let client, let line): return "c\(client) types: \(line)"
        case .hangUp(let client, false): return "c\(client) hangs up"
        case .hangUp(let client, true): return "c\(client) hangs up, dropping unsent bytes"
        case .stopReading(let client): return "c\(client) stops reading"
        case .resumeReading(let client): return "c\(client) reads again"
        case .deliver(let from, let to, let kind): return "\(from) → \(to): \(kind.rawValue)"
        case .receive(let name, let bytes): return "net → \(name): \(bytes) bytes"
        case .lose(let name): return "net → \(name): hang-up"
        case .read(let name): return "\(name) → client: line"
        case .tick(let name): return "clock → \(name): tick"
        case .hash(let name): return "hasher → gate: \(name)"
        case .advanceClock(let ms): return "clock +\(ms) ms"
        case .storeFailing(true): return "store starts failing"
        case .storeFailing(false): return "store recovers"
        }
    }

    /// Reads back what `description` wrote; nil for anything else.
    public init?(parsing text: String) {
        if let parsed = Decision.parseClient(text) ?? Decision.parseLane(text) ?? Decision.parseWorld(text) {
            self = parsed
        } else {
            return nil
        }
    }

    private static func parseClient(_ text: String) -> Decision? {
        guard text.first == "c", let space = text.firstIndex(of: " "),
            let client = Int(text[text.index(after: text.startIndex)..<space])
        else { return nil }
        let rest = text[text.index(after: space)...]
        switch rest {
        case "connects": return .connect(client: client)
        case "hangs up": return .hangUp(client: client, dropUnsent: false)
        case "hangs up, dropping unsent bytes": return .hangUp(client: client, dropUnsent: true)
        case "stops reading": return .stopReading(client: client)
        case "reads again": return .resumeReading(client: client)
        default:
            guard rest.hasPrefix("types: ") else { return nil }
            return .type(client: client, line: String(rest.dropFirst("types: ".count)))
        }
    }

    private static func parseLane(_ text: String) -> Decision? {
        guard let arrow = text.firstRange(of: " → "), let colon = text[arrow.upperBound...].firstRange(of: ": ") else {
            return nil
        }
        let from = text[..<arrow.lowerBound], to = text[arrow.upperBound..<colon.lowerBound]
        let what = text[colon.upperBound...]
        switch (from, what) {
        case ("net", "hang-up"):
            return ConnectionName(parsing: to).map { .lose($0) }
        case ("net", _):
            guard what.hasSuffix(" bytes"), let count = Int(what.dropLast(" bytes".count)),
                let name = ConnectionName(parsing: to)
            else { return nil }
            return .receive(name, bytes: count)
        case ("clock", "tick"):
            return ConnectionName(parsing: to).map { .tick($0) }
        case ("hasher", _):
            guard to == "gate", let name = ConnectionName(parsing: what) else { return nil }
            return .hash(name)
        case (_, "line") where to == "client":
            return ConnectionName(parsing: from).map { .read($0) }
        default:
            guard let source = Endpoint(parsing: from), let target = Endpoint(parsing: to),
                let kind = MailKind(rawValue: String(what))
            else { return nil }
            return .deliver(from: source, to: target, kind: kind)
        }
    }

    private static func parseWorld(_ text: String) -> Decision? {
        switch text {
        case "store starts failing": return .storeFailing(true)
        case "store recovers": return .storeFailing(false)
        default:
            guard text.hasPrefix("clock +"), text.hasSuffix(" ms"),
                let ms = Int(text.dropFirst("clock +".count).dropLast(" ms".count))
            else { return nil }
            return .advanceClock(milliseconds: ms)
        }
    }

    /// The client this decision is about, if it is a client's own act.
    var client: Int? {
        switch self {
        case .connect(let client), .type(let client, _), .hangUp(let client, _),
            .stopReading(let client), .resumeReading(let client):
            return client
        default:
            return nil
        }
    }
}
