/// One thing the person did at the keyboard.
public enum Key: Equatable, Sendable {
    /// Printable text (one key, or a paste run together).
    case insert(String)
    case enter
    case backspace
    case delete
    case left, right, home, end
    case wordLeft, wordRight
    case up, down
    /// Ctrl-C: quit.
    case interrupt
    /// Ctrl-D: quit on an empty line, else delete under the cursor (as readline does).
    case endOfFile
    /// Ctrl-U: delete from the start of the line to the cursor.
    case killToStart
    /// Ctrl-K: delete from the cursor to the end of the line.
    case killToEnd
    /// Ctrl-W or Alt-Backspace: delete the word before the cursor.
    case killWordBack
    /// Ctrl-L: redraw.
    case redraw
    /// Ctrl-Z: suspend to the shell, as a program in cooked mode would.
    case suspend
}

/// Turns the bytes a terminal in raw mode sends into keys: UTF-8 (characters split
/// across reads are kept until complete), control keys, and the escape sequences of
/// xterm-like terminals (arrows, Home/End/Delete, Ctrl-arrows). Unknown sequences are
/// dropped whole, never inserted as text.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []
    private var lastWasCarriageReturn = false

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending.append(contentsOf: bytes)
        var keys: [Key] = []
        var index = 0
        while index < pending.count {
            guard let (key, length) = decode(at: index) else { break }  // incomplete: wait
            index += length
            guard let key else { continue }
            if case .insert(let text) = key, case .insert(let previous)? = keys.last {
                keys[keys.count - 1] = .insert(previous + text)
            } else {
                keys.append(key)
            }
        }
        pending.removeFirst(index)
        return keys
    }

    /// The key at `index` and how many bytes it took; `(nil, n)` for bytes to drop; `nil`
    /// when the bytes so far are the start of something longer.
    private mutating func decode(at index: Int) -> (Key?, Int)? {
        let byte = pending[index]
        let afterCR = lastWasCarriageReturn
        lastWasCarriageReturn = byte == 0x0D
        switch byte {
        case 0x1B: return escape(at: index)
        case 0x0D: return (.enter, 1)
        case 0x0A: return (afterCR ? nil : .enter, 1)  // CR LF from a paste is one Enter
        case 0x7F, 0x08: return (.backspace, 1)
        case 0x01: return (.home, 1)
        case 0x02: return (.left, 1)
        case 0x03: return (.interrupt, 1)
        case 0x04: return (.endOfFile, 1)
        case 0x05: return (.end, 1)
        case 0x06: return (.right, 1)
        case 0x0B: return (.killToEnd, 1)
        case 0x0C: return (.redraw, 1)
        case 0x0E: return (.down, 1)
        case 0x10: return (.up, 1)
        case 0x15: return (.killToStart, 1)
        case 0x17: return (.killWordBack, 1)
        case 0x1A: return (.suspend, 1)
        case 0x09: return (.insert(" "), 1)
        case 0x00..<0x20: return (nil, 1)
        case 0x20..<0x80: return (.insert(String(UnicodeScalar(byte))), 1)
        default: return utf8(at: index)
        }
    }

    private func utf8(at index: Int) -> (Key?, Int)? {
        let lead = pending[index]
        let length: Int
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return (nil, 1)  // a stray continuation byte or an invalid lead
        }
        let available = pending.count - index
        for offset in 1..<min(length, available) where pending[index + offset] & 0xC0 != 0x80 {
            return (nil, offset)  // broken sequence: drop what was read of it
        }
        guard available >= length else { return nil }
        let bytes = pending[index..<index + length]
        guard let text = String(validating: bytes, as: UTF8.self),
            !text.unicodeScalars.contains(where: Sanitizer.isUnsafe)
        else { return (nil, length) }
        return (.insert(text), length)
    }

    private func escape(at index: Int) -> (Key?, Int)? {
        guard index + 1 < pending.count else { return nil }
        let next = pending[index + 1]
        switch next {
        case UInt8(ascii: "["): return controlSequence(at: index)
        case UInt8(ascii: "O"):
            guard index + 2 < pending.count else { return nil }
            return (finalKey(pending[index + 2], parameters: []), 3)
        case UInt8(ascii: "b"): return (.wordLeft, 2)
        case UInt8(ascii: "f"): return (.wordRight, 2)
        case 0x7F, 0x08: return (.killWordBack, 2)
        case 0x1B: return (nil, 1)  // ESC ESC: drop the first
        default: return (nil, 2)  // Alt-something we do not use
        }
    }

    /// ESC [ parameters final: parameters are digits and ';', the final byte 0x40...0x7E.
    private func controlSequence(at index: Int) -> (Key?, Int)? {
        var cursor = index + 2
        while cursor < pending.count {
            let byte = pending[cursor]
            if (0x40...0x7E).contains(byte) {
                let parameters = String(decoding: pending[(index + 2)..<cursor], as: UTF8.self)
                    .split(separator: ";").map { Int($0) ?? 0 }
                return (finalKey(byte, parameters: parameters), cursor - index + 1)
            }
            guard (0x20...0x3F).contains(byte), cursor - index < 32 else { return (nil, cursor - index) }
            cursor += 1
        }
        return nil
    }

    private func finalKey(_ final: UInt8, parameters: [Int]) -> Key? {
        let modified = parameters.count >= 2 && parameters[1] != 1  // Ctrl/Alt with an arrow
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return modified ? .wordRight : .right
        case UInt8(ascii: "D"): return modified ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch parameters.first {
            case 1, 7: return .home
            case 4, 8: return .end
            case 3: return .delete
            default: return nil
            }
        default: return nil
        }
    }
}
