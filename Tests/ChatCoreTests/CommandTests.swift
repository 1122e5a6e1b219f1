import ChatCore
import Testing

private func parse(_ text: String) -> Result<Command, CommandError>? {
    Command.parse(Array(text.utf8))
}

@Suite("Parsing client lines")
struct CommandTests {
    @Test(
        "invisible format characters and line separators are refused",
        arguments: ["\u{202E}", "\u{2066}", "\u{200B}", "\u{FEFF}", "\u{2028}", "\u{2029}", "\u{00AD}"])
    func formatCharactersRefused(_ scalar: String) {
        #expect(parse("hi" + scalar + "there") == .failure(.controlCharacters))
    }

    @Test("emoji joined with a zero-width joiner, tabs and accents pass")
    func joinedEmojiPass() {
        #expect(parse("👩\u{200D}💻\tcafé") == .success(.say("👩\u{200D}💻\tcafé")))
    }

    @Test("a plain line is a message to the room")
    func plainLineIsSay() {
        #expect(parse("hello there") == .success(.say("hello there")))
    }

    @Test("every command of the protocol parses")
    func everyCommandParses() throws {
        let alice = try #require(Name("alice"))
        let lounge = try #require(Name("lounge"))
        #expect(parse("/register alice hunter22") == .success(.register(alice, Password("hunter22"))))
        #expect(parse("/login alice hunter22") == .success(.login(alice, Password("hunter22"))))
        #expect(parse("/users") == .success(.users))
        #expect(parse("/whisper alice psst, over here") == .success(.whisper(to: alice, text: "psst, over here")))
        #expect(parse("/createchatroom lounge") == .success(.createRoom(lounge)))
        #expect(parse("/create lounge") == .success(.createRoom(lounge)))
        #expect(parse("/join lounge") == .success(.join(lounge)))
        #expect(parse("/chatrooms") == .success(.listRooms))
        #expect(parse("/leave") == .success(.leave))
        #expect(parse("/me waves at everyone") == .success(.act("waves at everyone")))
        #expect(parse("/me ") == .failure(.missingArgument(command: "me", argument: "ACTION")))
        #expect(parse("/help") == .success(.help))
        #expect(parse("/quit") == .success(.quit(message: nil)))
        #expect(parse("/quit gone fishing") == .success(.quit(message: "gone fishing")))
        #expect(parse("/quit   ") == .success(.quit(message: nil)))
        #expect(parse("/exit") == .success(.quit(message: nil)))
    }

    @Test("an unknown command is named in its error")
    func unknownCommand() {
        #expect(parse("/dance wildly") == .failure(.unknownCommand("dance")))
        #expect(CommandError.unknownCommand("dance").serverLine.rendered.hasPrefix("ERR bad-command "))
    }

    @Test("a missing argument says which one")
    func missingArgument() {
        #expect(parse("/join") == .failure(.missingArgument(command: "join", argument: "ROOM")))
        #expect(parse("/whisper bob") == .failure(.missingArgument(command: "whisper", argument: "MESSAGE")))
        #expect(parse("/login alice") == .failure(.missingArgument(command: "login", argument: "PASSWORD")))
        #expect(parse("/users everyone") == .failure(.unexpectedArgument(command: "users")))
    }

    @Test("hostile names are refused as bad names")
    func hostileNames() {
        for name in ["'; DROP TABLE accounts; --", "../../etc/passwd", String(repeating: "a", count: 4000), "bøb"] {
            #expect(parse("/register \(name) longenough") == .failure(.badName), "\(name.prefix(40))")
        }
        #expect(parse("/register " + String(repeating: "a", count: 5000) + " longenough") == .failure(.lineTooLong))
        #expect(Name(String(repeating: "a", count: 32)) != nil)
        #expect(Name(String(repeating: "a", count: 33)) == nil)
    }

    @Test("names compare without regard to case")
    func namesIgnoreCase() {
        #expect(Name("Alice") == Name("alice"))
        #expect(Name("Alice")?.text == "Alice")
    }

    @Test("a short password or one with a space is refused and never echoed")
    func badPasswords() {
        #expect(parse("/register alice short") == .failure(.badPassword(minBytes: 8)))
        #expect(parse("/register alice two words") == .failure(.badPassword(minBytes: 8)))
        #expect(!CommandError.badPassword(minBytes: 8).serverLine.rendered.contains("short"))
        #expect("\(Password("hunter22"))" == "<redacted>")
    }

    @Test("a line over 4096 bytes is too long")
    func lineTooLong() {
        #expect(parse(String(repeating: "x", count: 4097)) == .failure(.lineTooLong))
        #expect(parse(String(repeating: "x", count: 4096)) == .success(.say(String(repeating: "x", count: 4096))))
    }

