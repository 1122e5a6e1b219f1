import ParleyClient
import Testing

@Suite("Passwords typed at the prompt")
struct PasswordMaskingTests {
    @Test("/login and /register echo the password masked and stay out of history")
    func masks() {
        #expect(
            InputEcho.of("/login alice correct-horse") == InputEcho(shown: "/login alice ********", remember: false))
        #expect(InputEcho.of("/REGISTER bob pass word") == InputEcho(shown: "/REGISTER bob ********", remember: false))
        #expect(InputEcho.of("/login alice") == InputEcho(shown: "/login alice", remember: false))
        #expect(InputEcho.of("/users") == InputEcho(shown: "/users", remember: true))
        #expect(InputEcho.of("/loginx a b") == InputEcho(shown: "/loginx a b", remember: true))
    }

    @Test("the prompt shows stars for the password while it is typed, one per character")
    func masksWhileTyping() {
        #expect(String(InputEcho.maskedForPrompt(Array("/login alice hunter22"))) == "/login alice ********")
        #expect(String(InputEcho.maskedForPrompt(Array("/register  bob  pw x"))) == "/register  bob  ** *")
        #expect(String(InputEcho.maskedForPrompt(Array("/whisper bob secret"))) == "/whisper bob secret")
    }

    @Test("a submitted /login never reaches the editor's history, other lines do")
    func historyExcludesPasswords() {
        var editor = LineEditor()
        for line in ["/login alice hunter22", "hello", "/users"] {
            _ = editor.apply(.insert(line))
            guard case .submit(let typed) = editor.apply(.enter) else {
                Issue.record("Enter submits")
                return
            }
            if InputEcho.of(typed).remember { editor.remember(typed) }
        }
        #expect(editor.history == ["hello", "/users"])
        #expect(!editor.history.joined().contains("hunter22"))
    }
}

@Suite("The line editor")
struct LineEditorTests {
    func editor(_ text: String) -> LineEditor {
        var editor = LineEditor()
        _ = editor.apply(.insert(text))
        return editor
    }

    @Test("typing, moving, backspace and delete edit at the cursor")
    func editing() {
        var e = editor("helo")
        #expect(e.apply(.left) == .redraw)
        _ = e.apply(.insert("l"))
        #expect(e.text == "hello" && e.cursor == 4)
        _ = e.apply(.home)
        #expect(e.apply(.left) == .none)
        _ = e.apply(.delete)
        _ = e.apply(.end)
        _ = e.apply(.backspace)
        #expect(e.text == "ell" && e.cursor == 3)
        #expect(e.apply(.right) == .none)
    }

    @Test("Ctrl-U, Ctrl-K and Ctrl-W delete to the start, to the end and the word before")
    func killing() {
        var e = editor("one two  three")
        _ = e.apply(.killWordBack)
        #expect(e.text == "one two  ")
        _ = e.apply(.killWordBack)
        #expect(e.text == "one ")
        _ = e.apply(.insert("x y"))
        _ = e.apply(.wordLeft)
        #expect(e.cursor == 6)
        _ = e.apply(.killToEnd)
        #expect(e.text == "one x ")
        _ = e.apply(.killToStart)
        #expect(e.text == "" && e.cursor == 0)
    }

    @Test("multi-byte characters move and delete as one, combining marks join their letter")
    func unicode() {
        var e = editor("日本é👍🏽")
        #expect(e.characters.count == 4)
        _ = e.apply(.backspace)
        #expect(e.text == "日本é")
        _ = e.apply(.insert("e"))
        _ = e.apply(.insert("\u{301}"))
        #expect(e.characters.count == 4 && e.cursor == 4)
        _ = e.apply(.left)
        _ = e.apply(.backspace)
        #expect(e.text == "日本e\u{301}")
    }

    @Test("up and down walk the history and bring the draft back")
    func history() {
        var e = LineEditor()
        e.remember("first")
        e.remember("second")
        e.remember("second")
        e.remember("   ")
        #expect(e.history == ["first", "second"])
        _ = e.apply(.insert("draft"))
        _ = e.apply(.up)
        #expect(e.text == "second")
        _ = e.apply(.up)
        #expect(e.text == "first")
        #expect(e.apply(.up) == .none)
        _ = e.apply(.down)
        _ = e.apply(.down)
        #expect(e.text == "draft" && e.cursor == 5)
    }

