/// What a client asked for in one line: a command (`/word ...`) or a message to its room.
public enum Command: Hashable, Sendable {
    case say(String)
    /// `/me ACTION`: an action line in the room, stored like a message.
    case act(String)
    case register(Name, Password)
    case login(Name, Password)
    case users
    case whisper(to: Name, text: String)
    case createRoom(Name)
    case join(Name)
    case listRooms
    case leave
    /// `/history [N]`: the current room's newest N messages (1 to `Limits.maxHistoryLines`).
    case history(lines: Int)
    case help
    /// `/quit [MESSAGE]`: the message, if any, is what the others in the room hear.
    case quit(message: String?)
    /// `/kick NAME [REASON]`: the room's owner, or an operator.
    case kick(Name, reason: String?)
    /// `/ban NAME [REASON]`: operators only.
    case ban(Name, reason: String?)
    /// `/unban NAME`: operators only.
    case unban(Name)
    /// `/passwd OLD NEW`.
    case changePassword(old: Password, new: Password)

    /// Parses one line, without its `\n` or `\r\n`. A line of nothing but blanks is
    /// `nil`: it asks for nothing, so it gets no answer. Passwords are `minPasswordBytes`
    /// (`Limits.minPasswordBytes`) to `Password.maxBytes` bytes.
    public static func parse(
        _ line: some Collection<UInt8>, minPasswordBytes: Int = Password.minBytes
    ) -> Result<Command, CommandError>? {
        assert(Limits.minPasswordBytesAllowed.contains(minPasswordBytes), "a floor Limits allows")
        guard line.count <= Limits.maxLineBytes else { return .failure(.lineTooLong) }
        guard var text = String(validating: line, as: UTF8.self) else { return .failure(.invalidUTF8) }
        let parsed = parse(text: text, minPasswordBytes: minPasswordBytes)
        switch parsed {
        case .success(.login)?, .success(.register)?:
            // The text held a password and nothing parsed from it shares its storage any
            // more (the name and the password are copies): zero it before it is freed.
            text.withUTF8 { SecretBytes.zero(UnsafeMutableRawBufferPointer(mutating: UnsafeRawBufferPointer($0))) }
        case .success?, .failure?, nil: break  // nothing secret, or the parts still in use
        }
        return parsed
    }

    /// Nothing but spaces and tabs: such a line asks for nothing and gets no answer, and
    /// such an argument is no argument. Every front end asks this, so all agree.
    public static func isBlank(_ text: some StringProtocol) -> Bool {
        !text.contains { $0 != " " && $0 != "\t" }
    }

    private static func parse(text: String, minPasswordBytes: Int) -> Result<Command, CommandError>? {
        guard !text.unicodeScalars.contains(where: Command.isControl) else {
            return .failure(.controlCharacters)
        }
        guard !isBlank(text) else { return nil }
        guard text.hasPrefix("/") else { return .success(.say(text)) }
        return parseCommand(text.dropFirst(), minPasswordBytes: minPasswordBytes)
    }

    /// Control characters other than tab (C0, DEL and C1), and the invisible ones that
    /// change how a line reads: Unicode format characters (category Cf: bidirectional
    /// overrides and isolates, zero-width spaces, the BOM, ...) and the line and paragraph
    /// separators U+2028/2029. Never passed on to a terminal. The zero-width joiner
    /// (U+200D) stays allowed: emoji sequences (👩‍💻) are made with it.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value < 0x20 && value != 0x09 || value == 0x7F }
        if value <= 0x9F { return true }
        if value == 0x200D { return false }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    private static func parseCommand(_ body: Substring, minPasswordBytes: Int) -> Result<Command, CommandError> {
        let word = body.prefix { $0 != " " }
        let rest = body.dropFirst(word.count).drop { $0 == " " }
        switch word.lowercased() {
        case "register":
            return credentials(rest, command: "register", minPasswordBytes: minPasswordBytes).map { .register($0, $1) }
        case "login":
            return credentials(rest, command: "login", minPasswordBytes: minPasswordBytes).map { .login($0, $1) }
        case "users": return bare(rest, .users, command: "users")
        case "whisper": return whisper(rest)
        case "createchatroom", "create": return roomName(rest, command: String(word)).map { .createRoom($0) }
        case "join": return roomName(rest, command: "join").map { .join($0) }
        case "chatrooms": return bare(rest, .listRooms, command: "chatrooms")
        case "leave": return bare(rest, .leave, command: "leave")
        case "me": return action(rest)
        case "kick": return target(rest, command: "kick").map { .kick($0, reason: $1) }
        case "ban": return target(rest, command: "ban").map { .ban($0, reason: $1) }
        case "unban":
            return target(rest, command: "unban").flatMap { name, reason in
                reason == nil ? .success(.unban(name)) : .failure(.unexpectedArgument(command: "unban NAME"))
            }
        case "passwd": return passwords(rest, minPasswordBytes: minPasswordBytes)
        case "history": return history(rest)
        case "help": return .success(.help)
        case "quit", "exit":
            return .success(.quit(message: !isBlank(rest) ? String(rest) : nil))
        default: return .failure(.unknownCommand(String(word.prefix(32))))
        }
    }

    private static func bare(
        _ rest: Substring, _ command: Command, command name: String
    ) -> Result<Command, CommandError> {
        rest.isEmpty ? .success(command) : .failure(.unexpectedArgument(command: name))
    }

