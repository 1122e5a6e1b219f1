/// One IRC message (RFC 1459 framing with IRCv3 message tags), parsed or to be rendered.
///
/// Limits, as IRC servers keep them: the part after the tags is at most 512 bytes with
/// its `\r\n` (`maxBodyBytes`), the tags at most 8,191 (`maxTagBytes`, the IRCv3 limit
/// for a client's tags). A longer line is refused: `417 ERR_INPUTTOOLONG`, and the line
/// reaches no one (never truncated, so nobody reads half a sentence as if it were whole).
public struct IRCMessage: Hashable, Sendable {
    public static let maxBodyBytes = 512
    public static let maxTagBytes = 8191

    /// Tags in the order given; a tag without a value has an empty one.
    public var tags: [(key: String, value: String)]
    /// The prefix without its `:`; nil for a client's line.
    public var source: String?
    /// The command or numeric, upper-cased when parsed.
    public var command: String
    public var parameters: [String]

    public init(
        tags: [(key: String, value: String)] = [], source: String? = nil, _ command: String, _ parameters: [String] = []
    ) {
        self.tags = tags
        self.source = source
        self.command = command
        self.parameters = parameters
    }

    public static func == (lhs: IRCMessage, rhs: IRCMessage) -> Bool {
        lhs.source == rhs.source && lhs.command == rhs.command && lhs.parameters == rhs.parameters
            && lhs.tags.map(\.key) == rhs.tags.map(\.key) && lhs.tags.map(\.value) == rhs.tags.map(\.value)
    }

    /// What `==` compares: the tags in order, then the rest.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(tags.count)
        for tag in tags {
            hasher.combine(tag.key)
            hasher.combine(tag.value)
        }
        hasher.combine(source)
        hasher.combine(command)
        hasher.combine(parameters)
    }

    /// Why a line is no message.
    public enum ParseError: Error, Equatable, Sendable {
        /// Over 512 bytes after the tags, or tags over 8,191: `417`.
        case tooLong
        /// Not UTF-8: the line is refused, as Parley's own protocol refuses it.
        case invalidUTF8
        /// No command word (a lone prefix or tags).
        case noCommand
    }

    // MARK: - Parsing

    /// Parses one line without its `\n` (a `\r` before it already dropped). A blank line
    /// is nil: IRC servers ignore it silently.
    public static func parse(_ line: some Collection<UInt8>) -> Result<IRCMessage, ParseError>? {
        var bytes = line[...]
        var tagBytes = 0
        if bytes.first == UInt8(ascii: "@") {
            let end = bytes.firstIndex(of: UInt8(ascii: " ")) ?? bytes.endIndex
            tagBytes = bytes.distance(from: bytes.startIndex, to: end)
            bytes = bytes[end...].drop { $0 == UInt8(ascii: " ") }
        }
        guard tagBytes <= maxTagBytes, bytes.count + 2 <= maxBodyBytes else { return .failure(.tooLong) }
        guard let text = String(validating: line, as: UTF8.self) else { return .failure(.invalidUTF8) }
        var rest = Substring(text)
        guard rest.contains(where: { $0 != " " }) else { return nil }
        var message = IRCMessage("")
        if rest.first == "@" {
            let tags = rest.dropFirst().prefix { $0 != " " }
            message.tags = tags.split(separator: ";").map(IRCMessage.tag)
            rest = rest.dropFirst(tags.count + 1)
        }
        rest = rest.drop { $0 == " " }
        if rest.first == ":" {
            let source = rest.dropFirst().prefix { $0 != " " }
            message.source = String(source)
            rest = rest.dropFirst(source.count + 1).drop { $0 == " " }
        }
        let command = rest.prefix { $0 != " " }
        guard !command.isEmpty else { return .failure(.noCommand) }
        message.command = command.uppercased()
        rest = rest.dropFirst(command.count)
        message.parameters = IRCMessage.parameters(rest)
        return .success(message)
    }

    /// Middle parameters split on spaces; one starting with `:` takes the rest of the line.
    private static func parameters(_ text: Substring) -> [String] {
        var parameters: [String] = []
        var rest = text
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { return parameters }
            if rest.first == ":" {
                parameters.append(String(rest.dropFirst()))
                return parameters
            }
            let word = rest.prefix { $0 != " " }
            parameters.append(String(word))
            rest = rest.dropFirst(word.count)
        }
    }

    private static func tag(_ text: Substring) -> (key: String, value: String) {
        guard let equals = text.firstIndex(of: "=") else { return (String(text), "") }
        return (String(text[..<equals]), unescape(text[text.index(after: equals)...]))
    }

    /// IRCv3 tag value escapes: `\:` `;`, `\s` space, `\\`, `\r`, `\n`; others drop the `\`.
    private static func unescape(_ value: Substring) -> String {
        var result = ""
        var escaping = false
        for character in value {
            if escaping {
                switch character {
                case ":": result.append(";")
                case "s": result.append(" ")
                case "r": result.append("\r")
                case "n": result.append("\n")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func escape(_ value: String, into bytes: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: ";"): bytes.append(contentsOf: "\\:".utf8)
            case UInt8(ascii: " "): bytes.append(contentsOf: "\\s".utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: "\\n".utf8)
            default: bytes.append(byte)
            }
        }
    }

    // MARK: - Rendering

    /// The line as sent, ending in `\r\n`.
    public var rendered: String {
        var bytes: [UInt8] = []
        render(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the line as sent, `\r\n` included. The last parameter always goes as a
    /// trailing one (`:` first), which every parser reads and a text with spaces needs.
    public func render(into bytes: inout [UInt8]) {
        if !tags.isEmpty {
            bytes.append(UInt8(ascii: "@"))
            for (index, tag) in tags.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ";")) }
                bytes.append(contentsOf: tag.key.utf8)
                if !tag.value.isEmpty {
                    bytes.append(UInt8(ascii: "="))
                    IRCMessage.escape(tag.value, into: &bytes)
                }
            }
            bytes.append(UInt8(ascii: " "))
        }
        if let source {
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: source.utf8)
            bytes.append(UInt8(ascii: " "))
        }
        bytes.append(contentsOf: command.utf8)
        for (index, parameter) in parameters.enumerated() {
            bytes.append(UInt8(ascii: " "))
            if index == parameters.count - 1 { bytes.append(UInt8(ascii: ":")) }
            bytes.append(contentsOf: parameter.utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
    }

    /// Bytes on the wire, for the outbound queue's bound.
    public var wireSize: Int {
        var bytes: [UInt8] = []
        render(into: &bytes)
        return bytes.count
    }
}
