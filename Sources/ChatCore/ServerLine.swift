/// Why a command did not work: the one word after `ERR`.
public enum ErrorCode: String, Hashable, Sendable, CaseIterable {
    case badCommand = "bad-command"
    case badName = "bad-name"
    case badPassword = "bad-password"
    case badText = "bad-text"
    case badEncoding = "bad-encoding"
    case nameTaken = "name-taken"
    case wrongCredentials = "wrong-credentials"
    case alreadyLoggedIn = "already-logged-in"
    case notLoggedIn = "not-logged-in"
    case notInGlobal = "not-in-global"
    case noSuchRoom = "no-such-room"
    case noSuchUser = "no-such-user"
    case lineTooLong = "line-too-long"
    case rateLimited = "rate-limited"
    case serverBusy = "server-busy"
    case storeFailed = "store-failed"
    case superseded = "superseded"
    case banned = "banned"
    /// `/kick` in a temporary room by someone who neither owns it nor is an operator.
    case notOwner = "not-owner"
    /// `/ban`, `/unban`, or `/kick` in `global`, by someone who is not an operator.
    case notOperator = "not-operator"
}

/// Why the server closes a connection: the word after `BYE`.
public enum ByeReason: String, Hashable, Sendable, CaseIterable {
    case goodbye
    case replaced
    case flood
    case slowReader = "slow-reader"
    case lineTooLong = "line-too-long"
    case loginTimeout = "login-timeout"
    case shutdown
    case kicked
    case banned
}

/// One line from the server to a client, as typed data. `rendered` is the wire form;
/// `ServerLine(parsing:)` (ServerLine+Parsing.swift) reads it back.
public enum ServerLine: Hashable, Sendable {
    case ok(Outcome)
    case error(ErrorCode, String)
    // The room-wide lines are boxed: a fan-out copies a line several times per member
    // (the effect, the session's mail, its write), and a boxed payload is one reference
    // to count instead of five strings.
    indirect case message(room: Name, from: Name, text: String)
    /// A `/me` line: `from` does `text` in the room.
    indirect case action(room: Name, from: Name, text: String)
    case whisper(from: Name, to: Name, text: String)
    indirect case event(room: Name, text: String)
    case users(room: Name, names: [Name])
    case rooms([Name])
    case bye(ByeReason, String)
    /// A message from the room's past, with the time the store kept it: never a live one.
    case history(room: Name, at: StoredTime, from: Name, text: String)
    /// The end of a room's history: what follows from that room is live.
    case historyEnd(room: Name)

    /// The line as sent, ending in a newline.
    public var rendered: String {
        var bytes: [UInt8] = []
        render(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the line as sent, newline included, to a connection's output buffer:
    /// the fan-out path, so no intermediate string is built.
    public func render(into bytes: inout [UInt8]) {
        switch self {
        case .ok(let outcome):
            bytes.append(contentsOf: "OK ".utf8)
            outcome.render(into: &bytes)
        case .error(let code, let text):
            ServerLine.words("ERR", code.rawValue, text, into: &bytes)
        case .message(let room, let from, let text):
            ServerLine.words("MSG", room.text, from.text, text, into: &bytes)
        case .action(let room, let from, let text):
            ServerLine.words("ACTION", room.text, from.text, text, into: &bytes)
        case .whisper(let from, let to, let text):
            ServerLine.words("WHISPER", from.text, to.text, text, into: &bytes)
        case .event(let room, let text):
            ServerLine.words("EVENT", room.text, text, into: &bytes)
        case .users(let room, let names):
            ServerLine.words("USERS", room.text, into: &bytes)
            for name in names { ServerLine.words("", name.text, into: &bytes) }
        case .rooms(let names):
            bytes.append(contentsOf: "ROOMS".utf8)
            for name in names { ServerLine.words("", name.text, into: &bytes) }
        case .bye(let reason, let text):
            ServerLine.words("BYE", reason.rawValue, text, into: &bytes)
        case .history(let room, let at, let from, let text):
            ServerLine.words("HISTORY", room.text, at.description, from.text, into: &bytes)
            ServerLine.words("", text, into: &bytes)
        case .historyEnd(let room):
            ServerLine.words("HISTORY-END", room.text, into: &bytes)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Words joined by single spaces. Variadic over `String`s would build an array per
    /// line; this is the fan-out path, so each shape is spelled out.
    private static func words(_ first: String, _ second: String, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: first.utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: second.utf8)
    }

    private static func words(_ first: String, _ second: String, _ third: String, into bytes: inout [UInt8]) {
        words(first, second, into: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: third.utf8)
    }

    private static func words(
        _ first: String, _ second: String, _ third: String, _ fourth: String,
        into bytes: inout [UInt8]
    ) {
        words(first, second, third, into: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: fourth.utf8)
    }

    /// Bytes on the wire (before TLS): what the outbound queue's bound counts.
    public var wireSize: Int {
        switch self {
        case .ok(let outcome):
            return 4 + outcome.wireSize
        case .error(let code, let text):
            return 6 + code.rawValue.utf8.count + text.utf8.count
        case .message(let room, let from, let text):
            return 7 + room.text.utf8.count + from.text.utf8.count + text.utf8.count
        case .action(let room, let from, let text):
            return 10 + room.text.utf8.count + from.text.utf8.count + text.utf8.count
        case .whisper(let from, let to, let text):
            return 11 + from.text.utf8.count + to.text.utf8.count + text.utf8.count
        case .event(let room, let text):
            return 8 + room.text.utf8.count + text.utf8.count
        case .bye(let reason, let text):
            return 6 + reason.rawValue.utf8.count + text.utf8.count
        case .history(let room, _, let from, let text):
            // "HISTORY " + room + " " + 24-character time + " " + from + " " + text + "\n"
            return 36 + room.text.utf8.count + from.text.utf8.count + text.utf8.count
        case .historyEnd(let room):
            return 13 + room.text.utf8.count
        case .users, .rooms:
            return rendered.utf8.count
        }
    }
}
