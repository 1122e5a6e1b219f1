import ChatCore
import Testing

@Suite("Gate: logins and who is online")
struct GateTests {
    let s1 = SessionID(1), s2 = SessionID(2), s3 = SessionID(3)
    let hash = PasswordHash("h")

    /// Runs a login through the gate's pipeline with a matching password.
    func login(_ gate: inout Gate, _ session: SessionID, ticket: UInt64) -> [GateEffect] {
        let pw = Password("hunter22")
        #expect(
            gate.receive(.login(session, name("alice"), pw, address: "a"), now: t0).mail
                == [.store(.fetchAccount(Ticket(ticket), name("alice"), replyTo: .gate))])
        #expect(
            gate.receive(.store(.accountFound(Ticket(ticket), name("Alice"), hash)), now: t0).mail
                == [.hasher(.verify(Ticket(ticket), pw, against: hash))])
        return gate.receive(.verified(Ticket(ticket), matches: true, rehashed: nil), now: t0)
    }

    @Test("a login is granted with the account's stored spelling")
    func grant() {
        var gate = Gate()
        let effects = login(&gate, s1, ticket: 1)
        #expect(effects.mail.last == .session(s1, .loggedIn(name("Alice"), registered: false)))
        #expect(gate.onlineAccounts == ["alice": s1])
    }

    @Test("a second login replaces the first, and is granted only after the first logs out")
    func takeover() {
        var gate = Gate()
        _ = login(&gate, s1, ticket: 1)
        #expect(login(&gate, s2, ticket: 2).mail == [.session(s1, .replaced)])
        #expect(gate.onlineAccounts == ["alice": s1])
        let afterLogout = gate.receive(.logout(s1, name("alice"), reason: .replaced), now: t0)
        #expect(afterLogout.mail.last == .session(s2, .loggedIn(name("Alice"), registered: false)))
        #expect(gate.onlineAccounts == ["alice": s2])
    }

    @Test("a third login overtakes a second that is still waiting")
    func overtaking() {
        var gate = Gate()
        _ = login(&gate, s1, ticket: 1)
        _ = login(&gate, s2, ticket: 2)
        let third = login(&gate, s3, ticket: 3)
        #expect(third.mail == [.session(s2, .loginRefused(.superseded, "a newer login for Alice took over"))])
        let granted = gate.receive(.logout(s1, name("alice"), reason: .replaced), now: t0)
        #expect(granted.mail.last == .session(s3, .loggedIn(name("Alice"), registered: false)))
    }

    @Test("a banned account's login is refused as banned, audited, and never reaches the hashing pool")
    func bannedLogin() {
        var gate = Gate()
        _ = gate.receive(.login(s1, name("alice"), Password("hunter22"), address: "a"), now: t0)
        let effects = gate.receive(.store(.accountBanned(Ticket(1))), now: t0)
        #expect(
            effects.mail == [
                .store(.audit(AuditRecord(.loginBanned, account: name("alice"), address: "a", at: t0))),
                .session(s1, .loginRefused(.banned, "alice is banned from this server")),
            ])
        #expect(gate.onlineAccounts.isEmpty && gate.attemptsInFlight == 0)
    }

    @Test("a registration of a banned account's name is refused as taken")
    func bannedNameTaken() {
        var gate = Gate()
        _ = gate.receive(.register(s1, name("alice"), Password("hunter22"), address: "a"), now: t0)
        #expect(
            gate.receive(.store(.accountBanned(Ticket(1))), now: t0).mail == [
                .session(s1, .loginRefused(.nameTaken, "alice is taken"))
            ])
    }

    @Test("a stale logout from a session that no longer holds the account changes nothing")
    func staleLogout() {
        var gate = Gate()
        _ = login(&gate, s1, ticket: 1)
        #expect(gate.receive(.logout(s2, name("alice"), reason: .quit), now: t0).isEmpty)
        #expect(gate.onlineAccounts == ["alice": s1])
    }

    @Test("a password hashed at an old cost is stored again at the new one")
    func rehash() {
        var gate = Gate()
        _ = gate.receive(.login(s1, name("alice"), Password("hunter22"), address: "a"), now: t0)
        _ = gate.receive(.store(.accountFound(Ticket(1), name("alice"), hash)), now: t0)
        let effects = gate.receive(.verified(Ticket(1), matches: true, rehashed: PasswordHash("new")), now: t0)
        #expect(effects.mail.first == .store(.updatePasswordHash(name("alice"), PasswordHash("new"))))
    }

    @Test("registration asks whether the name is free, hashes, then lets the store decide who gets the name")
    func registration() {
        var gate = Gate()
        let pw = Password("hunter22")
        #expect(
            gate.receive(.register(s1, name("bob"), pw, address: "a"), now: t0).mail
                == [.store(.fetchAccount(Ticket(1), name("bob"), replyTo: .gate))])
        #expect(gate.receive(.store(.accountMissing(Ticket(1))), now: t0).mail == [.hasher(.hash(Ticket(1), pw))])
        #expect(
            gate.receive(.hashed(Ticket(1), hash), now: t0).mail
                == [.store(.createAccount(Ticket(1), name("bob"), hash, at: t0, replyTo: .gate))])
        #expect(
            gate.receive(.store(.accountNameTaken(Ticket(1))), now: t0).mail
                == [.session(s1, .loginRefused(.nameTaken, "bob is taken"))])
    }
}

