import Testing

@testable import ChatCore

/// Answers irctest (the IRC servers' conformance suite) checks, each found failing there.
extension IRCSessionTests {
    @Test("PING without a token is 409 ERR_NOORIGIN, not a PONG")
    func pingWithoutToken() {
        var session = welcomed()
        let out = session.bytesReceived(irc("PING"), now: t0)
        #expect(out.ircLines == [":parley 409 alice :No origin specified"])
    }

    @Test("USER with an empty username or real name is 461 and does not count as USER")
    func userWithEmptyFields() {
        var session = fresh()
        var out = session.bytesReceived(irc("NICK alice", "USER alice 0 * :"), now: t0)
        #expect(out.ircLines == [":parley 461 alice USER :Not enough parameters"])
        out = session.bytesReceived(irc("USER  0 * :Alice"), now: t0)
        #expect(out.ircLines == [":parley 461 alice USER :Not enough parameters"])
        out = session.bytesReceived(irc("PASS alice:hunter22"), now: t0)
        #expect(out.mail.isEmpty)  // registration still waits for a good USER
    }

    @Test("NAMES of a name that is no channel is 366 for that name alone, with nothing asked of Parley")
    func namesOfNoChannel() {
        var session = welcomed()
        let out = session.bytesReceived(irc("NAMES invalid"), now: t0)
        #expect(out.ircLines == [":parley 366 alice invalid :End of /NAMES list"])
        #expect(out.mail.isEmpty)
    }

    @Test("LIST with channels lists only those of the live rooms")
    func listOfChannels() {
        var session = welcomed()
        _ = session.bytesReceived(irc("LIST #lounge,#nonexistent,bad"), now: t0)
        var out = session.receive(.deliver(.rooms([.global, name("lounge")])), now: t0)
        #expect(
            out.ircLines == [
                ":parley 321 alice Channel :Users  Name", ":parley 322 alice #lounge 0 :",
                ":parley 323 alice :End of /LIST",
            ])
        _ = session.bytesReceived(irc("LIST #nonexistent"), now: t0)
        out = session.receive(.deliver(.rooms([.global, name("lounge")])), now: t0)
        #expect(out.ircLines == [":parley 321 alice Channel :Users  Name", ":parley 323 alice :End of /LIST"])
    }

    @Test("with userhost-in-names, NAMES lists each member as nick!nick@parley")
    func userhostInNames() {
        var session = welcomed(caps: "userhost-in-names")
        _ = session.bytesReceived(irc("NAMES"), now: t0)
        let out = session.receive(.deliver(.users(room: .global, names: [name("alice"), name("bob")])), now: t0)
        #expect(
            out.ircLines == [
                ":parley 353 alice = #global :alice!alice@parley bob!bob@parley",
                ":parley 366 alice #global :End of /NAMES list",
            ])
    }
}

extension IRCSessionTests {
    @Test("a server name given at start is the prefix of replies and of PONG")
    func serverNameGiven() {
        var session = IRCSession(
            id: id, address: "192.0.2.9", wallClockOffset: .zero, now: t0, serverName: "My.Little.Server")
        _ = session.opened(now: t0)
        let out = session.bytesReceived(irc("PING :abc", "FROB"), now: t0)
        #expect(
            out.ircLines == [
                ":My.Little.Server PONG My.Little.Server :abc", ":My.Little.Server 451 * FROB :You have not registered",
            ])
    }

    @Test("a server name is 1 to 32 of A-Z a-z 0-9 . and -")
    func serverNameSpelling() {
        #expect(IRCSession.isServerName("irc.example-1.org"))
        #expect(!IRCSession.isServerName(""))
        #expect(!IRCSession.isServerName("has space"))
        #expect(!IRCSession.isServerName("colon:name"))
        #expect(!IRCSession.isServerName(String(repeating: "a", count: 33)))
    }
}

extension IRCSessionTests {
    @Test("with the password floor lowered to 6, REGISTER with a 6-byte password goes to the Gate and 5 bytes do not")
    func loweredPasswordFloor() {
        var limits = Limits.standard
        limits.minPasswordBytes = 6
        var session = fresh(limits: limits)
        var out = session.bytesReceived(irc("NICK bob", "USER bob 0 * :Bob", "REGISTER bob * sesam"), now: t0)
        #expect(out.mail.isEmpty)
        #expect(
            out.ircLines.last?.hasPrefix(":parley FAIL REGISTER UNACCEPTABLE_PASSWORD bob :passwords are 6 to") == true)
        out = session.bytesReceived(irc("REGISTER bob * sesame"), now: t0)
        #expect(out.mail == [.gate(.register(id, name("bob"), Password("sesame"), address: "192.0.2.9"))])
    }
}

extension IRCSessionTests {
    @Test("registration finished in the middle of a SASL exchange aborts it with 906")
    func registrationAbortsSASL() {
        var session = fresh()
        _ = session.bytesReceived(irc("CAP LS 302", "CAP REQ :sasl", "AUTHENTICATE PLAIN"), now: t0)
        let out = session.bytesReceived(irc("NICK bob", "USER bob 0 * :Bob", "CAP END"), now: t0)
        #expect(out.ircLines.first == ":parley 906 bob :SASL authentication aborted")
        #expect(out.mail.isEmpty)
    }

    @Test("AUTHENTICATE after 001 is 462: no re-authentication")
    func noReauthentication() {
        var session = welcomed()
        let out = session.bytesReceived(irc("AUTHENTICATE PLAIN"), now: t0)
        #expect(out.ircLines == [":parley 462 alice :You may not reauthenticate"])
    }
}