    @Test("Enter submits and clears; Ctrl-C quits; Ctrl-D quits only on an empty line")
    func submitAndQuit() {
        var e = editor("hi")
        _ = e.apply(.home)
        #expect(e.apply(.endOfFile) == .redraw)
        #expect(e.text == "i")
        #expect(e.apply(.enter) == .submit("i"))
        #expect(e.text == "" && e.cursor == 0)
        #expect(e.apply(.endOfFile) == .quit)
        var other = editor("x")
        #expect(other.apply(.interrupt) == .quit)
    }
}

@Suite("Keys from a raw terminal")
struct KeyDecoderTests {
    @Test("printable ASCII and UTF-8 run together; a character split across reads waits for its end")
    func text() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array("hi é".utf8)) == [.insert("hi é")])
        let bytes = Array("日".utf8)
        #expect(decoder.feed(bytes[0..<2]) == [])
        #expect(decoder.feed(bytes[2...]) == [.insert("日")])
    }

    @Test("control keys and escape sequences become editing keys")
    func controls() {
        var decoder = KeyDecoder()
        let input: [UInt8] = [0x01, 0x05, 0x15, 0x17, 0x0B, 0x03, 0x04, 0x7F, 0x0D]
        #expect(
            decoder.feed(input) == [
                .home, .end, .killToStart, .killWordBack, .killToEnd, .interrupt, .endOfFile,
                .backspace, .enter,
            ])
        let arrows = "\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D\u{1B}OH\u{1B}[4~\u{1B}[3~\u{1B}[1;5D\u{1B}[1;5C"
        #expect(
            decoder.feed(Array(arrows.utf8)) == [
                .up, .down, .right, .left, .home, .end, .delete, .wordLeft, .wordRight,
            ])
    }

    @Test("an escape sequence split across reads is decoded once complete; unknown ones are dropped")
    func partialEscape() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1B]) == [])
        #expect(decoder.feed(Array("[".utf8)) == [])
        #expect(decoder.feed(Array("Dx".utf8)) == [.left, .insert("x")])
        #expect(decoder.feed(Array("\u{1B}[200~a".utf8)) == [.insert("a")])
        #expect(decoder.feed(Array("\u{1B}[?25h".utf8)) == [])
    }

    @Test("CR LF from a paste is one Enter; stray bytes and invalid UTF-8 are dropped")
    func pasteAndGarbage() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array("a\r\nb\n".utf8)) == [.insert("a"), .enter, .insert("b"), .enter])
        #expect(decoder.feed([0xFF, 0x80, 0x41, 0xC3, 0x41]) == [.insert("AA")])
    }
}

@Suite("The prompt line")
struct PromptLayoutTests {
    @Test("a short line shows whole, with the cursor after the prompt and the text before it")
    func short() {
        let layout = PromptLayout.make(prompt: "> ", characters: Array("hello"), cursor: 3, width: 80)
        #expect(layout == PromptLayout(visible: "> hello", cursorColumn: 5))
    }

    @Test("wide characters count two columns")
    func wide() {
        let layout = PromptLayout.make(prompt: "> ", characters: Array("日本a"), cursor: 2, width: 80)
        #expect(layout.cursorColumn == 6)
        #expect(DisplayWidth.of("e\u{301}" as Character) == 1)
        #expect(DisplayWidth.of("👍" as Character) == 2)
    }

    @Test("a long line scrolls so the cursor stays visible and nothing wraps")
    func scrolls() {
        let text = Array(String(repeating: "abcdefghij", count: 10))
        let end = PromptLayout.make(prompt: "> ", characters: text, cursor: text.count, width: 20)
        #expect(end.visible.count <= 19)
        #expect(end.cursorColumn <= 18)
        #expect(end.visible.hasSuffix("ghij"))
        let start = PromptLayout.make(prompt: "> ", characters: text, cursor: 0, width: 20)
        #expect(start == PromptLayout(visible: "> abcdefghijabcdefg", cursorColumn: 2))
    }

    @Test("a very narrow terminal drops the prompt rather than the text")
    func narrow() {
        let layout = PromptLayout.make(prompt: "[global] alice> ", characters: Array("hi"), cursor: 2, width: 12)
        #expect(layout == PromptLayout(visible: "hi", cursorColumn: 2))
    }
}
