/// Why a command did not work: the one word after `ERR`.
public enum ErrorCode: String, Sendable, CaseIterable {
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
}

/// Why the server closes a connection: the word after `BYE`.
public enum ByeReason: String, Sendable, CaseIterable {
    case goodbye
    case replaced
    case flood
    case slowReader = "slow-reader"
    case lineTooLong = "line-too-long"
    case loginTimeout = "login-timeout"
    case shutdown
}

/// One line from the server to a client, as typed data. `rendered` is the wire form.
public enum ServerLine: Equatable, Sendable {
    case ok(String)
    case error(ErrorCode, String)
    case message(room: Name, from: Name, text: String)
    case whisper(from: Name, to: Name, text: String)
    case event(room: Name, text: String)
    case users(room: Name, names: [Name])
    case rooms([Name])
    case bye(ByeReason, String)

    /// The line as sent, ending in a newline.
    public var rendered: String {
        switch self {
        case .ok(let text):
            return "OK \(text)\n"
        case .error(let code, let text):
            return "ERR \(code.rawValue) \(text)\n"
        case .message(let room, let from, let text):
            return "MSG \(room.text) \(from.text) \(text)\n"
        case .whisper(let from, let to, let text):
            return "WHISPER \(from.text) \(to.text) \(text)\n"
        case .event(let room, let text):
            return "EVENT \(room.text) \(text)\n"
        case .users(let room, let names):
            return (["USERS", room.text] + names.map(\.text)).joined(separator: " ") + "\n"
        case .rooms(let names):
            return (["ROOMS"] + names.map(\.text)).joined(separator: " ") + "\n"
        case .bye(let reason, let text):
            return "BYE \(reason.rawValue) \(text)\n"
        }
    }

    /// Bytes on the wire (before TLS): what the outbound queue's bound counts.
    public var wireSize: Int {
        switch self {
        case .message(let room, let from, let text):
            return 7 + room.text.utf8.count + from.text.utf8.count + text.utf8.count
        case .whisper(let from, let to, let text):
            return 11 + from.text.utf8.count + to.text.utf8.count + text.utf8.count
        default:
            return rendered.utf8.count
        }
    }
}