@Suite("Lobby and Room: the directory and the life of a room")
struct RoomTests {
    let s1 = SessionID(1), s2 = SessionID(2)

    @Test("two creates of one name give one room and one name-taken")
    func createRace() {
        var lobby = Lobby(historyLines: 0)
        _ = lobby.receive(.enter(s1, name("alice")), now: t0)
        _ = lobby.receive(.enter(s2, name("bob")), now: t0)
        let first = lobby.receive(.create(s1, room: name("Lounge")), now: t0)
        #expect(first.contains(.spawnRoom(RoomID(1), name("Lounge"))))
        #expect(first.mail.contains(.room(RoomID(1), .admit(s1, name("alice"), created: true))))
        let second = lobby.receive(.create(s2, room: name("lounge")), now: t0)
        #expect(second.mail == [.session(s2, .moveRefused(.nameTaken, "a room named lounge already exists"))])
        #expect(lobby.rooms.map(\.name.text) == ["Lounge"])
    }

    @Test("a message is stored before anyone sees it")
    func storeBeforeDeliver() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 0)
        _ = room.receive(.admit(s1, name("alice"), created: true), now: t0)
        _ = room.receive(.admit(s2, name("bob"), created: false), now: t0)
        let said = room.receive(.member(.say(s1, text: "hi")), now: t0)
        let record = ChatRecord(
            room: name("lounge"), life: RoomID(1), sender: name("alice"), recipient: nil, text: "hi", at: t0)
        #expect(said == [.store(.appendMessage(Ticket(1), record, replyTo: .room(RoomID(1))))])
        let line = ServerLine.message(room: name("lounge"), from: name("alice"), text: "hi")
        #expect(
            room.receive(.store(.messageStored(Ticket(1))), now: t0) == [
                .session(s1, .deliver(line)), .session(s2, .deliver(line)),
            ])
    }

    @Test("a failed store tells the sender and reaches no one")
    func storeFailure() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 0)
        _ = room.receive(.admit(s1, name("alice"), created: true), now: t0)
        _ = room.receive(.admit(s2, name("bob"), created: false), now: t0)
        _ = room.receive(.member(.say(s1, text: "hi")), now: t0)
        #expect(
            room.receive(.store(.failed(Ticket(1))), now: t0).mail
                == [.session(s1, .deliver(.error(.storeFailed, "your message could not be saved; nobody got it")))])
    }

    @Test("the last leave empties the room, and a join already on its way is sent back")
    func joinRacingLastLeave() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 0)
        _ = room.receive(.admit(s1, name("alice"), created: true), now: t0)
        let left = room.receive(.member(.leave(s1)), now: t0)
        #expect(left.mail == [.session(s1, .left(RoomID(1))), .lobby(.roomEmptied(RoomID(1)))])
        #expect(
            room.receive(.admit(s2, name("bob"), created: false), now: t0).mail
                == [.lobby(.admitRefused(RoomID(1), s2, name("bob")))])
        #expect(room.receive(.shutdown, now: t0) == [.retire])
    }

    @Test("the others hear a disconnect as quit, with its /quit message, and a /leave as left")
    func quitAndLeaveEvents() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 0)
        let s3 = SessionID(3)
        for (session, account) in [(s1, "alice"), (s2, "bob"), (s3, "carol")] {
            _ = room.receive(.admit(session, name(account), created: session == s1), now: t0)
        }
        let quit = room.receive(.member(.quit(s2, message: nil)), now: t0)
        #expect(quit.mail.contains(.session(s1, .deliver(.event(room: name("lounge"), text: "bob quit")))))
        #expect(quit.mail.contains(.session(s2, .left(RoomID(1)))))
        let said = room.receive(.member(.quit(s3, message: "off to bed")), now: t0)
        #expect(
            said.mail.contains(.session(s1, .deliver(.event(room: name("lounge"), text: "carol quit: off to bed")))))
        _ = room.receive(.admit(s2, name("bob"), created: false), now: t0)
        let left = room.receive(.member(.leave(s2)), now: t0)
        #expect(left.mail.contains(.session(s1, .deliver(.event(room: name("lounge"), text: "bob left")))))
    }

    @Test("a room waits for the store's answers before it retires")
    func retireAfterStore() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 0)
        _ = room.receive(.admit(s1, name("alice"), created: true), now: t0)
        _ = room.receive(.member(.say(s1, text: "bye")), now: t0)
        _ = room.receive(.member(.leave(s1)), now: t0)
        #expect(room.receive(.shutdown, now: t0).isEmpty)
        #expect(room.receive(.store(.messageStored(Ticket(1))), now: t0) == [.retire])
    }

    @Test("a session sent back from an emptied room returns to global with an error")
    func admitRefused() {
        var lobby = Lobby(historyLines: 0)
        _ = lobby.receive(.enter(s1, name("alice")), now: t0)
        _ = lobby.receive(.enter(s2, name("bob")), now: t0)
        _ = lobby.receive(.create(s1, room: name("lounge")), now: t0)
        _ = lobby.receive(.join(s2, room: name("lounge")), now: t0)
        #expect(lobby.globalMembers.isEmpty)
        _ = lobby.receive(.roomEmptied(RoomID(1)), now: t0)
        let back = lobby.receive(.admitRefused(RoomID(1), s2, name("bob")), now: t0)
        #expect(back.mail.last == .session(s2, .moveRefused(.noSuchRoom, "that room just closed")))
        #expect(lobby.globalMembers == [s2: name("bob")])
        #expect(lobby.rooms.isEmpty)
    }
}

@Suite("AddressQuota: connections per remote address")
struct AddressQuotaTests {
    @Test("an address past its limit is refused until one of its connections ends")
    func limit() {
        var quota = AddressQuota(limit: 2)
        let first = [quota.admit("198.51.100.7"), quota.admit("198.51.100.7"), quota.admit("198.51.100.7")]
        #expect(first == [true, true, false])
        let other = quota.admit("198.51.100.8")
        #expect(other)
        quota.release("198.51.100.7")
        let afterRelease = quota.admit("198.51.100.7")
        #expect(afterRelease)
    }

    @Test("loopback is exempt by default")
    func loopback() {
        var quota = AddressQuota(limit: 1)
        let local = (0..<10).map { _ in quota.admit("127.0.0.1") } + [quota.admit("::1"), quota.admit("::1")]
        #expect(local.allSatisfy { $0 })
        var strict = AddressQuota(limit: 1, exemptLoopback: false)
        let strictly = [strict.admit("127.0.0.1"), strict.admit("127.0.0.1")]
        #expect(strictly == [true, false])
    }
}
