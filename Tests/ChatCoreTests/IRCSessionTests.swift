import Testing

@testable import ChatCore

/// IRC lines in, the Gate's, the Lobby's and rooms' answers given by hand, IRC lines out.
@Suite("IRCSession: IRC registration and commands mapped onto Parley's Session")
struct IRCSessionTests {
    let id = SessionID(9)
    let lounge = RoomRef(id: RoomID(3), name: Name("lounge")!)

    func irc(_ lines: String...) -> [UInt8] { Array(lines.map { $0 + "\r\n" }.joined().utf8) }

    func fresh(limits: Limits = .standard) -> IRCSession {
        var session = IRCSession(id: id, address: "192.0.2.9", limits: limits, wallClockOffset: .zero, now: t0)
        _ = session.opened(now: t0)
        return session
    }

    /// Registered as alice through PASS, welcomed, in global, NAMES answered.
    func welcomed(caps: String? = nil) -> IRCSession {
        var session = fresh()
        if let caps { _ = session.bytesReceived(irc("CAP LS 302", "CAP REQ :\(caps)"), now: t0) }
        _ = session.bytesReceived(irc("PASS alice:hunter22", "NICK alice", "USER alice 0 * :Alice"), now: t0)
        if caps != nil { _ = session.bytesReceived(irc("CAP END"), now: t0) }
        _ = session.receive(.loggedIn(name("alice"), registered: false), now: t0)
        _ = session.receive(.entered(.global), now: t0)
        _ = session.receive(.deliver(.users(room: .global, names: [name("alice")])), now: t0)
        return session
    }

