import ChatCore

/// The two protocols the load generator speaks: Parley's lines and IRC, so one
/// generator measures both servers the same way.
struct WireDialect: Sendable {
    let wire: LoadConfiguration.WireProtocol

    func register(_ name: String, _ password: String) -> String {
        switch wire {
        case .parley: return "/register \(name) \(password)\n"
        // REGISTER (IRCv3 draft account-registration) makes the account on Parley's IRC
        // port, which needs one; a server without accounts (ngircd) answers it with a 421
        // after its 001, which the generator ignores.
        case .irc: return "NICK \(name)\r\nUSER \(name) 0 * :parley load\r\nREGISTER \(name) * \(password)\r\n"
        }
    }

    func login(_ name: String, _ password: String) -> String {
        switch wire {
        case .parley: return "/login \(name) \(password)\n"
        case .irc: return "PASS \(name):\(password)\r\nNICK \(name)\r\nUSER \(name) 0 * :parley load\r\n"
        }
    }

    func create(_ room: String) -> String {
        wire == .parley ? "/createchatroom \(room)\n" : "JOIN #\(room)\r\n"
    }

    func join(_ room: String) -> String {
        wire == .parley ? "/join \(room)\n" : "JOIN #\(room)\r\n"
    }

    /// The line a sender sends; `text` carries the sender's index and the send time.
    func say(_ room: String, _ text: ArraySlice<UInt8>) -> [UInt8] {
        switch wire {
        case .parley: return Array(text) + [0x0A]
        case .irc: return Array("PRIVMSG #\(room) :".utf8) + text + [0x0D, 0x0A]
        }
    }

    /// What a setup step waits for: the server's yes, or its no.
    enum Answer { case yes, nameTaken, no(String), other }

    func answer(to line: String) -> Answer {
        switch wire {
        case .parley:
            switch ServerLine(parsing: line) {
            case .ok?: return .yes
            case .error(.nameTaken, _)?: return .nameTaken
            case .error?, .bye?: return .no(line)
            default: return .other
            }
        case .irc:
            let words = line.split(separator: " ", maxSplits: 3)
            guard words.count >= 2 else { return .other }
            switch words[1] {
            // Parley's IRC port puts every user in #global at 001; that NAMES is not an answer.
            case "366" where line.contains(" #global "): return .other
            case "001", "366": return .yes
            case "433": return .nameTaken
            case "FAIL" where line.contains(" ACCOUNT_EXISTS "): return .nameTaken
            default: return words[0] == "ERROR" ? .no(line) : .other
            }
        }
    }

    /// An IRC server's keep-alive, which must be answered.
    func pong(for line: ArraySlice<UInt8>) -> [UInt8]? {
        guard wire == .irc, line.starts(with: Array("PING".utf8)) else { return nil }
        return Array("PONG".utf8) + line.dropFirst(4) + [0x0D, 0x0A]
    }
}
