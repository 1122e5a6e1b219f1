import ParleyClient
import Testing

@Suite("Rendering server lines for a person")
struct RenderingTests {
    let alice = ChatView(name: "alice", room: "global")

    func text(_ line: String, _ view: ChatView = ChatView(name: "alice", room: "global")) -> String {
        LineRenderer.render(line, view: view).text
    }

    @Test("MSG shows the room and the sender; your own message the same, in its own style")
    func messages() {
        #expect(
            LineRenderer.render("MSG global bob hi there", view: alice)
                == DisplayLine("[global] bob: hi there", .message, emphasis: 13))
        #expect(LineRenderer.render("MSG global Alice me too", view: alice).style == .ownMessage)
        #expect(text("MSG global Alice me too") == "[global] Alice: me too")
    }

    @Test("ACTION shows the room, a star and the sender; your own the same, in its own style")
    func actions() {
        #expect(
            LineRenderer.render("ACTION global bob waves", view: alice)
                == DisplayLine("[global] * bob waves", .message, emphasis: 14))
        #expect(LineRenderer.render("ACTION global Alice nods", view: alice).style == .ownMessage)
    }

    @Test("a HISTORY line shows its stored time and is dimmed; its end says where live lines begin")
    func history() {
        #expect(
            LineRenderer.render("HISTORY global 2026-12-02T03:04:05.123Z bob hi there", view: alice)
                == DisplayLine("2026-12-02 03:04:05 [global] bob: hi there", .history))
        #expect(
            LineRenderer.render("HISTORY-END global", view: alice)
                == DisplayLine("--- end of global's history; live from here ---", .history))
        #expect(Styler(colour: true).apply(DisplayLine("x", .history)) == "\u{1B}[2mx\u{1B}[0m")
    }

    @Test("WHISPER is addressed to you")
    func whisper() {
        #expect(
            LineRenderer.render("WHISPER bob alice psst", view: alice)
                == DisplayLine("[whisper] bob -> you: psst", .whisper, emphasis: 21))
    }

    @Test("a quit EVENT is a star line, with the quit message when there is one")
    func quitEvent() {
        let alice = ChatView(name: "alice", room: "global")
        #expect(LineRenderer.render("EVENT global carol quit", view: alice) == DisplayLine("* carol quit", .event))
        #expect(
            LineRenderer.render("EVENT lounge carol quit: off to bed", view: alice)
                == DisplayLine("* [lounge] carol quit: off to bed", .event))
    }

    @Test("EVENT is a star line, naming the room when it is not yours")
    func events() {
        #expect(LineRenderer.render("EVENT global carol joined", view: alice) == DisplayLine("* carol joined", .event))
        #expect(text("EVENT lounge carol left") == "* [lounge] carol left")
        #expect(text("EVENT lounge carol left", ChatView()) == "* carol left")
    }

    @Test("USERS and ROOMS become lists")
    func listings() {
        #expect(
            LineRenderer.render("USERS global alice bob", view: alice)
                == DisplayLine("users in global: alice, bob", .success))
        #expect(text("ROOMS global lounge") == "rooms: global, lounge")
    }

    @Test("OK shows its text, ERR says error with the code, BYE says disconnected")
    func statusLines() {
        #expect(LineRenderer.render("OK whisper sent to bob") == DisplayLine("whisper sent to bob", .success))
        #expect(
            LineRenderer.render("ERR no-such-user nobody called zed here")
                == DisplayLine("error: nobody called zed here (no-such-user)", .error))
        #expect(LineRenderer.render("BYE goodbye see you") == DisplayLine("disconnected: see you", .goodbye))
        #expect(
            text("BYE replaced your account logged in from elsewhere")
                == "disconnected: your account logged in from elsewhere (replaced)")
        #expect(text("BYE shutdown") == "disconnected: shutdown")
    }

    @Test("unknown and malformed lines are shown as they are")
    func unknown() {
        #expect(LineRenderer.render("PING 123") == DisplayLine("PING 123", .unknown))
        #expect(LineRenderer.render("MSG global") == DisplayLine("MSG global", .unknown))
        #expect(LineRenderer.render("") == DisplayLine("", .unknown))
    }

    @Test("control characters and bidi overrides from the server never reach the terminal")
    func sanitises() {
        let hostile = "MSG global bob \u{1B}[2Jgotcha\u{07}\u{9B}31m \u{202E}txt.exe\tend"
        let shown = text(hostile)
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(!shown.unicodeScalars.contains("\u{202E}"))
        #expect(shown == "[global] bob: \u{FFFD}[2Jgotcha\u{FFFD}\u{FFFD}31m \u{FFFD}txt.exe end")
        #expect(text("\u{1B}]0;title\u{07}") == "\u{FFFD}]0;title\u{FFFD}")
    }

    @Test("the styler adds SGR codes only when colour is on")
    func styles() {
        let line = DisplayLine("error: nope (bad-name)", .error)
        #expect(Styler(colour: false).apply(line) == "error: nope (bad-name)")
        #expect(Styler(colour: true).apply(line) == "\u{1B}[1;31merror: nope (bad-name)\u{1B}[0m")
        let message = DisplayLine("[global] bob: hi", .message, emphasis: 13)
        #expect(Styler(colour: true).apply(message) == "\u{1B}[1m[global] bob:\u{1B}[0m hi")
        #expect(Terminal.wantsColour(outputIsTerminal: true, environment: [:]))
        #expect(!Terminal.wantsColour(outputIsTerminal: true, environment: ["NO_COLOR": "1"]))
        #expect(!Terminal.wantsColour(outputIsTerminal: false, environment: [:]))
    }

    @Test("the view learns the name and the room from the server's answers")
    func view() {
        var view = ChatView()
        view.observe("OK registered alice; you are in global")
        #expect(view == ChatView(name: "alice", room: "global"))
        view.observe("OK created lounge; you are in lounge")
        #expect(view.room == "lounge")
        view.observe("OK left lounge; you are in global")
        #expect(view.room == "global")
        view.observe("OK joined lounge")
        #expect(view.room == "lounge")
        view.observe("MSG lounge bob joined lounge")
        #expect(view.room == "lounge")
        var other = ChatView()
        other.observe("OK logged in as Bob; you are in global")
        #expect(other == ChatView(name: "Bob", room: "global"))
    }

    @Test("the view follows a kick out of a temporary room back to global, which comes with no OK")
    func kickedView() {
        var view = ChatView(name: "bob", room: "lounge")
        view.observe("EVENT lounge carol was kicked by alice")
        #expect(view.room == "lounge")
        view.observe("EVENT lounge you were kicked from lounge by alice: too loud; you are in global")
        #expect(view.room == "global")
    }
}