    @Test("escape sequences, NUL and C1 controls are refused, tab is allowed")
    func controlCharacters() {
        #expect(parse("\u{1B}[2J gotcha") == .failure(.controlCharacters))
        #expect(parse("nul\u{0}byte") == .failure(.controlCharacters))
        #expect(parse("c1\u{9B}31m") == .failure(.controlCharacters))
        #expect(parse("/whisper bob \u{7}") == .failure(.controlCharacters))
        #expect(parse("a\tb") == .success(.say("a\tb")))
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(Command.parse([0x68, 0xFF, 0xFE]) == .failure(.invalidUTF8))
    }

    @Test("a blank line asks for nothing")
    func blankLine() {
        #expect(parse("") == nil)
        #expect(parse("   ") == nil)
    }
}

@Suite("Rendering server lines")
struct ServerLineTests {
    @Test("each kind of line starts with its upper-case word")
    func rendering() throws {
        let global = Name.global
        let alice = try #require(Name("alice"))
        let bob = try #require(Name("bob"))
        #expect(ServerLine.ok(.joined(try #require(Name("x")))).rendered == "OK joined x\n")
        #expect(ServerLine.error(.noSuchRoom, "none").rendered == "ERR no-such-room none\n")
        #expect(ServerLine.message(room: global, from: alice, text: "hi").rendered == "MSG global alice hi\n")
        #expect(ServerLine.whisper(from: alice, to: bob, text: "psst").rendered == "WHISPER alice bob psst\n")
        #expect(ServerLine.event(room: global, text: "bob joined").rendered == "EVENT global bob joined\n")
        #expect(ServerLine.users(room: global, names: [alice, bob]).rendered == "USERS global alice bob\n")
        #expect(ServerLine.rooms([global]).rendered == "ROOMS global\n")
        #expect(ServerLine.bye(.slowReader, "too slow").rendered == "BYE slow-reader too slow\n")
    }

    @Test("the wire size counted for the outbound queue is the rendered size")
    func wireSize() throws {
        let alice = try #require(Name("alice"))
        let lines: [ServerLine] = [
            .message(room: .global, from: alice, text: "héllo"),
            .whisper(from: alice, to: alice, text: "x"),
            .ok(.registered(alice)),
            .ok(.loggedIn(alice)),
            .ok(.returnedToGlobal(from: alice)),
            .ok(.created(alice)),
            .ok(.joined(alice)),
            .ok(.whisperSent(to: alice)),
            .ok(.help("commands: /help, /quit")),
            .error(.noSuchUser, "bob is not in lounge"),
            .event(room: .global, text: "bob jöined"),
            .bye(.slowReader, "you are not reading fast enough"),
            .users(room: .global, names: [alice, alice]),
            .rooms([.global, alice]),
            .rooms([]),
        ]
        for line in lines { #expect(line.wireSize == line.rendered.utf8.count) }
    }
}

@Suite("Framing lines")
struct LineFramerTests {
    @Test("lines split at newline, a carriage return before it is dropped, halves are joined")
    func splitting() {
        var framer = LineFramer(maxUnterminatedBytes: 1 << 20)
        #expect(framer.append(Array("one\r\ntw".utf8)) == [.line(Array("one".utf8))])
        #expect(framer.append(Array("o\nthree\n".utf8)) == [.line(Array("two".utf8)), .line(Array("three".utf8))])
    }

    @Test("an overlong line is reported once and the next line is read normally")
    func overlong() {
        var framer = LineFramer(maxUnterminatedBytes: 1 << 20)
        let long = [UInt8](repeating: 0x61, count: 5000)
        #expect(framer.append(long) == [.tooLong])
        #expect(framer.append(long) == [])
        #expect(framer.append(Array("\nok\n".utf8)) == [.line(Array("ok".utf8))])
    }

    @Test("megabytes without a newline overflow")
    func overflow() {
        var framer = LineFramer(maxUnterminatedBytes: 1 << 20)
        var outputs: [LineFramer.Output] = []
        for _ in 0..<300 { outputs += framer.append([UInt8](repeating: 0x61, count: 16 * 1024)) }
        #expect(outputs == [.tooLong, .overflow])
    }
}

@Suite("Command: the password floor")
struct PasswordFloorTests {
    @Test("a floor of 6 takes a 6-byte password, refuses 5 bytes, and says the floor")
    func floorOfSix() {
        #expect(parse6("/login alice sesame") == .success(.login(name("alice"), Password("sesame"))))
        if case .failure(let error)? = Command.parse(Array("/login alice sesam".utf8), minPasswordBytes: 6) {
            #expect(error == .badPassword(minBytes: 6))
            #expect(error.serverLine == .error(.badPassword, "passwords are 6 to 256 bytes with no spaces"))
        } else {
            Issue.record("a 5-byte password passed a floor of 6")
        }
        #expect(parse6("/passwd sesame sesam") == .failure(.badPassword(minBytes: 6)))
    }

    private func parse6(_ text: String) -> Result<Command, CommandError>? {
        Command.parse(Array(text.utf8), minPasswordBytes: 6)
    }
}