    @Test("SASL PLAIN logs in through the Gate and CAP END brings 001 to 005, 422, JOIN #global and NAMES")
    func saslRegistration() {
        var session = fresh()
        var out = session.bytesReceived(
            irc("CAP LS 302", "NICK alice", "USER alice 0 * :Alice", "CAP REQ :sasl", "AUTHENTICATE PLAIN"), now: t0)
        #expect(
            out.ircLines.contains(
                ":parley CAP * LS :echo-message message-tags multi-prefix sasl=PLAIN server-time userhost-in-names"))
        #expect(out.ircLines.suffix(2) == [":parley CAP alice ACK :sasl", "AUTHENTICATE :+"])
        out = session.bytesReceived(irc("AUTHENTICATE AGFsaWNlAGh1bnRlcjIy"), now: t0)
        #expect(out.mail == [.gate(.login(id, name("alice"), Password("hunter22"), address: "192.0.2.9"))])
        _ = session.receive(.loggedIn(name("alice"), registered: false), now: t0)
        out = session.receive(.entered(.global), now: t0)
        #expect(out.ircLines.map { $0.prefix(11) } == [":parley 900", ":parley 903"])
        out = session.bytesReceived(irc("CAP END"), now: t0)
        #expect(
            out.ircLines.map { String($0.split(separator: " ")[1]) } == [
                "001", "002", "003", "004", "005", "422", "JOIN",
            ])
        #expect(out.ircLines[4].contains("CHANTYPES=# CASEMAPPING=ascii NICKLEN=32 CHANNELLEN=33"))
        #expect(out.mail == [.lobby(.member(.users(id)))])
        out = session.receive(.deliver(.users(room: .global, names: [name("alice"), name("bob")])), now: t0)
        #expect(
            out.ircLines == [":parley 353 alice = #global :alice bob", ":parley 366 alice #global :End of /NAMES list"])
    }

    @Test("a wrong SASL password is 904 and the client may try again")
    func saslFailure() {
        var session = fresh()
        _ = session.bytesReceived(
            irc("CAP LS 302", "AUTHENTICATE PLAIN", "AUTHENTICATE AGFsaWNlAHdyb25ncGFzcw=="), now: t0)
        let out = session.receive(.loginRefused(.wrongCredentials, "wrong name or password"), now: t0)
        #expect(out.ircLines == [":parley 904 * :SASL authentication failed: wrong name or password"])
        #expect(!session.isClosing)
    }

    @Test("a wrong PASS is 464, then ERROR, and the connection closes")
    func passFailure() {
        var session = fresh()
        _ = session.bytesReceived(irc("PASS alice:nope-nope", "NICK alice", "USER a 0 * :A"), now: t0)
        let out = session.receive(.loginRefused(.wrongCredentials, "wrong name or password"), now: t0)
        #expect(
            out.ircLines == [
                ":parley 464 alice :Password incorrect: wrong name or password", "ERROR :Closing link: see you",
            ])
        #expect(out.contains(.closeConnection))
    }

    @Test("a nick that is not the account's name is refused with 433 until NICK matches")
    func nickMustBeAccount() {
        var session = fresh()
        var out = session.bytesReceived(irc("PASS alice:hunter22", "NICK bob", "USER a 0 * :A"), now: t0)
        #expect(out.ircLines == [":parley 433 bob bob :Nicknames are account names: use NICK alice"])
        #expect(out.mail.isEmpty)
        out = session.bytesReceived(irc("NICK Alice"), now: t0)
        #expect(out.mail == [.gate(.login(id, name("alice"), Password("hunter22"), address: "192.0.2.9"))])
    }

    @Test("a nick that is no Parley name is 432, and no NICK is 431")
    func badNick() {
        var session = fresh()
        let out = session.bytesReceived(irc("NICK al!ce", "NICK"), now: t0)
        #expect(
            out.ircLines == [
                ":parley 432 * al!ce :Erroneous nickname: 1 to 32 of A-Z a-z 0-9 _ -",
                ":parley 431 * :No nickname given",
            ])
    }

    @Test("registering without credentials gets a notice naming SASL, PASS and REGISTER")
    func noCredentials() {
        var session = fresh()
        let out = session.bytesReceived(irc("NICK alice", "USER a 0 * :A"), now: t0)
        #expect(out.ircLines.count == 1)
        #expect(out.ircLines[0].contains("SASL PLAIN") && out.ircLines[0].contains("PASS account:password"))
        #expect(out.ircLines[0].contains("REGISTER <account> * <password>"))
    }

    @Test("REGISTER creates the account through the Gate and answers REGISTER SUCCESS")
    func registerCommand() {
        var session = fresh()
        var out = session.bytesReceived(irc("NICK carol", "USER c 0 * :C", "REGISTER * * battery-staple"), now: t0)
        #expect(out.mail == [.gate(.register(id, name("carol"), Password("battery-staple"), address: "192.0.2.9"))])
        _ = session.receive(.loggedIn(name("carol"), registered: true), now: t0)
        out = session.receive(.entered(.global), now: t0)
        #expect(out.ircLines.first == ":parley REGISTER SUCCESS carol :Account created; you are logged in")
        #expect(out.ircLines.contains(":parley 001 carol :Welcome to Parley, carol!carol@parley"))
    }

    @Test("commands other than registration's before 001 get 451")
    func notRegistered() {
        var session = fresh()
        let out = session.bytesReceived(irc("JOIN #global"), now: t0)
        #expect(out.ircLines == [":parley 451 * JOIN :You have not registered"])
        #expect(out.mail.isEmpty)
    }

    @Test("JOIN of a missing room from global creates it: PART #global, JOIN #room, then NAMES")
    func joinCreates() {
        var session = welcomed()
        var out = session.bytesReceived(irc("JOIN #lounge"), now: t0)
        #expect(out.mail == [.lobby(.join(id, room: name("lounge")))])
        out = session.receive(.moveRefused(.noSuchRoom, "no room lounge"), now: t0)
        #expect(out.mail == [.lobby(.create(id, room: name("lounge")))])
        #expect(out.ircLines.isEmpty)
        out = session.receive(.entered(lounge), now: t0)
        #expect(
            out.ircLines == [
                ":alice!alice@parley PART #global :one room at a time: to #lounge", ":alice!alice@parley JOIN :#lounge",
            ])
        #expect(out.mail == [.room(lounge.id, .member(.users(id)))])
    }

    @Test("JOIN from a temporary room leaves it first (PART) and goes through global")
    func joinFromTemporaryRoom() {
        var session = welcomed()
        _ = session.bytesReceived(irc("JOIN #lounge"), now: t0)
        _ = session.receive(.entered(lounge), now: t0)
        _ = session.receive(.deliver(.users(room: lounge.name, names: [name("alice")])), now: t0)
        var out = session.bytesReceived(irc("JOIN #den"), now: t0)
        #expect(out.mail == [.room(lounge.id, .member(.leave(id)))])
        _ = session.receive(.left(lounge.id), now: t0)
        out = session.receive(.entered(.global), now: t0)
        #expect(
            out.ircLines == [":alice!alice@parley PART #lounge :back to #global", ":alice!alice@parley JOIN :#global"])
        #expect(out.mail == [.lobby(.member(.users(id)))])
        out = session.receive(.deliver(.users(room: .global, names: [name("alice")])), now: t0)
        #expect(out.mail == [.lobby(.join(id, room: name("den")))])
    }

    @Test("PART of a channel one is not on is 442; PART of the room goes back to global")
    func part() {
        var session = welcomed()
        var out = session.bytesReceived(irc("PART #den"), now: t0)
        #expect(out.ircLines == [":parley 442 alice #den :You're not on that channel"])
        _ = session.bytesReceived(irc("JOIN #lounge"), now: t0)
        _ = session.receive(.entered(lounge), now: t0)
        _ = session.receive(.deliver(.users(room: lounge.name, names: [name("alice")])), now: t0)
        out = session.bytesReceived(irc("PART #lounge"), now: t0)
        #expect(out.mail == [.room(lounge.id, .member(.leave(id)))])
    }

    @Test("PART #global is Parley's /leave from global: ERROR and the connection closes")
    func partGlobal() {
        var session = welcomed()
        let out = session.bytesReceived(irc("PART #global"), now: t0)
        #expect(out.ircLines == ["ERROR :Closing link: you left global"])
        #expect(out.contains(.closeConnection))
    }

    @Test("PRIVMSG to the channel is said in the room, and the next one goes on before the room's echo")
    func privmsgIsSaid() {
        var session = welcomed()
        var out = session.bytesReceived(irc("PRIVMSG #global :hi all", "PRIVMSG #global :again"), now: t0)
        #expect(out.mail == [.lobby(.member(.say(id, text: "hi all"))), .lobby(.member(.say(id, text: "again")))])
        out = session.receive(.deliver(.message(room: .global, from: name("alice"), text: "hi all")), now: t0)
        #expect(out.ircLines.isEmpty)  // no echo-message: the client shows its own line
    }

    @Test("with echo-message one's own message comes back, and with server-time it is stamped")
    func echoAndServerTime() {
        var session = welcomed(caps: "echo-message server-time")
        _ = session.bytesReceived(irc("PRIVMSG #global :hi"), now: t0)
        let out = session.receive(.deliver(.message(room: .global, from: name("alice"), text: "hi")), now: t0)
        #expect(out.ircLines == ["@time=1970-01-01T00:00:01.000Z :alice!alice@parley PRIVMSG #global :hi"])
    }

    @Test("another user's message is :nick!nick@parley PRIVMSG #room :text")
    func othersMessages() {
        var session = welcomed()
        let out = session.receive(.deliver(.message(room: .global, from: name("bob"), text: "hello there")), now: t0)
        #expect(out.ircLines == [":bob!bob@parley PRIVMSG #global :hello there"])
    }

    @Test("PRIVMSG to a channel one is not in is 404 and reaches no one")
    func privmsgElsewhere() {
        var session = welcomed()
        let out = session.bytesReceived(irc("PRIVMSG #den :psst"), now: t0)
        #expect(out.mail.isEmpty)
        #expect(out.ircLines.first?.hasPrefix(":parley 404 alice #den :") == true)
    }

    @Test("PRIVMSG to a nick is a whisper; a target not in the room is 401")
    func whisper() {
        var session = welcomed()
        var out = session.bytesReceived(irc("PRIVMSG bob :psst"), now: t0)
        #expect(out.mail == [.lobby(.member(.whisper(id, to: name("bob"), text: "psst")))])
        out = session.receive(.deliver(.error(.noSuchUser, "bob is not in global")), now: t0)
        #expect(out.ircLines == [":parley 401 alice bob :bob is not in global"])
    }

    @Test("a NOTICE that fails is never answered with an error")
    func noticeErrorsAreSilent() {
        var session = welcomed()
        var out = session.bytesReceived(irc("NOTICE #den :x", "NOTICE bob :psst"), now: t0)
        #expect(out.ircLines.isEmpty)
        out = session.receive(.deliver(.error(.noSuchUser, "bob is not in global")), now: t0)
        #expect(out.ircLines.isEmpty)
    }

    @Test("a whisper to me arrives as PRIVMSG to my nick")
    func whisperToMe() {
        var session = welcomed()
        let out = session.receive(.deliver(.whisper(from: name("bob"), to: name("alice"), text: "psst")), now: t0)
        #expect(out.ircLines == [":bob!bob@parley PRIVMSG alice :psst"])
    }

    @Test("formatting codes are stripped before the room sees the text")
    func formattingStripped() {
        var session = welcomed()
        let out = session.bytesReceived(irc("PRIVMSG #global :\u{2}bold\u{2} \u{3}4red"), now: t0)
        #expect(out.mail == [.lobby(.member(.say(id, text: "bold red")))])
    }

    @Test("a line over 512 bytes is 417 and reaches no one")
    func tooLong() {
        var session = welcomed()
        let out = session.bytesReceived(irc("PRIVMSG #global :" + String(repeating: "x", count: 600)), now: t0)
        #expect(out.ircLines == [":parley 417 alice :Input line was too long"])
        #expect(out.mail.isEmpty)
    }

    @Test("a Parley message longer than an IRC line arrives as several PRIVMSGs within 512 bytes")
    func longMessagesAreCut() {
        var session = welcomed()
        let text = String(repeating: "word ", count: 400)
        let out = session.receive(.deliver(.message(room: .global, from: name("bob"), text: text)), now: t0)
        #expect(out.ircLines.count > 1)
        #expect(out.ircLines.allSatisfy { $0.utf8.count + 2 <= 512 })
    }

    @Test("a quiet client gets PING after 90 s, and ERROR when it does not answer within 60 s")
    func idlePing() {
        var session = welcomed()
        #expect(session.pendingWake == t0 + .seconds(90))
        var out = session.tick(now: t0 + .seconds(90))
        #expect(out.ircLines == ["PING :parley"])
        out = session.tick(now: t0 + .seconds(150))
        #expect(out.ircLines == ["ERROR :Closing link: Ping timeout: 60 seconds"])
        #expect(out.mail == [.lobby(.member(.quit(id, message: nil)))])
        #expect(out.contains(.closeConnection))
    }

    @Test("PING is answered with PONG, and a PONG keeps the connection")
    func pingPong() {
        var session = welcomed()
        var out = session.bytesReceived(irc("PING :abc"), now: t0)
        #expect(out.ircLines == [":parley PONG parley :abc"])
        _ = session.tick(now: t0 + .seconds(90))
        out = session.bytesReceived(irc("PONG :parley"), now: t0 + .seconds(100))
        #expect(session.pendingWake == t0 + .seconds(190))
    }

    @Test("QUIT says ERROR, closes and quits the room with its reason")
    func quit() {
        var session = welcomed()
        let out = session.bytesReceived(irc("QUIT :gone fishing"), now: t0)
        #expect(out.ircLines == ["ERROR :Closing link: see you"])
        #expect(out.contains(.closeConnection))
        #expect(out.mail == [.lobby(.member(.quit(id, message: "gone fishing")))])
    }

    @Test("a QUIT reason Parley's line cannot carry still quits, with no reason")
    func quitUnsayableReason() {
        var session = welcomed()
        let out = session.bytesReceived(irc("QUIT :bell\u{7}"), now: t0)
        #expect(out.contains(.closeConnection))
        #expect(out.mail == [.lobby(.member(.quit(id, message: nil)))])
    }

    @Test("MODE, TOPIC, WHOIS and WHO get minimal well-formed answers")
    func queries() {
        var session = welcomed()
        var out = session.bytesReceived(irc("MODE #global", "MODE #global b", "TOPIC #global", "WHOIS bob"), now: t0)
        #expect(
            out.ircLines == [
                ":parley 324 alice #global :+nt", ":parley 368 alice #global :End of channel ban list",
                ":parley 331 alice #global :No topic is set", ":parley 311 alice bob bob parley * :bob",
                ":parley 318 alice bob :End of WHOIS list",
            ])
        _ = session.bytesReceived(irc("WHO #global"), now: t0)
        out = session.receive(.deliver(.users(room: .global, names: [name("alice")])), now: t0)
        #expect(
            out.ircLines == [
                ":parley 352 alice #global alice parley parley alice H :0 alice",
                ":parley 315 alice #global :End of WHO list",
            ])
    }

    @Test("LIST is 321, a 322 per room, 323; from a temporary room it lists where one is")
    func list() {
        var session = welcomed()
        _ = session.bytesReceived(irc("LIST"), now: t0)
        let out = session.receive(.deliver(.rooms([.global, name("lounge")])), now: t0)
        #expect(
            out.ircLines == [
                ":parley 321 alice Channel :Users  Name", ":parley 322 alice #global 0 :",
                ":parley 322 alice #lounge 0 :",
                ":parley 323 alice :End of /LIST",
            ])
    }

    @Test("someone joining or leaving the room is JOIN or PART from them")
    func events() {
        var session = welcomed()
        let out = session.receive(.deliver(.event(room: .global, text: "bob joined")), now: t0)
        #expect(out.ircLines == [":bob!bob@parley JOIN :#global"])
        let left = session.receive(.deliver(.event(room: .global, text: "bob left")), now: t0)
        #expect(left.ircLines == [":bob!bob@parley PART :#global"])
    }

    @Test("someone whose connection ended is QUIT from them, with their /quit message if they gave one")
    func quitEvents() {
        var session = welcomed()
        let bare = session.receive(.deliver(.event(room: .global, text: "bob quit")), now: t0)
        #expect(bare.ircLines == [":bob!bob@parley QUIT :Quit"])
        let said = session.receive(.deliver(.event(room: .global, text: "carol quit: off to bed")), now: t0)
        #expect(said.ircLines == [":carol!carol@parley QUIT :off to bed"])
    }

    @Test("CTCP ACTION to the channel is /me, and an ACTION line arrives as CTCP ACTION")
    func actions() {
        var session = welcomed()
        let out = session.bytesReceived(irc("PRIVMSG #global :\u{1}ACTION waves\u{1}"), now: t0)
        #expect(out.mail == [.lobby(.member(.act(id, text: "waves")))])
        let theirs = session.receive(.deliver(.action(room: .global, from: name("bob"), text: "nods")), now: t0)
        #expect(theirs.ircLines == [":bob!bob@parley PRIVMSG #global :\u{1}ACTION nods\u{1}"])
    }

    @Test("KICK is /kick in one's room, and a kick in the room arrives as KICK from the kicker")
    func kicks() {
        var session = welcomed()
        let out = session.bytesReceived(irc("KICK #global carol :too loud"), now: t0)
        #expect(
            out.mail == [
                .lobby(
                    .member(.kick(id, by: name("alice"), target: name("carol"), reason: "too loud", asOperator: false)))
            ])
        let event = session.receive(
            .deliver(.event(room: .global, text: "carol was kicked by alice: too loud")), now: t0)
        #expect(event.ircLines == [":alice!alice@parley KICK #global carol :too loud"])
    }
}

