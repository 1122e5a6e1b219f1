import ChatCore
import ParleySimulation
import Testing

@Suite("Whole conversations through the FIFO driver")
struct ConversationTests {
    @Test("three users chat in global, whisper, and move through two rooms")
    func threeUsersTwoRooms() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        let carol = chat.register("carol")
        #expect(chat.lines(alice).first == "OK registered alice; you are in global")
        chat.clearTranscripts()

        chat.type(alice, "hello all")
        for session in [alice, bob, carol] { #expect(chat.lines(session) == ["MSG global alice hello all"]) }

        chat.type(bob, "/whisper carol just you")
        #expect(chat.lines(carol).last == "WHISPER bob carol just you")
        #expect(chat.lines(bob).last == "OK whisper sent to carol")
        #expect(!chat.lines(alice).contains { $0.contains("just you") })

        chat.type(alice, "/createchatroom lounge")
        chat.type(bob, "/create den")
        chat.type(carol, "/chatrooms")
        #expect(chat.lines(carol).last == "ROOMS global den lounge")
        chat.type(carol, "/join lounge")
        #expect(chat.lines(carol).last == "OK joined lounge")
        #expect(chat.lines(alice).last == "EVENT lounge carol joined")
        chat.type(carol, "/users")
        #expect(chat.lines(carol).last == "USERS lounge alice carol")

        chat.type(carol, "in the lounge")
        #expect(chat.lines(alice).last == "MSG lounge carol in the lounge")
        #expect(!chat.lines(bob).contains("MSG lounge carol in the lounge"))

        chat.type(carol, "/leave")
        #expect(chat.lines(carol).last == "OK left lounge; you are in global")
        #expect(chat.lobby.globalMembers[carol] == name("carol"))
        #expect(chat.store.messages.map(\.text) == ["hello all", "just you", "in the lounge"])
    }

    @Test("a /me action reaches everyone in the room as an ACTION line and is stored as an action")
    func action() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.clearTranscripts()
        chat.type(alice, "/me waves")
        for session in [alice, bob] { #expect(chat.lines(session) == ["ACTION global alice waves"]) }
        #expect(chat.store.messages.map(\.isAction) == [true])
        #expect(chat.store.messages.map(\.text) == ["waves"])
    }

