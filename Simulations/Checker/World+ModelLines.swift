import ChatCore

/// What the reference model says one line must get from its session: an error with this
/// code, mail of this kind (with the name as typed), or a line of its own.
enum LineAnswer: Equatable {
    case error(ErrorCode)
    case login(name: String)
    case register(name: String)
    case create(name: String)
    case join(name: String)
    case whisper(target: String, text: String)
    case say(text: String)
    case act(text: String)
    case kick(target: String, reason: String?)
    case ban(target: String)
    case unban(target: String)
    case changePassword
    case history(lines: Int)
    case users, listRooms, leave, help, goodbye
}

// The model's reading of each line a client sent, from the protocol (docs/PROTOCOL.md),
// not from the session's parser: which answer the line must get where the session
// stands, names and texts passed on exactly as typed (case, tabs and UTF-8 kept).
extension World {
    /// Cuts arrived bytes into lines, as the protocol frames them; returns how many ended.
    /// With `overlongEndsEarly` (Parley's framing, PROTOCOL.md): a line still arriving once
    /// past the limit (a `\r` allowed) is answered then, and the rest of it, up to its
    /// newline, is dropped. IRC's flood check counts such a line itself (IRCFloodCheck).
    mutating func noteArrived(_ chunk: ArraySlice<UInt8>, on slot: Int, overlongEndsEarly: Bool = false) -> Int {
        var ended = 0
        for byte in chunk {
            if let run = model.sessions[slot].droppedRun {
                model.sessions[slot].droppedRun = byte == UInt8(ascii: "\n") ? nil : run + 1
            } else if byte == UInt8(ascii: "\n") {
                // The protocol drops a `\r` before the newline.
                if model.sessions[slot].partialLine.last == UInt8(ascii: "\r") {
                    model.sessions[slot].partialLine.removeLast()
                }
                model.sessions[slot].waitingLines.append(model.sessions[slot].partialLine)
                model.sessions[slot].partialLine.removeAll(keepingCapacity: true)
                ended += 1
            } else {
                model.sessions[slot].partialLine.append(byte)
            }
        }
        if overlongEndsEarly, model.sessions[slot].partialLine.count > Limits.maxLineBytes + 1 {
            model.sessions[slot].waitingLines.append(model.sessions[slot].partialLine)
            model.sessions[slot].droppedRun = model.sessions[slot].partialLine.count
            model.sessions[slot].partialLine.removeAll(keepingCapacity: true)
            ended += 1
        }
        model.sessions[slot].linesIn += ended
        return ended
    }

    /// The session took its oldest waiting line and answered it with `effect`.
    mutating func judgeTaken(_ effect: SessionEffect, on slot: Int) {
        guard !model.sessions[slot].waitingLines.isEmpty else {
            return fail(.answerCodes, "\(sessions[slot].name) answered a line its client never finished sending")
        }
        let line = model.sessions[slot].waitingLines.removeFirst()
        let expected = ReferenceModel.answer(
            to: line, presentIn: model.sessions[slot].presentIn, isOperator: model.sessions[slot].isOperator,
            minPasswordBytes: limits.minPasswordBytes)
        let actual = ReferenceModel.answer(given: effect)
        if expected == .goodbye, actual == .goodbye {
            model.sessions[slot].quitMessage = ReferenceModel.quitMessage(line)
        }
        guard let expected, actual != expected else { return }
        let shown = String(decoding: line.prefix(60), as: UTF8.self)
        fail(
            .answerCodes,
            "\(sessions[slot].name) answered \"\(shown)\" with \(actual.map { "\($0)" } ?? "\(effect)"); the protocol says \(expected)"
        )
    }
}

extension ReferenceModel {
    /// What follows `/quit` and its blanks, unless nothing does (PROTOCOL.md: `/quit [MESSAGE]`).
    static func quitMessage(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let word = text.dropFirst().prefix { $0 != " " }.lowercased()
        guard word == "quit" || word == "exit" else { return nil }
        let rest = text.dropFirst(1 + word.count).drop { $0 == " " }
        return Command.isBlank(rest) ? nil : String(rest)
    }

