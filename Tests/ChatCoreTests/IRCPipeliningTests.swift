import Testing

@testable import ChatCore

/// Messages to the channel go on while earlier ones are in flight; every answer still
/// settles its own command, in the order the client typed them.
@Suite("IRCSession: messages in flight")
struct IRCPipeliningTests {
    let id = SessionID(9)
    let lounge = RoomRef(id: RoomID(3), name: Name("lounge")!)

    func irc(_ lines: String...) -> [UInt8] { Array(lines.map { $0 + "\r\n" }.joined().utf8) }

    /// Registered as alice with echo-message, in #lounge, NAMES answered.
    func inLounge() -> IRCSession {
        var session = IRCSession(id: id, address: "192.0.2.9", wallClockOffset: .zero, now: t0)
        _ = session.opened(now: t0)
        _ = session.bytesReceived(irc("CAP LS 302", "CAP REQ :echo-message"), now: t0)
        _ = session.bytesReceived(irc("PASS alice:hunter22", "NICK alice", "USER alice 0 * :Alice", "CAP END"), now: t0)
        _ = session.receive(.loggedIn(name("alice"), registered: false), now: t0)
        _ = session.receive(.entered(.global), now: t0)
        _ = session.receive(.deliver(.users(room: .global, names: [name("alice")])), now: t0)
        _ = session.bytesReceived(irc("JOIN #lounge"), now: t0)
        _ = session.receive(.entered(lounge), now: t0)
        _ = session.receive(.deliver(.users(room: lounge.name, names: [name("alice")])), now: t0)
        return session
    }

    /// The lounge's kick notice for alice, by `kicker`.
    func kickNotice(by kicker: String) -> SessionMessage {
        .kicked(
            lounge.id, .event(room: lounge.name, text: "you were kicked from lounge by \(kicker); you are in global"))
    }

    func said(_ texts: String...) -> [SessionMail] { texts.map { .room(lounge.id, .member(.say(id, text: $0))) } }

    func echo(_ text: String) -> SessionMessage {
        .deliver(.message(room: lounge.name, from: name("alice"), text: text))
    }

