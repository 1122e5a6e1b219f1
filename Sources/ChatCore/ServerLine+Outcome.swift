extension ServerLine {
    /// What an `OK` line says worked: every `OK` the server sends, typed, so a client reads
    /// where it is from data rather than from the wording. Each case renders to one fixed
    /// text (docs/PROTOCOL.md), shown in its comment.
    public enum Outcome: Hashable, Sendable {
        /// `registered alice; you are in global`
        case registered(Name)
        /// `logged in as alice; you are in global`
        case loggedIn(Name)
        /// `left lounge; you are in global`
        case returnedToGlobal(from: Name)
        /// `created lounge; you are in lounge`
        case created(Name)
        /// `joined lounge`
        case joined(Name)
        /// `whisper sent to bob`
        case whisperSent(to: Name)
        /// `kicked bob`
        case kicked(Name)
        /// `banned bob`
        case banned(Name)
        /// `unbanned bob`
        case unbanned(Name)
        /// `password changed`
        case passwordChanged
        /// The commands one may use where one is; the text starts with `commands: `.
        case help(String)
        /// `history of lounge follows`: the answer to `/history`, before its lines.
        case history(Name)

        /// The text after `OK `, as sent.
        public var text: String {
            var bytes: [UInt8] = []
            render(into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Appends the text after `OK ` (no newline): the fan-out path, so no string is built.
        public func render(into bytes: inout [UInt8]) {
            switch self {
            case .registered(let account):
                bytes.append(contentsOf: "registered ".utf8)
                bytes.append(contentsOf: account.text.utf8)
                bytes.append(contentsOf: "; you are in global".utf8)
            case .loggedIn(let account):
                bytes.append(contentsOf: "logged in as ".utf8)
                bytes.append(contentsOf: account.text.utf8)
                bytes.append(contentsOf: "; you are in global".utf8)
            case .returnedToGlobal(let room):
                bytes.append(contentsOf: "left ".utf8)
                bytes.append(contentsOf: room.text.utf8)
                bytes.append(contentsOf: "; you are in global".utf8)
            case .created(let room):
                bytes.append(contentsOf: "created ".utf8)
                bytes.append(contentsOf: room.text.utf8)
                bytes.append(contentsOf: "; you are in ".utf8)
                bytes.append(contentsOf: room.text.utf8)
            case .joined(let room):
                bytes.append(contentsOf: "joined ".utf8)
                bytes.append(contentsOf: room.text.utf8)
            case .whisperSent(let target):
                bytes.append(contentsOf: "whisper sent to ".utf8)
                bytes.append(contentsOf: target.text.utf8)
            case .kicked(let target):
                bytes.append(contentsOf: "kicked ".utf8)
                bytes.append(contentsOf: target.text.utf8)
            case .banned(let target):
                bytes.append(contentsOf: "banned ".utf8)
                bytes.append(contentsOf: target.text.utf8)
            case .unbanned(let target):
                bytes.append(contentsOf: "unbanned ".utf8)
                bytes.append(contentsOf: target.text.utf8)
            case .passwordChanged:
                bytes.append(contentsOf: "password changed".utf8)
            case .help(let text):
                bytes.append(contentsOf: text.utf8)
            case .history(let room):
                bytes.append(contentsOf: "history of ".utf8)
                bytes.append(contentsOf: room.text.utf8)
                bytes.append(contentsOf: " follows".utf8)
            }
        }

        /// Bytes of `text`. Rendered to count (an OK answers one command, so it is rare):
        /// one definition of the format, not a second copy of its lengths.
        var wireSize: Int {
            var bytes: [UInt8] = []
            render(into: &bytes)
            return bytes.count
        }
    }
}
