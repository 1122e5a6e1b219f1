/// Columns a character takes in a terminal: 2 for East Asian wide characters and most
/// emoji, 0 for a lone combining mark or format character, 1 otherwise. An approximation
/// of `wcwidth` that needs no locale; good enough to keep the cursor where it belongs.
public enum DisplayWidth {
    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.contains("\u{FE0F}") { return 2 }  // emoji presentation
        return of(first)
    }

    public static func of(_ text: some Sequence<Character>) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        return wideRanges.contains { $0.contains(value) } ? 2 : 1
    }

    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x2E80...0x303E,
        0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3,
        0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F900...0x1F9FF, 0x1FA70...0x1FAFF,
        0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}

/// What the prompt line shows: the prompt and the part of the typed line that fits in
/// the terminal's width, scrolled sideways so the cursor is always visible.
public struct PromptLayout: Equatable, Sendable {
    /// The whole line to draw (prompt included), never wider than `width - 1` columns,
    /// so the terminal never wraps it.
    public let visible: String
    /// The cursor's column, 0-based.
    public let cursorColumn: Int

    public init(visible: String, cursorColumn: Int) {
        self.visible = visible
        self.cursorColumn = cursorColumn
    }

    /// - Parameters:
    ///   - characters: the line as it should be shown (passwords already masked).
    ///   - cursor: the cursor's index into `characters`.
    ///   - width: the terminal's width in columns.
    public static func make(prompt: String, characters: [Character], cursor: Int, width: Int) -> PromptLayout {
        precondition((0...characters.count).contains(cursor), "the cursor is inside the line")
        let usable = max(width - 1, 1)
        var prompt = prompt
        var promptWidth = DisplayWidth.of(prompt)
        if usable - promptWidth < 8 {  // a narrow terminal: the typed line matters more
            prompt = ""
            promptWidth = 0
        }
        let room = usable - promptWidth
        let widths = characters.map(DisplayWidth.of)
        // Scroll only as far as needed for the cursor (and one cell after it) to fit.
        var start = 0
        var beforeCursor = widths[..<cursor].reduce(0, +)
        while start < cursor, beforeCursor + 1 > room {
            beforeCursor -= widths[start]
            start += 1
        }
        var end = start
        var used = 0
        while end < characters.count, used + widths[end] <= room {
            used += widths[end]
            end += 1
        }
        return PromptLayout(
            visible: prompt + String(characters[start..<end]),
            cursorColumn: promptWidth + beforeCursor)
    }
}

extension InputEcho {
    /// The line as the prompt shows it while typing: after `/login NAME ` or
    /// `/register NAME `, every character is a `*`. Same length, so the cursor maps 1:1.
    public static func maskedForPrompt(_ characters: [Character]) -> [Character] {
        guard isSecret(String(characters)) else { return characters }
        var words = 0
        var inWord = false
        return characters.map { character in
            if character == " " {
                inWord = false
                return character
            }
            if !inWord {
                inWord = true
                words += 1
            }
            return words > 2 ? "*" : character
        }
    }
}
