/// One choice of a shell run, named by what it does: which thread runs next (by its role,
/// never by a creation index), or what a client does, or the clock, the store, shutdown.
/// A fixture is a list of these in words; replaying them gives the same run.
public enum ShellDecision: Equatable, Sendable, CustomStringConvertible {
    /// One slice of a thread: from its last platform call to its next.
    case run(String)
    case connect(client: Int)
    /// The client queues a line (sent by `send`).
    case type(client: Int, line: String)
    /// The client sends up to this many of its queued bytes (Int.max: all that fit).
    case send(client: Int, bytes: Int)
    /// The client reads what the server wrote (Int.max: all of it).
    case read(client: Int, bytes: Int)
    case stopReading(client: Int)
    case resumeReading(client: Int)
    case hangUp(client: Int, dropUnsent: Bool)
    case advanceClock(milliseconds: Int)
    case storeFailing(Bool)
    case shutdown

    public var description: String {
        switch self {
        case .run(let thread): return "run \(thread)"
        case .connect(let c): return "c\(c) connects"
        case .type(let c, let line): return "c\(c) types: \(line)"
        case .send(let c, let n): return n == Int.max ? "c\(c) sends all" : "c\(c) sends \(n) bytes"
        case .read(let c, let n): return n == Int.max ? "c\(c) reads" : "c\(c) reads \(n) bytes"
        case .stopReading(let c): return "c\(c) stops reading"
        case .resumeReading(let c): return "c\(c) reads again"
        case .hangUp(let c, let drop): return drop ? "c\(c) hangs up, dropping unsent bytes" : "c\(c) hangs up"
        case .advanceClock(let ms): return "clock +\(ms) ms"
        case .storeFailing(let on): return on ? "store starts failing" : "store recovers"
        case .shutdown: return "shutdown begins"
        }
    }

    public init?(parsing text: String) {
        if text.hasPrefix("run ") {
            self = .run(String(text.dropFirst(4)))
            return
        }
        switch text {
        case "store starts failing":
            self = .storeFailing(true)
            return
        case "store recovers":
            self = .storeFailing(false)
            return
        case "shutdown begins":
            self = .shutdown
            return
        default: break
        }
        if text.hasPrefix("clock +"), text.hasSuffix(" ms"), let ms = Int(text.dropFirst(7).dropLast(3)) {
            self = .advanceClock(milliseconds: ms)
            return
        }
        guard text.hasPrefix("c"), let space = text.firstIndex(of: " "),
            let c = Int(text[text.index(after: text.startIndex)..<space])
        else {
            return nil
        }
        let rest = String(text[text.index(after: space)...])
        if rest.hasPrefix("types: ") {
            self = .type(client: c, line: String(rest.dropFirst(7)))
            return
        }
        switch rest {
        case "connects": self = .connect(client: c)
        case "sends all": self = .send(client: c, bytes: Int.max)
        case "reads": self = .read(client: c, bytes: Int.max)
        case "stops reading": self = .stopReading(client: c)
        case "reads again": self = .resumeReading(client: c)
        case "hangs up": self = .hangUp(client: c, dropUnsent: false)
        case "hangs up, dropping unsent bytes": self = .hangUp(client: c, dropUnsent: true)
        default:
            let words = rest.split(separator: " ")
            guard words.count == 3, words[2] == "bytes", let n = Int(words[1]) else { return nil }
            switch words[0] {
            case "sends": self = .send(client: c, bytes: n)
            case "reads": self = .read(client: c, bytes: n)
            default: return nil
            }
        }
    }

    /// The client it concerns, if any.
    var client: Int? {
        switch self {
        case .connect(let c), .type(let c, _), .send(let c, _), .read(let c, _), .stopReading(let c),
            .resumeReading(let c),
            .hangUp(let c, _):
            return c
        case .run, .advanceClock, .storeFailing, .shutdown:
            return nil
        }
    }
}