    @Test("an error for the second of three messages in flight is the second's 404, and the others echo")
    func errorsMapToTheirMessage() {
        var session = inLounge()
        let out = session.bytesReceived(irc("PRIVMSG #lounge :a", "PRIVMSG #lounge :b", "PRIVMSG #lounge :c"), now: t0)
        #expect(out.mail == said("a", "b", "c"))
        var answers = session.receive(echo("a"), now: t0).ircLines
        answers += session.receive(.deliver(.error(.storeFailed, "not saved")), now: t0).ircLines
        answers += session.receive(echo("c"), now: t0).ircLines
        #expect(
            answers == [
                ":alice!alice@parley PRIVMSG #lounge :a",
                ":parley 404 alice #lounge :Cannot send to channel: not saved",
                ":alice!alice@parley PRIVMSG #lounge :c",
            ])
    }

    @Test("a channel message of only spaces or formatting is refused with 412 and holds nothing up")
    func blankMessageIsRefused() {
        var session = inLounge()
        let out = session.bytesReceived(
            irc("PRIVMSG #lounge :   ", "PRIVMSG #lounge :\u{2}\u{2}", "PART #lounge"), now: t0)
        #expect(out.ircLines == [":parley 412 alice :No text to send", ":parley 412 alice :No text to send"])
        #expect(out.mail == [.room(lounge.id, .member(.leave(id)))])
    }

    @Test("a NOTICE in flight takes its error silently, and the PRIVMSG behind it still gets its own 404")
    func noticeErrorStaysSilentInLine() {
        var session = inLounge()
        _ = session.bytesReceived(irc("NOTICE #lounge :a", "PRIVMSG #lounge :b"), now: t0)
        #expect(session.receive(.deliver(.error(.storeFailed, "not saved")), now: t0).ircLines.isEmpty)
        let out = session.receive(.deliver(.error(.storeFailed, "not saved")), now: t0)
        #expect(out.ircLines == [":parley 404 alice #lounge :Cannot send to channel: not saved"])
    }

    @Test("a message Parley would refuse waits for the messages in flight, so its 404 comes after their echoes")
    func refusedMessageWaits() {
        var session = inLounge()
        var out = session.bytesReceived(irc("PRIVMSG #lounge :a", "PRIVMSG #lounge :look\u{200B}here"), now: t0)
        #expect(out.mail == said("a"))
        #expect(out.ircLines.isEmpty)
        out = session.receive(echo("a"), now: t0)
        #expect(out.ircLines.count == 2)
        #expect(out.ircLines.first == ":alice!alice@parley PRIVMSG #lounge :a")
        #expect(out.ircLines.last?.hasPrefix(":parley 404 alice #lounge :") == true)
    }

    @Test("a PART waits until every message before it is answered")
    func partWaitsForMessages() {
        var session = inLounge()
        var out = session.bytesReceived(irc("PRIVMSG #lounge :a", "PRIVMSG #lounge :b", "PART #lounge"), now: t0)
        #expect(out.mail == said("a", "b"))
        out = session.receive(echo("a"), now: t0)
        #expect(out.mail.isEmpty)
        out = session.receive(echo("b"), now: t0)
        #expect(out.mail == [.room(lounge.id, .member(.leave(id)))])
    }

    @Test("a whisper waits for the messages before it, and the messages after it wait for its answer")
    func whisperIsNotPipelined() {
        var session = inLounge()
        var out = session.bytesReceived(irc("PRIVMSG #lounge :a", "PRIVMSG bob :psst", "PRIVMSG #lounge :b"), now: t0)
        #expect(out.mail == said("a"))
        out = session.receive(echo("a"), now: t0)
        #expect(out.mail == [.room(lounge.id, .member(.whisper(id, to: name("bob"), text: "psst")))])
        out = session.receive(.deliver(.error(.noSuchUser, "bob is not in lounge")), now: t0)
        #expect(out.ircLines == [":parley 401 alice bob :bob is not in lounge"])
        #expect(out.mail == said("b"))
    }

    @Test("kicked with messages in flight: the room's errors for them are dropped, and lines go on back in global")
    func kickedWithMessagesInFlight() {
        var session = inLounge()
        _ = session.bytesReceived(irc("PRIVMSG #lounge :a", "PRIVMSG #lounge :b"), now: t0)
        var out = session.receive(kickNotice(by: "bob"), now: t0)
        #expect(
            out.ircLines.contains(
                ":alice!alice@parley KICK #lounge alice :you were kicked from lounge by bob; you are in global"))
        out = session.bytesReceived(irc("PRIVMSG #global :c"), now: t0)
        #expect(out.mail.isEmpty)
        out = session.receive(.deliver(.error(.noSuchRoom, "you are not in lounge")), now: t0)
        #expect(out.ircLines.isEmpty)
        _ = session.receive(.left(lounge.id), now: t0)
        out = session.receive(.entered(.global), now: t0)
        #expect(out.mail == [.lobby(.member(.users(id)))])
        out = session.receive(.deliver(.users(room: .global, names: [name("alice")])), now: t0)
        #expect(out.mail == [.lobby(.member(.say(id, text: "c")))])
    }
}

extension IRCPipeliningTests {
    @Test("kicked while its PART is in flight, the client is put in #global once, by the KICK")
    func kickedWhileLeaving() {
        var session = inLounge()
        _ = session.bytesReceived(irc("PART #lounge"), now: t0)
        let kicked = session.receive(kickNotice(by: "bob"), now: t0)
        #expect(
            kicked.ircLines.suffix(2) == [
                ":alice!alice@parley KICK #lounge alice :you were kicked from lounge by bob; you are in global",
                ":alice!alice@parley JOIN :#global",
            ])
        _ = session.receive(.left(lounge.id), now: t0)
        let back = session.receive(.entered(.global), now: t0)
        #expect(back.ircLines.isEmpty)
        #expect(back.mail == [.lobby(.member(.users(id)))])
    }
}

extension IRCPipeliningTests {
    @Test("kicked with a whisper in flight, the room's late answer to it settles nothing typed in global")
    func kickedWithAWhisperInFlight() {
        var session = inLounge()
        _ = session.bytesReceived(irc("PRIVMSG bob :w1"), now: t0)
        _ = session.receive(kickNotice(by: "carol"), now: t0)
        _ = session.receive(.left(lounge.id), now: t0)
        _ = session.receive(.entered(.global), now: t0)
        _ = session.receive(.deliver(.users(room: .global, names: [name("alice")])), now: t0)
        // Typed in global while the lounge's store still holds w1: it waits for w1's answer.
        var out = session.bytesReceived(irc("PRIVMSG dave :w2"), now: t0)
        #expect(out.mail.isEmpty)
        out = session.receive(.deliver(.ok(.whisperSent(to: name("bob")))), now: t0)
        #expect(out.ircLines.isEmpty)
        #expect(out.mail == [.lobby(.member(.whisper(id, to: name("dave"), text: "w2")))])
        out = session.receive(.deliver(.ok(.whisperSent(to: name("dave")))), now: t0)
        #expect(out.ircLines == [":alice!alice@parley PRIVMSG dave :w2"])
    }
}
