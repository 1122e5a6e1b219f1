/// How a line on the screen should look. The terminal layer maps styles to ANSI SGR
/// codes, or to nothing when colour is off.
public enum DisplayStyle: Equatable, Sendable {
    /// Someone's message in a room.
    case message
    /// Your own message, echoed by the server in the room's order.
    case ownMessage
    /// A whisper to you.
    case whisper
    /// Someone joined or left; a room was created or closed.
    case event
    /// The server says your command worked (`OK`), or a listing (`USERS`, `ROOMS`).
    case success
    /// The server says your command did not work (`ERR`).
    case error
    /// The server is closing the connection (`BYE`).
    case goodbye
    /// What you typed, echoed into the scrollback (passwords masked).
    case input
    /// Notes from the client itself.
    case note
    /// A line the client does not understand, shown as received (sanitised).
    case unknown
}

/// One line for a person: the text (free of control characters) and how it looks.
public struct DisplayLine: Equatable, Sendable {
    public let text: String
    public let style: DisplayStyle
    /// How many leading characters to emphasise (the `[room] name:` of a message).
    public let emphasis: Int

    public init(_ text: String, _ style: DisplayStyle, emphasis: Int = 0) {
        self.text = text
        self.style = style
        self.emphasis = emphasis
    }
}

/// Renders the server's protocol lines (docs/PROTOCOL.md) for a person.
public enum LineRenderer {
    /// `line` is one line from the server without its newline, possibly hostile: every
    /// field is sanitised before it is shown.
    public static func render(_ line: String, view: ChatView = ChatView()) -> DisplayLine {
        let clean = Sanitizer.clean(line)
        let (word, rest) = clean.splitWord()
        switch word {
        case "MSG":
            let (room, afterRoom) = rest.splitWord()
            let (from, text) = afterRoom.splitWord()
            guard !room.isEmpty, !from.isEmpty else { break }
            let head = "[\(room)] \(from):"
            let own = view.name.map { $0.lowercased() == from.lowercased() } ?? false
            return DisplayLine("\(head) \(text)", own ? .ownMessage : .message, emphasis: head.count)
        case "WHISPER":
            let (from, afterFrom) = rest.splitWord()
            let (to, text) = afterFrom.splitWord()
            guard !from.isEmpty, !to.isEmpty else { break }
            let head = "[whisper] \(from) -> you:"
            return DisplayLine("\(head) \(text)", .whisper, emphasis: head.count)
        case "EVENT":
            let (room, text) = rest.splitWord()
            guard !room.isEmpty else { break }
            let elsewhere = view.room.map { $0.lowercased() != room.lowercased() } ?? false
            return DisplayLine(elsewhere ? "* [\(room)] \(text)" : "* \(text)", .event)
        case "USERS":
            let (room, names) = rest.splitWord()
            guard !room.isEmpty else { break }
            return DisplayLine("users in \(room): \(names.words().joined(separator: ", "))", .success)
        case "ROOMS":
            return DisplayLine("rooms: \(rest.words().joined(separator: ", "))", .success)
        case "OK":
            return DisplayLine(rest, .success)
        case "ERR":
            let (code, text) = rest.splitWord()
            guard !code.isEmpty else { break }
            return DisplayLine(text.isEmpty ? "error: \(code)" : "error: \(text) (\(code))", .error)
        case "BYE":
            let (reason, text) = rest.splitWord()
            let detail = text.isEmpty ? reason : text
            let suffix = reason == "goodbye" || text.isEmpty ? "" : " (\(reason))"
            return DisplayLine("disconnected: \(detail)\(suffix)", .goodbye)
        default:
            break
        }
        return DisplayLine(clean, .unknown)
    }
}

/// What the client has learnt about its own session from the server's answers: who it is
/// and which room it is in. Used for the prompt and to tell your messages from others'.
/// Best effort: it reads the `OK` texts of docs/PROTOCOL.md, and a server that words them
/// differently only costs the prompt its room name.
public struct ChatView: Equatable, Sendable {
    public var name: String?
    public var room: String?

    public init(name: String? = nil, room: String? = nil) {
        self.name = name
        self.room = room
    }

    /// Updates what is known from one server line (raw, without its newline).
    public mutating func observe(_ line: String) {
        let clean = Sanitizer.clean(line)
        let (word, rest) = clean.splitWord()
        guard word == "OK" else { return }
        let words = rest.words()
        if rest.hasSuffix("; you are in global") {
            if words.first == "registered", words.count == 6 {
                name = String(words[1].dropLast())  // "registered alice; you are in global"
            } else if rest.hasPrefix("logged in as "), words.count == 8 {
                name = String(words[3].dropLast())  // "logged in as alice; you are in global"
            }
            room = "global"  // also "left lounge; you are in global"
        } else if words.first == "created", words.count == 6 {
            room = words[5]  // "created lounge; you are in lounge"
        } else if words.first == "joined", words.count == 2 {
            room = words[1]
        }
    }
}

/// Strips what must never reach a terminal from a server's text.
public enum Sanitizer {
    /// Replaces C0 controls, DEL, C1 controls and the bidirectional overrides with U+FFFD
    /// (so tampering shows), and a tab with a space. The server refuses such text already;
    /// this is defence in depth, so no server can move the cursor or rewrite the screen.
    public static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" {
                result.append(" ")
            } else if isUnsafe(scalar) {
                result.append("\u{FFFD}")
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// C0 (tab included, so it can be replaced), DEL, C1, and U+202A...U+202E, U+2066...U+2069
    /// (which reorder what follows them on screen).
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value)
            || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }
}

extension StringProtocol {
    /// The first space-separated word and the rest after one space.
    func splitWord() -> (String, String) {
        guard let space = firstIndex(of: " ") else { return (String(self), "") }
        return (String(self[..<space]), String(self[index(after: space)...]))
    }

    /// The words separated by spaces, without empty ones.
    func words() -> [String] {
        split(whereSeparator: { $0 == " " }).map { String($0) }
    }
}