    private static func credentials(
        _ rest: Substring, command: String, minPasswordBytes: Int
    ) -> Result<(Name, Password), CommandError> {
        let words = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = words.first else { return .failure(.missingArgument(command: command, argument: "NAME")) }
        guard let name = Name(first) else { return .failure(.badName) }
        guard words.count >= 2 else { return .failure(.missingArgument(command: command, argument: "PASSWORD")) }
        guard words.count == 2 else { return .failure(.badPassword(minBytes: minPasswordBytes)) }
        // Straight from the line's bytes into a Password: no String copy of it to leave behind.
        let secret = words[1].utf8
        guard (minPasswordBytes...Password.maxBytes).contains(secret.count), !secret.contains(UInt8(ascii: "\t"))
        else { return .failure(.badPassword(minBytes: minPasswordBytes)) }
        return .success((name, Password(bytes: secret)))
    }

    /// `NAME [REASON]`: a name, then whatever follows as the reason.
    private static func target(_ rest: Substring, command: String) -> Result<(Name, String?), CommandError> {
        let word = rest.prefix { $0 != " " }
        guard !word.isEmpty else { return .failure(.missingArgument(command: command, argument: "NAME")) }
        guard let name = Name(word) else { return .failure(.badName) }
        let reason = rest.dropFirst(word.count).drop { $0 == " " }
        return .success((name, !isBlank(reason) ? String(reason) : nil))
    }

    private static func passwords(_ rest: Substring, minPasswordBytes: Int) -> Result<Command, CommandError> {
        let words = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 2 else {
            return .failure(.missingArgument(command: "passwd", argument: words.isEmpty ? "OLD" : "NEW"))
        }
        guard words.count == 2 else { return .failure(.badPassword(minBytes: minPasswordBytes)) }
        let valid = { (word: Substring) in
            (minPasswordBytes...Password.maxBytes).contains(word.utf8.count) && !word.contains("\t")
        }
        guard valid(words[0]), valid(words[1]) else { return .failure(.badPassword(minBytes: minPasswordBytes)) }
        return .success(.changePassword(old: Password(String(words[0])), new: Password(String(words[1]))))
    }

    private static func roomName(_ rest: Substring, command: String) -> Result<Name, CommandError> {
        let words = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = words.first else { return .failure(.missingArgument(command: command, argument: "ROOM")) }
        guard words.count == 1, let name = Name(first) else { return .failure(.badName) }
        return .success(name)
    }

    private static func action(_ rest: Substring) -> Result<Command, CommandError> {
        guard !isBlank(rest) else {
            return .failure(.missingArgument(command: "me", argument: "ACTION"))
        }
        return .success(.act(String(rest)))
    }

    private static func history(_ rest: Substring) -> Result<Command, CommandError> {
        guard !rest.isEmpty else { return .success(.history(lines: Limits.defaultHistoryCommandLines)) }
        guard rest.utf8.count <= 3, rest.utf8.allSatisfy({ (48...57).contains($0) }), let lines = Int(rest),
            (1...Limits.maxHistoryLines).contains(lines)
        else { return .failure(.badHistoryCount) }
        return .success(.history(lines: lines))
    }

    private static func whisper(_ rest: Substring) -> Result<Command, CommandError> {
        let target = rest.prefix { $0 != " " }
        guard !target.isEmpty else { return .failure(.missingArgument(command: "whisper", argument: "TARGET")) }
        guard let name = Name(target) else { return .failure(.badName) }
        let message = rest.dropFirst(target.count).drop { $0 == " " }
        guard !isBlank(message) else {
            return .failure(.missingArgument(command: "whisper", argument: "MESSAGE"))
        }
        return .success(.whisper(to: name, text: String(message)))
    }
}

/// Why a line could not be understood. Each case becomes one `ERR` line.
public enum CommandError: Error, Equatable, Sendable {
    case unknownCommand(String)
    case missingArgument(command: String, argument: String)
    case unexpectedArgument(command: String)
    case badName
    /// A password outside `minBytes` (the server's floor) to `Password.maxBytes`, or with blanks.
    case badPassword(minBytes: Int)
    case lineTooLong
    case controlCharacters
    case invalidUTF8
    case badHistoryCount

    /// The answer the client gets. Never echoes a password.
    public var serverLine: ServerLine {
        switch self {
        case .unknownCommand(let word):
            return .error(.badCommand, "unknown command /\(word); try /help")
        case .missingArgument(let command, let argument):
            return .error(.badCommand, "/\(command) needs \(argument)")
        case .unexpectedArgument(let command):
            return .error(.badCommand, "/\(command) takes no arguments")
        case .badName:
            return .error(.badName, "names are 1 to 32 of A-Z a-z 0-9 _ -")
        case .badPassword(let minBytes):
            return .error(.badPassword, "passwords are \(minBytes) to \(Password.maxBytes) bytes with no spaces")
        case .lineTooLong:
            return .error(.lineTooLong, "lines are at most \(Limits.maxLineBytes) bytes; the line was dropped")
        case .controlCharacters:
            return .error(.badText, "control and invisible format characters are not allowed; the line was dropped")
        case .invalidUTF8:
            return .error(.badEncoding, "lines must be UTF-8; the line was dropped")
        case .badHistoryCount:
            return .error(.badCommand, "/history takes a number of lines from 1 to \(Limits.maxHistoryLines)")
        }
    }
}