    /// The answer a line must get; nil where the model does not judge it.
    static func answer(
        to bytes: [UInt8], presentIn room: RoomID?, isOperator: Bool = false, minPasswordBytes: Int = Password.minBytes
    ) -> LineAnswer? {
        guard bytes.count <= Limits.maxLineBytes else { return .error(.lineTooLong) }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .error(.badEncoding) }
        guard !text.unicodeScalars.contains(where: isInvisible) else { return .error(.badText) }
        guard text.utf8.first == UInt8(ascii: "/") else { return room == nil ? .error(.notLoggedIn) : .say(text: text) }
        guard let second = text.utf8.dropFirst().first, second != UInt8(ascii: " ") else { return nil }
        let words = text.dropFirst().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let word = words.first?.lowercased() else { return nil }
        let arguments = Array(words.dropFirst())
        switch word {
        case "login", "register":
            guard let name = arguments.first else { return .error(.badCommand) }
            guard isName(name) else { return .error(.badName) }
            guard arguments.count == 2, (minPasswordBytes...Password.maxBytes).contains(arguments[1].utf8.count),
                !arguments[1].contains("\t")
            else { return arguments.count < 2 ? .error(.badCommand) : .error(.badPassword) }
            if room != nil { return .error(.alreadyLoggedIn) }
            if word == "register" { return isReserved(name) ? .error(.badName) : .register(name: name) }
            return .login(name: name)
        case "join", "create", "createchatroom":
            guard let name = arguments.first else { return .error(.badCommand) }
            guard arguments.count == 1, isName(name) else { return .error(.badName) }
            guard let room else { return .error(.notLoggedIn) }
            guard room == .global else { return .error(.notInGlobal) }
            if word == "join" { return .join(name: name) }
            return isReserved(name) ? .error(.nameTaken) : .create(name: name)
        case "whisper":
            guard let target = arguments.first else { return .error(.badCommand) }
            guard isName(target) else { return .error(.badName) }
            guard room != nil else { return .error(.notLoggedIn) }
            // The text is what follows the target and its blanks, as typed.
            let afterSlash = text.dropFirst().drop { $0 != " " }.drop { $0 == " " }
            let message = afterSlash.dropFirst(target.count).drop { $0 == " " }
            guard message.contains(where: { $0 != " " && $0 != "\t" }) else { return .error(.badCommand) }
            return .whisper(target: target, text: String(message))
        case "users", "chatrooms", "leave":
            guard arguments.isEmpty else { return .error(.badCommand) }
            guard let room else { return .error(.notLoggedIn) }
            switch word {
            case "users": return .users
            case "chatrooms": return room == .global ? .listRooms : .error(.notInGlobal)
            default: return room == .global ? .goodbye : .leave
            }
        case "me":
            // The action is everything after the word and its blanks, as typed.
            let action = text.dropFirst().drop { $0 != " " }.drop { $0 == " " }
            guard action.contains(where: { $0 != " " && $0 != "\t" }) else { return .error(.badCommand) }
            guard room != nil else { return .error(.notLoggedIn) }
            return .act(text: String(action))
        case "kick", "ban", "unban":
            guard let target = arguments.first else { return .error(.badCommand) }
            guard isName(target) else { return .error(.badName) }
            let afterWord = text.dropFirst().drop { $0 != " " }.drop { $0 == " " }
            let rest = afterWord.dropFirst(target.count).drop { $0 == " " }
            let reason = rest.contains(where: { $0 != " " && $0 != "\t" }) ? String(rest) : nil
            if word == "unban", reason != nil { return .error(.badCommand) }
            guard room != nil else { return .error(.notLoggedIn) }
            switch word {
            case "kick": return .kick(target: target, reason: reason)
            case "ban": return isOperator ? .ban(target: target) : .error(.notOperator)
            default: return isOperator ? .unban(target: target) : .error(.notOperator)
            }
        case "passwd":
            guard arguments.count >= 2 else { return .error(.badCommand) }
            let valid = arguments.allSatisfy {
                (minPasswordBytes...Password.maxBytes).contains($0.utf8.count) && !$0.contains("\t")
            }
            guard arguments.count == 2, valid else { return .error(.badPassword) }
            guard room != nil else { return .error(.notLoggedIn) }
            return .changePassword
        case "history":
            // No count is 100; else 1 to 500 in at most three digits, with nothing after them.
            let count = text.dropFirst().drop { $0 != " " }.drop { $0 == " " }
            var lines = Limits.defaultHistoryCommandLines
            if !count.isEmpty {
                guard count.utf8.count <= 3, count.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int(count),
                    (1...Limits.maxHistoryLines).contains(value)
                else { return .error(.badCommand) }
                lines = value
            }
            guard room != nil else { return .error(.notLoggedIn) }
            return .history(lines: lines)
        case "help": return .help
        case "quit", "exit": return .goodbye
        default: return .error(.badCommand)
        }
    }

    /// What a session's reaction to a line was, in the model's terms.
    static func answer(given effect: SessionEffect) -> LineAnswer? {
        switch effect {
        case .write(.error(let code, _)): return .error(code)
        case .write(.ok(.help)): return .help
        case .write(.bye(.goodbye, _)): return .goodbye
        case .send(.gate(.login(_, let name, _, _))): return .login(name: name.text)
        case .send(.gate(.register(_, let name, _, _))): return .register(name: name.text)
        case .send(.lobby(.create(_, let name))): return .create(name: name.text)
        case .send(.lobby(.join(_, let name))): return .join(name: name.text)
        case .send(.lobby(.listRooms)): return .listRooms
        case .send(.gate(.setBanned(_, _, let target, _, let banning))):
            return banning ? .ban(target: target.text) : .unban(target: target.text)
        case .send(.gate(.changePassword)): return .changePassword
        case .send(.lobby(.member(let request))), .send(.room(_, .member(let request))):
            switch request {
            case .say(_, let text): return .say(text: text)
            case .act(_, let text): return .act(text: text)
            case .kick(_, _, let target, let reason, _): return .kick(target: target.text, reason: reason)
            case .help: return .help
            case .whisper(_, let target, let text): return .whisper(target: target.text, text: text)
            case .users: return .users
            case .leave: return .leave
            case .history(_, let lines): return .history(lines: lines)
            // Not a line's answer (shutdown; a quit follows the BYE that answered the line).
            case .leaveAtShutdown, .quit: return nil
            }
        default: return nil
        }
    }

    /// A name as the protocol spells one, read here and not by ChatCore's `Name`: 1 to 32
    /// characters of `A-Z a-z 0-9 _ -`.
    static func isName(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    return true
                default:
                    return false
                }
            }
    }

    /// `global`, in any case: no account or temporary room may take it.
    static func isReserved(_ name: String) -> Bool { name.lowercased() == "global" }

    /// Control characters but tab, and the invisible ones the protocol refuses: format
    /// characters (but the zero-width joiner emoji are made with) and the line and
    /// paragraph separators.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x20 { return scalar != "\t" }
        if (0x7F...0x9F).contains(scalar.value) { return true }
        if scalar.value == 0x200D { return false }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
