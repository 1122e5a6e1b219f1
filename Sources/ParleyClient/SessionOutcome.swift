import ChatCore

/// How a chat session ended, and what that means for the exit status: a pure function,
/// so "did the server close normally" is decided in one place and tested.
public struct SessionOutcome: Equatable, Sendable {
    /// The reason of the server's `BYE` line, if one came.
    public var byeReason: ByeReason?
    /// The text after the reason, if a `BYE` came.
    public var byeText: String?
    /// The person (or the end of the script's input) asked to quit.
    public var userQuit = false
    /// The connection failed rather than closed (a TLS or socket error), as one line.
    public var transportFailure: String?

    public init(
        byeReason: ByeReason? = nil, byeText: String? = nil, userQuit: Bool = false, transportFailure: String? = nil
    ) {
        self.byeReason = byeReason
        self.byeText = byeText
        self.userQuit = userQuit
        self.transportFailure = transportFailure
    }

    /// Records a `BYE reason text` line (raw, without its newline); ignores other lines.
    public mutating func observe(_ line: String) {
        guard case .bye(let reason, let text)? = ServerLine(parsing: line) else { return }
        byeReason = reason
        byeText = Sanitizer.clean(text)
    }

    /// nil when the session ended normally (exit 0): the server said `BYE goodbye`, or the
    /// connection closed after the person quit. Otherwise the one-line error to print.
    public func error(endpoint: Endpoint) -> ClientError? {
        if byeReason == .goodbye { return nil }
        if let byeReason {
            let why = (byeText ?? "").isEmpty ? byeReason.rawValue : "\(byeText!) (\(byeReason.rawValue))"
            return ClientError(.serverGone, "disconnected by \(endpoint): \(why)")
        }
        if let transportFailure {
            return ClientError(.serverGone, "connection to \(endpoint) failed: \(transportFailure)")
        }
        if userQuit { return nil }
        return ClientError(.serverGone, "connection to \(endpoint) closed by the server without a goodbye")
    }
}

/// Cuts the server's byte stream into lines (a `\r` before `\n` dropped). A line that goes
/// on without a newline past `maxBytes` is cut there, so a broken server cannot make the
/// client hold unbounded memory.
public struct LineSplitter: Sendable {
    private var buffer: [UInt8] = []
    public let maxBytes: Int

    public init(maxBytes: Int = 64 * 1024) {
        precondition(maxBytes > 0)
        self.maxBytes = maxBytes
    }

    public mutating func append(_ bytes: some Collection<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(take())
            } else {
                buffer.append(byte)
                if buffer.count >= maxBytes { lines.append(take()) }
            }
        }
        return lines
    }

    /// What is left without a newline (at the end of the stream), or nil if nothing.
    public mutating func finish() -> String? {
        buffer.isEmpty ? nil : take()
    }

    private mutating func take() -> String {
        if buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
        defer { buffer.removeAll(keepingCapacity: true) }
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Counts the lines sent that the server has not answered yet, so a script's session ends
/// only after every answer has arrived. Each line the server accepts gets exactly one
/// answer addressed to its sender: `OK`, `ERR`, `USERS`, `ROOMS`, the sender's own `MSG`
/// echo, or `BYE`. Events and others' messages are not answers.
public struct PendingReplies: Equatable, Sendable {
    public private(set) var outstanding = 0

    public init() {}

    /// A line was sent. Blank lines get no answer, so they are not counted.
    public mutating func sent(_ line: String) {
        if !Command.isBlank(line) { outstanding += 1 }
    }

    /// A server line arrived; `me` is the account this session is logged in as, if known.
    public mutating func observe(_ line: String, me: String?) {
        let isAnswer: Bool
        switch ServerLine(parsing: line) {
        case .ok?, .error?, .users?, .rooms?, .bye?: isAnswer = true
        case .message(_, let from, _)?, .action(_, let from, _)?: isAnswer = me.flatMap { Name($0) } == from
        // A /history's answer is its OK; the lines after it, and a room's history on entry, are not answers.
        case .whisper?, .event?, .history?, .historyEnd?, nil: isAnswer = false
        }
        if isAnswer { outstanding = max(0, outstanding - 1) }
    }

    public var settled: Bool { outstanding == 0 }
}
