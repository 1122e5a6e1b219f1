import ChatCore

/// How a line on the screen should look. The terminal layer maps styles to ANSI SGR
/// codes, or to nothing when colour is off.
public enum DisplayStyle: Equatable, Sendable {
    /// Someone's message in a room.
    case message
    /// Your own message, echoed by the server in the room's order.
    case ownMessage
    /// A whisper to you.
    case whisper
    /// Someone joined, left or quit; a room was created or closed.
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
    /// A message from a room's past (`HISTORY`), or the end of it: dimmed, with its time.
    case history
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
    /// `line` is one line from the server without its newline, possibly hostile: it is
    /// read with `ServerLine(parsing:)` (names are well formed by then) and every text is
    /// sanitised before it is shown; a line that does not parse is shown sanitised, as is.
    public static func render(_ line: String, view: ChatView = ChatView()) -> DisplayLine {
        guard let parsed = ServerLine(parsing: line) else { return DisplayLine(Sanitizer.clean(line), .unknown) }
        switch parsed {
        case .message(let room, let from, let text):
            let head = "[\(room)] \(from):"
            let own = view.name.flatMap { Name($0) } == from
            return DisplayLine("\(head) \(Sanitizer.clean(text))", own ? .ownMessage : .message, emphasis: head.count)
        case .action(let room, let from, let text):
            let head = "[\(room)] * \(from)"
            let own = view.name.flatMap { Name($0) } == from
            return DisplayLine("\(head) \(Sanitizer.clean(text))", own ? .ownMessage : .message, emphasis: head.count)
        case .whisper(let from, _, let text):
            let head = "[whisper] \(from) -> you:"
            return DisplayLine("\(head) \(Sanitizer.clean(text))", .whisper, emphasis: head.count)
        case .event(let room, let text):
            let elsewhere = view.room.map { Name($0) != room } ?? false
            let text = Sanitizer.clean(text)
            return DisplayLine(elsewhere ? "* [\(room)] \(text)" : "* \(text)", .event)
        case .users(let room, let names):
            return DisplayLine("users in \(room): \(names.map(\.text).joined(separator: ", "))", .success)
        case .rooms(let names):
            return DisplayLine("rooms: \(names.map(\.text).joined(separator: ", "))", .success)
        case .ok(let outcome):
            return DisplayLine(Sanitizer.clean(outcome.text), .success)
        case .error(let code, let text):
            let text = Sanitizer.clean(text)
            return DisplayLine(text.isEmpty ? "error: \(code.rawValue)" : "error: \(text) (\(code.rawValue))", .error)
        case .history(let room, let at, let from, let text):
            // `2026-12-02 03:04:05 [global] alice: hi`: the stored time in UTC, to the second.
            let time = String(at.description.prefix(19).map { $0 == "T" ? " " : $0 })
            return DisplayLine("\(time) [\(room)] \(from): \(Sanitizer.clean(text))", .history)
        case .historyEnd(let room):
            return DisplayLine("--- end of \(room)'s history; live from here ---", .history)
        case .bye(let reason, let text):
            let text = Sanitizer.clean(text)
            let detail = text.isEmpty ? reason.rawValue : text
            let suffix = reason == .goodbye || text.isEmpty ? "" : " (\(reason.rawValue))"
            return DisplayLine("disconnected: \(detail)\(suffix)", .goodbye)
        }
    }
}

/// What the client has learnt about its own session from the server's answers: who it is
/// and which room it is in. Used for the prompt and to tell your messages from others'.
/// It reads the typed `OK` outcomes (`ServerLine.Outcome`), never their wording.
public struct ChatView: Equatable, Sendable {
    public var name: String?
    public var room: String?

    public init(name: String? = nil, room: String? = nil) {
        self.name = name
        self.room = room
    }

    /// Updates what is known from one server line (raw, without its newline).
    public mutating func observe(_ line: String) {
        let parsed = ServerLine(parsing: line)
        // A kick out of a temporary room sends the user back to global with no OK.
        if case .event(_, let text)? = parsed, text.hasPrefix("you were kicked from "),
            text.hasSuffix("; you are in global")
        {
            room = Name.global.text
        }
        guard case .ok(let outcome)? = parsed else { return }
        switch outcome {
        case .registered(let account), .loggedIn(let account):
            name = account.text
            room = Name.global.text
        case .returnedToGlobal:
            room = Name.global.text
        case .created(let joined), .joined(let joined):
            room = joined.text
        case .whisperSent, .help, .kicked, .banned, .unbanned, .passwordChanged, .history:
            break
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