    @Test("a whisper to someone in another room is refused and reaches no one")
    func whisperAcrossRooms() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.type(bob, "/create den")
        chat.clearTranscripts()
        chat.type(alice, "/whisper bob are you there")
        #expect(chat.lines(alice) == ["ERR no-such-user bob is not in global"])
        #expect(chat.lines(bob).isEmpty)
        #expect(chat.store.messages.isEmpty)
    }

    @Test("a room left empty is gone from /chatrooms")
    func emptyRoomGone() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.type(alice, "/create lounge")
        chat.type(bob, "/chatrooms")
        #expect(chat.lines(bob).last == "ROOMS global lounge")
        chat.type(alice, "/leave")
        chat.type(bob, "/chatrooms")
        #expect(chat.lines(bob).last == "ROOMS global")
        #expect(chat.rooms.isEmpty)
        #expect(chat.lines(bob).contains("EVENT global lounge closed"))
        chat.type(bob, "/join lounge")
        #expect(chat.lines(bob).last == "ERR no-such-room no room named lounge; /chatrooms lists them")
    }

    @Test("two creates of one name give one room and one ERR name-taken")
    func createTwice() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.type(alice, "/create lounge", settle: false)
        chat.type(bob, "/create LOUNGE", settle: false)
        chat.run()
        #expect(chat.lines(alice).last == "OK created lounge; you are in lounge")
        #expect(chat.lines(bob).last == "ERR name-taken a room named LOUNGE already exists")
        #expect(chat.rooms.count == 1)
        #expect(chat.lobby.globalMembers.keys.sorted() == [bob])
    }

    @Test("a second login of an account closes the first session before the second is in global")
    func takeover() throws {
        var chat = ChatDriver()
        let first = chat.register("alice")
        let watcher = chat.register("bob")
        let second = chat.connect()
        chat.clearTranscripts()
        chat.type(second, "/login ALICE correct-horse")
        #expect(chat.lines(first) == ["BYE replaced your account logged in from elsewhere"])
        #expect(chat.closedConnections.contains(first))
        #expect(chat.sessions[first]?.isFinished == true)
        #expect(chat.lines(second) == ["OK logged in as alice; you are in global"])
        #expect(chat.lobby.globalMembers.values.filter { $0 == name("alice") }.count == 1)
        #expect(chat.lines(watcher) == ["EVENT global alice quit", "EVENT global alice joined"])
        let retired = try #require(chat.log.firstIndex(of: .retiredSession(first)))
        let entered = try #require(chat.log.firstIndex(of: .sent(.session(second, .entered(.global)))))
        #expect(retired < entered)
    }

    @Test("a wrong password is refused and the account stays free")
    func wrongPassword() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        chat.type(alice, "/quit")
        let again = chat.connect()
        chat.type(again, "/login alice not-the-password")
        #expect(chat.lines(again) == ["ERR wrong-credentials wrong name or password"])
        chat.type(again, "/login alice correct-horse")
        #expect(chat.lines(again).last == "OK logged in as alice; you are in global")
    }

    @Test("registering a taken name is refused")
    func nameTaken() {
        var chat = ChatDriver()
        _ = chat.register("alice")
        let other = chat.connect()
        chat.type(other, "/register Alice some-password")
        #expect(chat.lines(other) == ["ERR name-taken Alice is taken"])
    }

    @Test("text before login reaches no one")
    func textBeforeLogin() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        chat.clearTranscripts()
        let stranger = chat.connect()
        chat.type(stranger, "hello?")
        chat.type(stranger, "/whisper alice let me in")
        chat.type(stranger, "/chatrooms")
        #expect(chat.lines(stranger).count == 3)
        #expect(chat.lines(stranger).allSatisfy { $0.hasPrefix("ERR not-logged-in") })
        #expect(chat.lines(alice).isEmpty)
        #expect(chat.store.messages.isEmpty)
    }

    @Test("a line with an escape sequence never reaches another user raw")
    func escapeSequence() {
        var chat = ChatDriver()
        let mallory = chat.register("mallory")
        let alice = chat.register("alice")
        chat.clearTranscripts()
        chat.sendBytes(mallory, Array("\u{1B}]0;pwned\u{7}\u{1B}[2J\n".utf8))
        chat.sendBytes(mallory, [0x68, 0x00, 0x69, 0x0A])
        chat.sendBytes(mallory, [0xC0, 0xAF, 0x0A])
        #expect(chat.lines(alice).isEmpty)
        #expect(
            chat.lines(mallory).map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
                == ["ERR bad-text", "ERR bad-text", "ERR bad-encoding"])
        let everything = chat.transcripts.values.joined().map(\.rendered).joined()
        #expect(!everything.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0 })
    }

    @Test("a flooder is slowed without delaying anyone else's messages")
    func flooder() {
        var chat = ChatDriver()
        let flooder = chat.register("flooder")
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.clearTranscripts()
        chat.sendBytes(flooder, (1...60).flatMap { bytes("spam \($0)") })
        chat.type(alice, "still here")
        #expect(chat.lines(bob).contains("MSG global alice still here"))
        let spamSoFar = chat.lines(bob).filter { $0.contains("spam") }.count
        #expect(spamSoFar < 60 && spamSoFar >= 19)
        chat.advance(by: .seconds(5))
        #expect(chat.lines(bob).filter { $0.contains("spam") }.count == 60)
        #expect(!chat.closedConnections.contains(flooder))
    }

    @Test("a flooder that keeps going is cut off and the room carries on")
    func floodCutOff() {
        var chat = ChatDriver()
        let flooder = chat.register("flooder")
        let alice = chat.register("alice")
        chat.sendBytes(flooder, (1...20_000).flatMap { bytes("spam \($0)") })
        #expect(chat.lines(flooder).last == "BYE flood too many lines too fast")
        #expect(chat.sessions[flooder]?.isFinished == true)
        chat.type(alice, "quiet now")
        #expect(chat.lines(alice).last == "MSG global alice quiet now")
    }

    @Test("a slow reader is cut off without delaying anyone else's messages")
    func slowReader() {
        var limits = Limits.standard
        limits.rate = nil
        limits.maxOutboxBytes = 8 * 1024
        var chat = ChatDriver(limits: limits)
        let slow = chat.register("slow")
        let talker = chat.register("talker")
        let reader = chat.register("reader")
        chat.slowReaders.insert(slow)
        chat.clearTranscripts()
        for n in 1...100 { chat.type(talker, "message number \(n) " + String(repeating: ".", count: 100)) }
        #expect(chat.lines(slow).last == "BYE slow-reader you are not reading fast enough")
        #expect(chat.closedConnections.contains(slow))
        #expect(chat.lines(reader).filter { $0.hasPrefix("MSG global talker") }.count == 100)
        #expect(chat.lobby.globalMembers[slow] == nil)
    }

    @Test("a store that fails gives store-failed and delivers nothing")
    func storeFails() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.clearTranscripts()
        chat.store.failingWrites = true
        chat.type(alice, "will this stick")
        #expect(chat.lines(alice) == ["ERR store-failed your message could not be saved; nobody got it"])
        #expect(chat.lines(bob).isEmpty)
        let carol = chat.connect()
        chat.type(carol, "/register carol password1")
        #expect(chat.lines(carol) == ["ERR store-failed the server could not reach its database; try again"])
    }

    @Test("a disconnect in the middle of a join leaves no ghost in the room")
    func disconnectMidJoin() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.type(alice, "/create lounge")
        chat.type(bob, "/join lounge", settle: false)
        chat.disconnect(bob, settle: false)
        chat.run()
        #expect(chat.sessions[bob]?.isFinished == true)
        #expect(chat.rooms.values.allSatisfy { $0.members[bob] == nil })
        #expect(chat.gate.onlineAccounts["bob"] == nil)
        chat.type(alice, "/users")
        #expect(chat.lines(alice).last == "USERS lounge alice")
    }

    @Test("a join racing the last leave is sent back to global with an error")
    func joinRacesLastLeave() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.type(alice, "/create lounge")
        chat.type(bob, "/join lounge", settle: false)
        chat.type(alice, "/leave", settle: false)
        // In FIFO order alice's leave reaches the room before the admit the Lobby sends
        // for bob's join: the room has emptied and sends bob back.
        chat.run()
        #expect(chat.lines(bob).contains("ERR no-such-room that room just closed"))
        #expect(!chat.lines(bob).contains("OK joined lounge"))
        #expect(chat.sessions[bob]?.room == .global)
        #expect(chat.lobby.globalMembers[bob] == name("bob"))
        #expect(chat.rooms.isEmpty)
        #expect(chat.rooms.values.allSatisfy { !$0.members.isEmpty || !$0.isOpen })
    }

    @Test("quit ends the session and frees the account")
    func quit() {
        var chat = ChatDriver()
        let alice = chat.register("alice")
        chat.type(alice, "/quit")
        #expect(chat.lines(alice).last == "BYE goodbye see you")
        #expect(chat.sessions[alice]?.isFinished == true)
        #expect(chat.gate.onlineAccounts.isEmpty)
        #expect(chat.lobby.globalMembers.isEmpty)
        #expect(chat.store.audit.map(\.kind) == [.registered, .logout])
    }

    @Test("help lists what you may do where you are")
    func help() {
        var chat = ChatDriver()
        let alice = chat.connect()
        chat.type(alice, "/help")
        #expect(chat.lines(alice).last?.hasPrefix("OK commands: /register") == true)
        chat.type(alice, "/register alice password1")
        chat.type(alice, "/help")
        #expect(chat.lines(alice).last?.contains("/createchatroom") == true)
        chat.type(alice, "/create lounge")
        chat.type(alice, "/help")
        #expect(chat.lines(alice).last?.contains("/createchatroom") == false)
    }
}
