import ChatCore
import Testing

/// Moderation and `/passwd` in the core actors: an event in, the effects out.
@Suite("Moderation: owners, kicks, bans, /passwd")
struct ModerationTests {
    let password = Password("hunter22"), stored = PasswordHash("h")

    /// Logs `account` in on session `id`, with the store's operator flag; returns the grant.
    @discardableResult
    func login(_ gate: inout Gate, _ id: UInt64, _ account: String, isOperator: Bool = false) -> [Mail] {
        let started = gate.receive(.login(SessionID(id), name(account), password, address: "a\(id)"), now: t0).mail
        guard case .store(.fetchAccount(let ticket, _, _))? = started.first else { return started }
        _ = gate.receive(.store(.accountFound(ticket, name(account), stored, isOperator: isOperator)), now: t0)
        return gate.receive(.verified(ticket, matches: true, rehashed: nil), now: t0).mail
    }

    /// The operator on session 1 bans `target`; returns the store's ticket for it.
    func orderBan(_ gate: inout Gate, _ target: String) -> Ticket? {
        let request = GateMessage.setBanned(
            SessionID(1), by: name("root"), target: name(target), reason: nil, banning: true)
        guard case .store(.setBanned(let ticket, _, true, _))? = gate.receive(request, now: t0).mail.first else {
            return nil
        }
        return ticket
    }

