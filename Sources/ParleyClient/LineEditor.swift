/// The line being typed, its cursor, and the history: the editing part of the prompt,
/// with no terminal in it. Positions count `Character`s (grapheme clusters), so an accent
/// typed as a combining mark or an emoji moves as one.
public struct LineEditor: Sendable {
    /// What the caller should do after a key.
    public enum Action: Equatable, Sendable {
        /// Nothing visible changed.
        case none
        /// The line or the cursor changed: redraw the prompt.
        case redraw
        /// Enter: this line was typed (the editor is empty again). Not yet in history:
        /// the caller decides with `remember`, so passwords never get there.
        case submit(String)
        /// Ctrl-C, or Ctrl-D on an empty line.
        case quit
        /// Ctrl-L: clear the screen and redraw.
        case clearScreen
        /// Ctrl-Z: give the terminal back and stop until the shell continues us.
        case suspend
    }

    public private(set) var characters: [Character] = []
    /// 0...characters.count.
    public private(set) var cursor = 0
    public private(set) var history: [String] = []
    private var historyIndex: Int?
    private var draft: [Character] = []
    private let historyLimit: Int

    public init(historyLimit: Int = 500) {
        precondition(historyLimit > 0)
        self.historyLimit = historyLimit
    }

    public var text: String { String(characters) }

    public mutating func apply(_ key: Key) -> Action {
        switch key {
        case .insert(let text): insert(text)
        case .enter: return submit()
        case .backspace:
            guard cursor > 0 else { return .none }
            replace(cursor - 1..<cursor, with: "")
        case .delete: return deleteForward()
        case .left: return move(to: cursor - 1)
        case .right: return move(to: cursor + 1)
        case .home: return move(to: 0)
        case .end: return move(to: characters.count)
        case .wordLeft: return move(to: wordStart(before: cursor))
        case .wordRight: return move(to: wordEnd(after: cursor))
        case .up: return recall(-1)
        case .down: return recall(+1)
        case .interrupt: return .quit
        case .endOfFile: return characters.isEmpty ? .quit : deleteForward()
        case .killToStart: replace(0..<cursor, with: "")
        case .killToEnd: replace(cursor..<characters.count, with: "")
        case .killWordBack: replace(wordStart(before: cursor)..<cursor, with: "")
        case .redraw: return .clearScreen
        case .suspend: return .suspend
        }
        return .redraw
    }

    /// Adds a submitted line to history (skipping blanks and repeats of the last one).
    public mutating func remember(_ line: String) {
        guard line.contains(where: { $0 != " " }), history.last != line else { return }
        history.append(line)
        if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
    }

    private mutating func insert(_ text: String) {
        replace(cursor..<cursor, with: text)
    }

    /// Replaces a range and puts the cursor after the replacement. Rebuilding through a
    /// String lets a combining mark join the character before it.
    private mutating func replace(_ range: Range<Int>, with text: String) {
        let before = String(characters[..<range.lowerBound]) + text
        let after = characters[range.upperBound...]
        let joined = before + String(after)
        characters = Array(joined)
        // If the text ends in a base character and a combining mark follows, the two merge
        // and the cursor lands after the merged character.
        cursor = min(before.count, characters.count)
    }

    private mutating func deleteForward() -> Action {
        guard cursor < characters.count else { return .none }
        replace(cursor..<cursor + 1, with: "")
        return .redraw
    }

    private mutating func move(to position: Int) -> Action {
        let clamped = max(0, min(position, characters.count))
        guard clamped != cursor else { return .none }
        cursor = clamped
        return .redraw
    }

    private mutating func submit() -> Action {
        let line = text
        characters = []
        cursor = 0
        historyIndex = nil
        draft = []
        return .submit(line)
    }

    private mutating func recall(_ step: Int) -> Action {
        guard !history.isEmpty else { return .none }
        let current = historyIndex ?? history.count
        let target = max(0, min(current + step, history.count))
        guard target != current else { return .none }
        if historyIndex == nil { draft = characters }
        if target == history.count {
            historyIndex = nil
            characters = draft
        } else {
            historyIndex = target
            characters = Array(history[target])
        }
        cursor = characters.count
        return .redraw
    }

    /// Start of the word before `position`: skip spaces, then non-spaces.
    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0, characters[index - 1] == " " { index -= 1 }
        while index > 0, characters[index - 1] != " " { index -= 1 }
        return index
    }

    /// End of the word after `position`: skip spaces, then non-spaces.
    private func wordEnd(after position: Int) -> Int {
        var index = position
        while index < characters.count, characters[index] == " " { index += 1 }
        while index < characters.count, characters[index] != " " { index += 1 }
        return index
    }
}