extension Array where Element == SessionEffect {
    /// The IRC lines written, without their CRLF (one Character, "\r\n").
    var ircLines: [String] {
        compactMap {
            if case .writeIRC(let message) = $0 { return String(message.rendered.dropLast()) } else { return nil }
        }
    }
}

@Suite("IRCSession under hostile input")
struct IRCSessionHostileInputTests {
    /// Seeded lines: real commands with odd arguments, over-long words, stray bytes.
    func lines(seed: UInt64, count: Int) -> [[UInt8]] {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let words = [
            "CAP", "LS", "302", "REQ", "END", "NICK", "USER", "PASS", "AUTHENTICATE", "PLAIN", "+", "*", "JOIN", "PART",
            "PRIVMSG", "NOTICE", "#global", "#lounge", "#", "0", "alice", ":", ":text", "NAMES", "LIST", "WHO", "WHOIS",
            "MODE", "b", "TOPIC", "PING", "PONG", "QUIT", "REGISTER", "AWAY", "@tag=x", ":src", "\u{1}ACTION", "\u{3}4",
            String(repeating: "x", count: 300), "AGFsaWNlAGh1bnRlcjIy", "é", "\u{202E}",
        ]
        return (0..<count).map { _ in
            var line = (0..<(1 + next(6))).map { _ in words[next(words.count)] }.joined(separator: " ")
            if next(10) == 0 { line += String(decoding: [UInt8(next(256))], as: UTF8.self) }
            return Array((line + (next(5) == 0 ? "\n" : "\r\n")).utf8)
        }
    }

    @Test("random lines never trap, and every line written keeps within 512 bytes")
    func hostileLines() {
        for seed in 1...200 as ClosedRange<UInt64> {
            var session = IRCSession(id: SessionID(1), address: "a", wallClockOffset: .zero, now: t0)
            var written: [IRCMessage] = []
            var now = t0
            for line in lines(seed: seed, count: 40) {
                now = now + .milliseconds(150)
                for case .writeIRC(let message) in session.bytesReceived(line, now: now) { written.append(message) }
                if session.isClosing { break }
            }
            #expect(written.allSatisfy { $0.wireSize - $0.tags.reduce(0) { $0 + $1.key.utf8.count + 2 } <= 512 })
        }
    }
}
