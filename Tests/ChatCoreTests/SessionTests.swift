import ChatCore
import Testing

@Suite("Session: one connection's state machine")
struct SessionTests {
    let id = SessionID(7)

    func loggedInSession(limits: Limits = .standard) -> Session {
        var session = Session(id: id, address: "192.0.2.9", limits: limits, now: t0)
        _ = session.opened(now: t0)
        _ = session.bytesReceived(bytes("/login alice hunter22"), now: t0)
        _ = session.receive(.loggedIn(name("alice"), registered: false), now: t0)
        _ = session.receive(.entered(.global), now: t0)
        return session
    }

    @Test("opening arms the login deadline")
    func openingArmsDeadline() {
        var session = Session(id: id, address: "a", now: t0)
        #expect(session.opened(now: t0) == [])
        #expect(session.pendingWake == t0 + .seconds(60))
    }

    @Test("the login deadline's wake pauses while the Gate has the login and is gone once logged in")
    func loginDropsTheDeadlineWake() {
        var session = Session(id: id, address: "a", now: t0)
        _ = session.opened(now: t0)
        #expect(session.pendingWake == t0 + .seconds(60))
        _ = session.bytesReceived(bytes("/login alice hunter22"), now: t0)
        #expect(session.pendingWake == nil)
        _ = session.receive(.loggedIn(name("alice"), registered: false), now: t0)
        _ = session.receive(.entered(.global), now: t0)
        #expect(session.pendingWake == nil)
    }

    @Test("text before login gets an error and sends no mail")
    func textBeforeLogin() {
        var session = Session(id: id, address: "a", now: t0)
        let effects = session.bytesReceived(bytes("hello everyone"), now: t0)
        #expect(effects.mail.isEmpty)
        #expect(effects.written.map(\.rendered).allSatisfy { $0.hasPrefix("ERR not-logged-in") })
        #expect(effects.written.count == 1)
    }