    @Test("the Gate tells a login whether its account is an operator")
    func operatorFlagAtLogin() {
        var gate = Gate()
        #expect(
            login(&gate, 1, "root", isOperator: true).contains(
                .session(SessionID(1), .loggedIn(name("root"), registered: false, isOperator: true))))
    }

    @Test("a ban the store acknowledges sends the live session BYE banned and refuses the account's next grant")
    func banClosesLiveSession() throws {
        var gate = Gate()
        login(&gate, 1, "root", isOperator: true)
        login(&gate, 2, "mallory")
        let ticket = try #require(orderBan(&gate, "mallory"))
        let acknowledged = gate.receive(.store(.banChanged(ticket)), now: t0).mail
        #expect(acknowledged.contains(.session(SessionID(2), .banned)))
        #expect(acknowledged.contains(.session(SessionID(1), .deliver(.ok(.banned(name("mallory")))))))
        _ = gate.receive(.logout(SessionID(2), name("mallory"), reason: .banned), now: t0)
        // Fetched before the store knew (a login racing the ban): refused at its grant.
        #expect(
            login(&gate, 3, "mallory") == [
                .session(SessionID(3), .loginRefused(.banned, "mallory is banned from this server"))
            ])
    }

    @Test("only an online operator's ban reaches the store")
    func banNeedsOperator() {
        var gate = Gate()
        login(&gate, 1, "root")
        #expect(orderBan(&gate, "mallory") == nil)
    }

    @Test("wrong old passwords in /passwd count as failed logins in the Gate's throttle")
    func passwdThrottled() {
        var limits = Limits.standard
        limits.maxFailedLogins = 2
        var gate = Gate(limits: limits)
        for _ in 1...2 {
            let started = gate.receive(
                .changePassword(SessionID(1), name("bob"), old: password, new: Password("newsecret9"), address: "x"),
                now: t0
            ).mail
            guard case .store(.fetchAccount(let ticket, _, _))? = started.first else { return #expect(Bool(false)) }
            _ = gate.receive(.store(.accountFound(ticket, name("bob"), stored)), now: t0)
            let answer = gate.receive(.verified(ticket, matches: false, rehashed: nil), now: t0).mail
            #expect(
                answer.contains(
                    .session(SessionID(1), .deliver(.error(.wrongCredentials, "wrong password; it is unchanged")))))
        }
        let next = gate.receive(.login(SessionID(2), name("bob"), password, address: "x"), now: t0).mail
        guard case .session(_, .loginRefused(.rateLimited, _))? = next.first else { return #expect(Bool(false)) }
    }

    @Test("a right old password is followed by a hash of the new one, which the store takes")
    func passwdRehashes() throws {
        var gate = Gate()
        let new = Password("newsecret9")
        let started = gate.receive(
            .changePassword(SessionID(1), name("bob"), old: password, new: new, address: "x"), now: t0
        ).mail
        guard case .store(.fetchAccount(let ticket, _, _))? = started.first else { return #expect(Bool(false)) }
        _ = gate.receive(.store(.accountFound(ticket, name("bob"), stored)), now: t0)
        #expect(
            gate.receive(.verified(ticket, matches: true, rehashed: nil), now: t0).mail == [.hasher(.hash(ticket, new))]
        )
        let done = gate.receive(.hashed(ticket, PasswordHash("h2")), now: t0).mail
        #expect(done.first == .store(.updatePasswordHash(name("bob"), PasswordHash("h2"))))
        #expect(done.last == .session(SessionID(1), .deliver(.ok(.passwordChanged))))
    }

    @Test("a /passwd refused at the server's bound on logins in flight is answered with an ERR line")
    func passwdAtTheBoundIsAnswered() {
        var limits = Limits.standard
        limits.maxPendingLogins = 1
        var gate = Gate(limits: limits)
        _ = gate.receive(.login(SessionID(2), name("alice"), password, address: "y"), now: t0)
        let answer = gate.receive(
            .changePassword(SessionID(1), name("bob"), old: password, new: Password("newsecret9"), address: "x"),
            now: t0
        ).mail
        #expect(
            answer == [
                .session(SessionID(1), .deliver(.error(.serverBusy, "too many logins at once; try again soon")))
            ])
    }

    @Test("a password change's new hash frees its place at the pool for the next job waiting")
    func passwdHashPumpsTheQueue() throws {
        var limits = Limits.standard
        limits.hashingSlots = 1
        var gate = Gate(limits: limits)
        let new = Password("newsecret9")
        let started = gate.receive(
            .changePassword(SessionID(1), name("bob"), old: password, new: new, address: "x"), now: t0
        ).mail
        guard case .store(.fetchAccount(let change, _, _))? = started.first else { return #expect(Bool(false)) }
        _ = gate.receive(.store(.accountFound(change, name("bob"), stored)), now: t0)
        #expect(
            gate.receive(.verified(change, matches: true, rehashed: nil), now: t0).mail == [.hasher(.hash(change, new))]
        )
        let login = gate.receive(.login(SessionID(2), name("alice"), password, address: "y"), now: t0).mail
        guard case .store(.fetchAccount(let waiting, _, _))? = login.first else { return #expect(Bool(false)) }
        // The pool's one slot is the new hash's: the login waits.
        #expect(gate.receive(.store(.accountFound(waiting, name("alice"), stored)), now: t0).mail.isEmpty)
        let done = gate.receive(.hashed(change, PasswordHash("h2")), now: t0).mail
        #expect(done.contains(.session(SessionID(1), .deliver(.ok(.passwordChanged)))))
        #expect(done.contains(.hasher(.verify(waiting, password, against: stored))))
    }

    @Test("when the owner leaves, the member there longest owns the room and the room hears it")
    func ownershipPasses() {
        var room = Room(id: RoomID(1), name: name("den"), historyLines: 0)
        for (n, who) in ["alice", "bob", "carol"].enumerated() {
            _ = room.receive(.admit(SessionID(UInt64(n + 1)), name(who), created: n == 0), now: t0)
        }
        #expect(room.owner == SessionID(1))
        let effects = room.receive(.member(.leave(SessionID(1))), now: t0)
        #expect(room.owner == SessionID(2))
        #expect(effects.contains(.session(SessionID(3), .deliver(.event(room: name("den"), text: "bob now owns den")))))
    }

    @Test("a member who is not the owner cannot kick, and the kicked member gets nothing more from the room")
    func kickRules() {
        var room = Room(id: RoomID(1), name: name("den"), historyLines: 0)
        _ = room.receive(.admit(SessionID(1), name("alice"), created: true), now: t0)
        _ = room.receive(.admit(SessionID(2), name("bob"), created: false), now: t0)
        let refused = room.receive(
            .member(.kick(SessionID(2), by: name("bob"), target: name("alice"), reason: nil, asOperator: false)),
            now: t0)
        #expect(
            refused == [
                .session(
                    SessionID(2), .deliver(.error(.notOwner, "only the owner of den or an operator can kick here")))
            ])
        let kicked = room.receive(
            .member(.kick(SessionID(1), by: name("alice"), target: name("bob"), reason: nil, asOperator: false)),
            now: t0)
        #expect(
            kicked.contains {
                if case .session(SessionID(2), .kicked(RoomID(1), _)) = $0 { return true } else { return false }
            })
        #expect(room.members[SessionID(2)] == nil)
        #expect(
            !kicked.contains { if case .session(SessionID(2), .deliver) = $0 { return true } else { return false } })
    }

    @Test("a kicked member hears nothing of its message the store then fails; a member still there hears the error")
    func kickedSenderHearsNoStoreFailure() throws {
        var room = Room(id: RoomID(1), name: name("den"), historyLines: 0)
        _ = room.receive(.admit(SessionID(1), name("alice"), created: true), now: t0)
        _ = room.receive(.admit(SessionID(2), name("bob"), created: false), now: t0)
        func said(_ id: UInt64, _ text: String) -> Ticket? {
            let effects = room.receive(.member(.say(SessionID(id), text: text)), now: t0)
            guard case .store(.appendMessage(let ticket, _, _))? = effects.first else { return nil }
            return ticket
        }
        let bobs = try #require(said(2, "from bob"))
        let alices = try #require(said(1, "from alice"))
        _ = room.receive(
            .member(.kick(SessionID(1), by: name("alice"), target: name("bob"), reason: nil, asOperator: false)),
            now: t0)
        #expect(room.receive(.store(.failed(bobs)), now: t0).isEmpty)
        #expect(
            room.receive(.store(.failed(alices)), now: t0) == [
                .session(SessionID(1), .deliver(.error(.storeFailed, "your message could not be saved; nobody got it")))
            ])
    }

    @Test(
        "a kicked member back in the room gets no echo of a message stored after the kick; a whisper is still answered")
    func kickedSenderBackInTheRoom() throws {
        var room = Room(id: RoomID(1), name: name("den"), historyLines: 0)
        _ = room.receive(.admit(SessionID(1), name("alice"), created: true), now: t0)
        _ = room.receive(.admit(SessionID(2), name("bob"), created: false), now: t0)
        func ticket(_ effects: [RoomEffect]) -> Ticket? {
            guard case .store(.appendMessage(let ticket, _, _))? = effects.first else { return nil }
            return ticket
        }
        let said = try #require(ticket(room.receive(.member(.say(SessionID(2), text: "m")), now: t0)))
        let whispered = try #require(
            ticket(room.receive(.member(.whisper(SessionID(2), to: name("alice"), text: "w")), now: t0)))
        _ = room.receive(
            .member(.kick(SessionID(1), by: name("alice"), target: name("bob"), reason: nil, asOperator: false)),
            now: t0)
        _ = room.receive(.member(.leave(SessionID(2))), now: t0)
        _ = room.receive(.admit(SessionID(2), name("bob"), created: false), now: t0)
        let stored = room.receive(.store(.messageStored(said)), now: t0)
        #expect(stored == [.session(SessionID(1), .deliver(.message(room: name("den"), from: name("bob"), text: "m")))])
        #expect(
            room.receive(.store(.messageStored(whispered)), now: t0).contains(
                .session(SessionID(2), .deliver(.ok(.whisperSent(to: name("alice")))))))
    }

    /// Session 1, logged in as bob and moved from `global` into den (room 1).
    func bobInDen(limits: Limits = .standard) -> Session {
        var session = Session(id: SessionID(1), address: "a", limits: limits, now: t0)
        _ = session.bytesReceived(bytes("/login bob hunter22"), now: t0)
        _ = session.receive(.loggedIn(name("bob"), registered: false), now: t0)
        _ = session.receive(.entered(.global), now: t0)
        _ = session.bytesReceived(bytes("/join den"), now: t0)
        _ = session.receive(.entered(RoomRef(id: RoomID(1), name: name("den"))), now: t0)
        return session
    }

    @Test("a session kicked out of a temporary room re-enters global with no OK")
    func kickedSessionReturns() {
        var session = bobInDen()
        let notice = ServerLine.event(room: name("den"), text: "you were kicked from den by alice; you are in global")
        let effects = session.receive(.kicked(RoomID(1), notice), now: t0)
        #expect(effects == [.write(notice), .send(.room(RoomID(1), .member(.leave(SessionID(1)))))])
        #expect(session.receive(.left(RoomID(1)), now: t0) == [.send(.lobby(.enter(SessionID(1), name("bob"))))])
        #expect(session.receive(.entered(.global), now: t0).written.isEmpty)
        #expect(session.room == .global)
    }

    @Test("a kicked slow reader whose notice overflows its outbox tells the room it quit, and sends no leave")
    func kickedSlowReaderQuits() {
        var limits = Limits.standard
        let notice = ServerLine.event(room: name("den"), text: "you were kicked from den by alice; you are in global")
        // Room for the login's and the join's answers, not for the notice as well.
        let answers =
            ServerLine.ok(.loggedIn(name("bob"))).wireSize + ServerLine.ok(.joined(name("den"))).wireSize
        limits.maxOutboxBytes = answers + notice.wireSize - 1
        var session = bobInDen(limits: limits)
        let effects = session.receive(.kicked(RoomID(1), notice), now: t0)
        let toRoom = effects.compactMap { effect -> MemberRequest? in
            if case .send(.room(RoomID(1), .member(let request))) = effect { return request }
            return nil
        }
        #expect(effects.contains(.write(.bye(.slowReader, "you are not reading fast enough"))))
        #expect(toRoom == [.quit(SessionID(1), message: nil)])
        #expect(session.isClosing)
        // The room's `left` for that quit lets it go: the Gate hears it logged out, and it retires.
        #expect(
            session.receive(.left(RoomID(1)), now: t0) == [
                .send(.gate(.logout(SessionID(1), name("bob"), reason: .slowReader))), .retire,
            ])
    }
}
