import ChatCore

/// One connection of a client, as the client sees it: what it sent, what it read.
struct ClientConnection {
    let name: String  // "c2.1"
    let stream: PipeStream
    /// Bytes typed and not yet sent, and where each typed line ends in them.
    var unsent: [UInt8] = []
    var lineEnds: [Int] = []  // offsets into `unsent` just past each newline
    var typedLines: [String] = []  // as typed (placeholders), waiting to be fully sent
    /// Lines fully sent, in order (as typed, placeholders kept).
    var sent: [String] = []
    /// Bytes read and not yet a whole line.
    var partial: [UInt8] = []
    var owed = 0
    var answered = 0
    /// The client hung up, read a BYE, or saw the end of the stream.
    var closing = false
    var hungUp = false
    var sawBye: ByeReason?
    var sawEnd = false
    /// Where it believes it is, and since when (the checker's tick).
    var account: String?
    var room: String?
    var enteredAt = 0
    /// When it began leaving its room (typed a move, hung up, read a BYE).
    var leavingSince: Int?
    /// Per room: the store's row id of the last message read there.
    var lastRow: [String: Int64] = [:]
    /// Tags read here, live or in a history.
    var read: Set<String> = []
    /// Tags read here live: a live line comes once a connection.
    var liveRead: Set<String> = []
    /// Tags read in the room since this connection last entered it, live or in its
    /// history: once per visit (a history read on coming back repeats what was seen).
    var visitRead: Set<String> = []
    /// Lines read, for the timeline and reports.
    var linesRead = 0

    var outstanding: Int { owed - answered }
    var isOpen: Bool { !closing && !hungUp && !sawEnd }
}

/// A client: a person with an account, connecting one or more times.
struct ShellClient {
    let number: Int
    var connections: [ClientConnection] = []
    var current: Int?  // index into connections
    var reading = true
    var linesTyped = 0
    var nextText = 1
    /// The account it uses.
    let account: String
    var registered = false

    var connection: ClientConnection? { current.map { connections[$0] } }
}

enum LineKind {
    case command(moves: Bool)
    case quit
    case text(tag: String)
    case whisper(tag: String, to: String)

    init(_ line: String) {
        if line == "/quit" {
            self = .quit
            return
        }
        if line.hasPrefix("/whisper "), case let words = line.split(separator: " ", maxSplits: 2), words.count == 3 {
            self = .whisper(tag: String(words[2]), to: words[1].lowercased())
            return
        }
        if line.hasPrefix("/") {
            let moves = ["/join", "/leave", "/createchatroom", "/create", "/login", "/register"].contains {
                line.hasPrefix($0 + " ") || line == $0
            }
            self = .command(moves: moves)
            return
        }
        self = .text(tag: line)
    }
}

/// A tagged text: `m3.7` (client 3's seventh text to a room) or `w3.8` (a whisper).
struct TextTag {
    let whisper: Bool
    let client: Int
    let number: Int

    init?(_ text: String) {
        guard let first = text.first, first == "m" || first == "w" else { return nil }
        let parts = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let client = Int(parts[0]), let number = Int(parts[1]) else { return nil }
        self.whisper = first == "w"
        self.client = client
        self.number = number
    }
}