    @Test("a login goes to the gate and lines typed meanwhile wait for its answer")
    func linesWaitForLogin() {
        var session = Session(id: id, address: "192.0.2.9", now: t0)
        let first = session.bytesReceived(bytes("/login alice hunter22") + bytes("hi all"), now: t0)
        #expect(first.mail == [.gate(.login(id, name("alice"), Password("hunter22"), address: "192.0.2.9"))])
        let granted = session.receive(.loggedIn(name("alice"), registered: false), now: t0)
        #expect(granted == [.send(.lobby(.enter(id, name("alice"))))])
        let entered = session.receive(.entered(.global), now: t0)
        #expect(
            entered == [
                .write(.ok(.loggedIn(name("alice")))),
                .send(.lobby(.member(.say(id, text: "hi all")))),
            ])
        #expect(session.room == .global)
    }

    @Test("a connection lost during login waits for the gate, then logs the account out")
    func lostDuringLogin() {
        var session = Session(id: id, address: "a", now: t0)
        _ = session.bytesReceived(bytes("/login alice hunter22"), now: t0)
        #expect(session.connectionLost(now: t0) == [.closeConnection, .send(.gate(.loginAbandoned(id)))])
        #expect(!session.isFinished)
        let answer = session.receive(.loggedIn(name("alice"), registered: false), now: t0)
        #expect(answer == [.send(.gate(.logout(id, name("alice"), reason: .disconnected))), .retire])
    }

    @Test("a connection lost during a join leaves the room it lands in, then logs out")
    func lostDuringJoin() {
        var session = loggedInSession()
        let lounge = RoomRef(id: RoomID(3), name: name("lounge"))
        #expect(session.bytesReceived(bytes("/join lounge"), now: t0).mail == [.lobby(.join(id, room: name("lounge")))])
        _ = session.connectionLost(now: t0)
        #expect(
            session.receive(.entered(lounge), now: t0) == [.send(.room(RoomID(3), .member(.quit(id, message: nil))))])
        #expect(
            session.receive(.left(RoomID(3)), now: t0) == [
                .send(.gate(.logout(id, name("alice"), reason: .disconnected))), .retire,
            ])
    }

    @Test("no login within the deadline closes the connection")
    func loginDeadline() {
        var session = Session(id: id, address: "a", now: t0)
        _ = session.opened(now: t0)
        #expect(session.tick(now: t0 + .seconds(59)).isEmpty)
        let effects = session.tick(now: t0 + .seconds(60))
        #expect(effects.first == .write(.bye(.loginTimeout, "no login within 60.0 seconds")))
        #expect(effects.contains(.closeConnection))
        #expect(session.isFinished)
    }

    @Test("time a login spends with the Gate does not count against the login deadline")
    func loginDeadlineWhileAuthenticating() {
        var session = Session(id: id, address: "a", now: t0)
        _ = session.opened(now: t0)
        _ = session.bytesReceived(bytes("/login alice wrong-one"), now: t0 + .seconds(10))
        #expect(session.tick(now: t0 + .seconds(60)).isEmpty)
        _ = session.receive(.loginRefused(.wrongCredentials, "wrong name or password"), now: t0 + .seconds(40))
        #expect(session.pendingWake == t0 + .seconds(90))
        #expect(session.tick(now: t0 + .seconds(80)).isEmpty)
        #expect(session.tick(now: t0 + .seconds(90)).contains(.closeConnection))
    }

    @Test("past the burst, lines wait for the bucket and are read later in order")
    func fakeLag() {
        var session = loggedInSession()
        let burst = (1...25).flatMap { bytes("line \($0)") }
        let now = session.bytesReceived(burst, now: t0)
        #expect(now.mail.count == 19)  // the login line took one token
        #expect(session.pendingWake == t0 + .milliseconds(100))
        let later = session.tick(now: t0 + .seconds(1))
        #expect(later.mail == (20...25).map { .lobby(.member(.say(id, text: "line \($0)"))) })
    }

    @Test("a flood past the held lines is closed with BYE flood")
    func flood() {
        var session = loggedInSession()
        let flood = (1...200).flatMap { bytes("spam \($0)") }
        let effects = session.bytesReceived(flood, now: t0)
        #expect(effects.contains(.write(.bye(.flood, "too many lines too fast"))))
        #expect(effects.contains(.closeConnection))
        #expect(effects.mail.contains(.lobby(.member(.quit(id, message: nil)))))
    }

    @Test("a reader that falls too far behind is closed with BYE slow-reader")
    func slowReader() {
        var limits = Limits.standard
        limits.maxOutboxBytes = 1000
        var session = loggedInSession(limits: limits)
        let line = ServerLine.message(room: .global, from: name("bob"), text: String(repeating: "z", count: 200))
        var effects: [SessionEffect] = []
        for _ in 0..<10 { effects += session.receive(.deliver(line), now: t0) }
        #expect(effects.contains(.write(.bye(.slowReader, "you are not reading fast enough"))))
        #expect(effects.written.filter { $0 == line }.count == 4)
    }

    @Test("megabytes without a newline close the connection")
    func unterminated() {
        var session = loggedInSession()
        var effects: [SessionEffect] = []
        for _ in 0..<80 { effects += session.bytesReceived([UInt8](repeating: 0x41, count: 16_384), now: t0) }
        #expect(effects.written.first == .error(.lineTooLong, "lines are at most 4096 bytes; the line was dropped"))
        #expect(effects.contains(.closeConnection))
    }

    @Test("create and join are for global only")
    func notInGlobal() {
        var session = loggedInSession()
        _ = session.bytesReceived(bytes("/create lounge"), now: t0)
        _ = session.receive(.entered(RoomRef(id: RoomID(1), name: name("lounge"))), now: t0)
        let effects = session.bytesReceived(bytes("/join other") + bytes("/chatrooms"), now: t0)
        #expect(effects.mail.isEmpty)
        let codes = effects.written.compactMap { line -> ErrorCode? in
            if case .error(let code, _) = line { return code }
            return nil
        }
        #expect(codes == [.notInGlobal, .notInGlobal])
    }

    @Test("leave from global says goodbye and closes")
    func leaveFromGlobal() {
        var session = loggedInSession()
        let effects = session.bytesReceived(bytes("/leave"), now: t0)
        #expect(effects.prefix(2) == [.write(.bye(.goodbye, "you left global")), .closeConnection])
        #expect(effects.mail == [.lobby(.member(.quit(id, message: nil)))])
    }

    @Test("a replaced session says why, closes, and leaves its room")
    func replaced() {
        var session = loggedInSession()
        let effects = session.receive(.replaced, now: t0)
        #expect(
            effects == [
                .write(.bye(.replaced, "your account logged in from elsewhere")),
                .closeConnection,
                .send(.lobby(.member(.quit(id, message: nil)))),
            ])
        #expect(
            session.receive(.left(.global), now: t0) == [
                .send(.gate(.logout(id, name("alice"), reason: .replaced))), .retire,
            ])
    }
}
