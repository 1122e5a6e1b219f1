extension ServerLine {
    /// Reads one line as `render` writes it (docs/PROTOCOL.md): the inverse of `rendered`,
    /// so `ServerLine(parsing: line.rendered) == line` for every line the server sends.
    ///
    /// `line` may end in its `\n` (or `\r\n`) or not. Names must be well formed (`Name`),
    /// the `ERR` code and the `BYE` reason known words, and an `OK` text one of
    /// `Outcome`'s; anything else (an unknown first word, a missing field, a newline
    /// inside) is nil. A line that stops after its last word, with no space and no text
    /// (`BYE shutdown`), reads as having an empty text.
    public init?(parsing line: some StringProtocol) {
        var line = Substring(line)
        if line.utf8.last == UInt8(ascii: "\n") { line = line.droppingLastByte() }
        if line.utf8.last == UInt8(ascii: "\r") { line = line.droppingLastByte() }
        guard !line.utf8.contains(UInt8(ascii: "\n")) else { return nil }

        let (word, rest) = line.splitWord()
        guard let rest else {
            if word == "ROOMS" {
                self = .rooms([])
                return
            }
            return nil
        }
        switch word {
        case "OK":
            guard let outcome = Outcome(parsing: rest) else { return nil }
            self = .ok(outcome)
        case "ERR":
            let (codeWord, text) = rest.splitWord()
            guard let code = ErrorCode(rawValue: String(codeWord)) else { return nil }
            self = .error(code, String(text ?? ""))
        case "MSG", "ACTION":
            let (roomWord, afterRoom) = rest.splitWord()
            guard let room = Name(roomWord), case (let fromWord, let text)? = afterRoom?.splitWord(),
                let from = Name(fromWord)
            else { return nil }
            let said = String(text ?? "")
            self =
                word == "MSG"
                ? .message(room: room, from: from, text: said) : .action(room: room, from: from, text: said)
        case "WHISPER":
            let (fromWord, afterFrom) = rest.splitWord()
            guard let from = Name(fromWord), case (let toWord, let text)? = afterFrom?.splitWord(),
                let to = Name(toWord)
            else { return nil }
            self = .whisper(from: from, to: to, text: String(text ?? ""))
        case "EVENT":
            let (roomWord, text) = rest.splitWord()
            guard let room = Name(roomWord) else { return nil }
            self = .event(room: room, text: String(text ?? ""))
        case "USERS":
            let (roomWord, others) = rest.splitWord()
            guard let room = Name(roomWord) else { return nil }
            if let others {
                guard let names = Substring.names(others) else { return nil }
                self = .users(room: room, names: names)
            } else {
                self = .users(room: room, names: [])
            }
        case "ROOMS":
            guard let names = Substring.names(rest) else { return nil }
            self = .rooms(names)
        case "HISTORY":
            guard let history = ServerLine.history(parsing: rest) else { return nil }
            self = history
        case "HISTORY-END":
            guard let room = Name(rest) else { return nil }
            self = .historyEnd(room: room)
        case "BYE":
            let (reasonWord, text) = rest.splitWord()
            guard let reason = ByeReason(rawValue: String(reasonWord)) else { return nil }
            self = .bye(reason, String(text ?? ""))
        default:
            return nil
        }
    }
}

extension ServerLine {
    /// `<room> <time> <from> <text>` after `HISTORY `.
    fileprivate static func history(parsing rest: Substring) -> ServerLine? {
        let (roomWord, afterRoom) = rest.splitWord()
        guard let room = Name(roomWord), case (let timeWord, let afterTime)? = afterRoom?.splitWord(),
            let at = StoredTime(parsing: timeWord), case (let fromWord, let text)? = afterTime?.splitWord(),
            let from = Name(fromWord)
        else { return nil }
        return .history(room: room, at: at, from: from, text: String(text ?? ""))
    }
}

extension ServerLine.Outcome {
    /// Reads the text after `OK `; nil unless it is exactly one that `render` writes.
    init?(parsing text: Substring) {
        if let account = text.name(between: "registered ", and: "; you are in global") {
            self = .registered(account)
        } else if let account = text.name(between: "logged in as ", and: "; you are in global") {
            self = .loggedIn(account)
        } else if let room = text.name(between: "left ", and: "; you are in global") {
            self = .returnedToGlobal(from: room)
        } else if let rest = text.dropping(prefix: "created "),
            case (let roomWord, let again)? = rest.split(at: "; you are in "),
            let room = Name(roomWord), again.utf8.elementsEqual(room.text.utf8)
        {
            self = .created(room)
        } else if let room = text.name(between: "joined ", and: "") {
            self = .joined(room)
        } else if let target = text.name(between: "whisper sent to ", and: "") {
            self = .whisperSent(to: target)
        } else if let target = text.name(between: "kicked ", and: "") {
            self = .kicked(target)
        } else if let target = text.name(between: "banned ", and: "") {
            self = .banned(target)
        } else if let target = text.name(between: "unbanned ", and: "") {
            self = .unbanned(target)
        } else if text == "password changed" {
            self = .passwordChanged
        } else if let room = text.name(between: "history of ", and: " follows") {
            self = .history(room)
        } else if text.utf8.starts(with: "commands: ".utf8) {
            self = .help(String(text))
        } else {
            return nil
        }
    }
}

extension Substring {
    /// The first space-separated word, and what follows the space (nil when there is no space).
    fileprivate func splitWord() -> (Substring, Substring?) {
        guard let space = utf8.firstIndex(of: UInt8(ascii: " ")) else { return (self, nil) }
        return (self[..<space], self[utf8.index(after: space)...])
    }

    /// What comes before and after the first `separator`; nil without one.
    fileprivate func split(at separator: String) -> (Substring, Substring)? {
        var start = utf8.startIndex
        while let first = utf8[start...].firstIndex(of: separator.utf8.first!) {
            if utf8[first...].starts(with: separator.utf8) {
                return (self[..<first], self[utf8.index(first, offsetBy: separator.utf8.count)...])
            }
            start = utf8.index(after: first)
        }
        return nil
    }

    /// The rest after `prefix`, or nil if the text does not start with it.
    fileprivate func dropping(prefix: String) -> Substring? {
        guard utf8.starts(with: prefix.utf8) else { return nil }
        return self[utf8.index(startIndex, offsetBy: prefix.utf8.count)...]
    }

    /// The name between `prefix` and `suffix` when the text is exactly `prefix`, a name, `suffix`.
    fileprivate func name(between prefix: String, and suffix: String) -> Name? {
        guard let rest = dropping(prefix: prefix), rest.utf8.count >= suffix.utf8.count else { return nil }
        let cut = rest.utf8.index(rest.endIndex, offsetBy: -suffix.utf8.count)
        guard rest.utf8[cut...].elementsEqual(suffix.utf8) else { return nil }
        return Name(rest[..<cut])
    }

    fileprivate func droppingLastByte() -> Substring {
        self[..<utf8.index(before: endIndex)]
    }

    /// Space-separated names, each well formed and none empty; nil otherwise.
    fileprivate static func names(_ text: Substring) -> [Name]? {
        var names: [Name] = []
        for word in text.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false) {
            guard let name = Name(Substring(word)) else { return nil }
            names.append(name)
        }
        return names
    }
}
