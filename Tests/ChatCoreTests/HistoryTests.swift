import ChatCore
import ParleySimulation
import Testing

@Suite("A room's history on entering it")
struct HistoryTests {
    let s1 = SessionID(1), s2 = SessionID(2)

    @Test("a session entering global gets its newest messages with their times, then the end, before any live line")
    func historyOnLogin() {
        var chat = ChatDriver(historyLines: 3)
        let alice = chat.register("alice")
        for text in ["one", "two", "three", "four"] { chat.type(alice, text) }
        let bob = chat.register("bob")
        #expect(
            chat.lines(bob) == [
                "OK registered bob; you are in global",
                "HISTORY global 1970-01-01T00:00:01.000Z alice two",
                "HISTORY global 1970-01-01T00:00:01.000Z alice three",
                "HISTORY global 1970-01-01T00:00:01.000Z alice four",
                "HISTORY-END global",
            ])
        chat.clearTranscripts()
        chat.type(alice, "five")
        #expect(chat.lines(bob) == ["MSG global alice five"])
    }

    @Test("a new temporary room with an old room's name starts with an empty history")
    func newLifeStartsEmpty() {
        var chat = ChatDriver(historyLines: 50)
        let alice = chat.register("alice")
        chat.type(alice, "/create lounge")
        chat.type(alice, "said in the first lounge")
        chat.type(alice, "/leave")
        chat.clearTranscripts()
        chat.type(alice, "/create lounge")
        #expect(chat.lines(alice) == ["OK created lounge; you are in lounge", "HISTORY-END lounge"])
    }

    @Test("joining a live room gives its own messages, never a whisper")
    func joinGetsRoomHistoryWithoutWhispers() {
        var chat = ChatDriver(historyLines: 50)
        let alice = chat.register("alice")
        let bob = chat.register("bob")
        chat.type(alice, "/create lounge")
        chat.type(bob, "/join lounge")
        chat.type(alice, "/whisper bob secret")
        chat.type(alice, "public")
        let carol = chat.register("carol")
        chat.clearTranscripts()
        chat.type(carol, "/join lounge")
        #expect(
            chat.lines(carol) == [
                "OK joined lounge", "HISTORY lounge 1970-01-01T00:00:01.000Z alice public", "HISTORY-END lounge",
            ])
    }

    @Test("/history N reads further back than the join did, up to 500 lines")
    func historyCommand() {
        var chat = ChatDriver(historyLines: 1)
        let alice = chat.register("alice")
        for text in ["a", "b", "c"] { chat.type(alice, text) }
        let bob = chat.register("bob")
        chat.clearTranscripts()
        chat.type(bob, "/history 2")
        #expect(
            chat.lines(bob) == [
                "OK history of global follows", "HISTORY global 1970-01-01T00:00:01.000Z alice b",
                "HISTORY global 1970-01-01T00:00:01.000Z alice c", "HISTORY-END global",
            ])
        chat.clearTranscripts()
        chat.type(bob, "/history 501")
        #expect(chat.lines(bob) == ["ERR bad-command /history takes a number of lines from 1 to 500"])
    }

    @Test("with history off a session enters at once and gets no history lines")
    func historyOff() {
        var chat = ChatDriver(historyLines: 0)
        let alice = chat.register("alice")
        chat.type(alice, "hi")
        let bob = chat.register("bob")
        #expect(chat.lines(bob) == ["OK registered bob; you are in global"])
    }

    @Test("a message stored while a history read is in flight reaches the newcomer once, in the history")
    func storedWhileJoining() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 5)
        _ = room.receive(.admit(s1, name("alice"), created: true), now: t0)
        _ = room.receive(.store(.history(Ticket(1), [])), now: t0)
        _ = room.receive(.member(.say(s1, text: "in flight")), now: t0)  // ticket 2
        let admitted = room.receive(.admit(s2, name("bob"), created: false), now: t0)
        // One message is still being written: the read asks for it on top of the five.
        #expect(admitted == [.store(.readHistory(Ticket(3), room: RoomID(1), limit: 6, replyTo: .room(RoomID(1))))])
        let line = ServerLine.message(room: name("lounge"), from: name("alice"), text: "in flight")
        // Stored before the read: bob is not in yet, so only alice gets it live.
        #expect(room.receive(.store(.messageStored(Ticket(2))), now: t0) == [.session(s1, .deliver(line))])
        let entry = HistoryEntry(
            sender: name("alice"), text: "in flight", at: StoredTime(millisecondsSinceEpoch: 1000))
        let arrived = room.receive(.store(.history(Ticket(3), [entry])), now: t0)
        #expect(
            arrived == [
                .session(s1, .deliver(.event(room: name("lounge"), text: "bob joined"))),
                .session(s2, .entered(room.ref)),
                .session(
                    s2,
                    .deliver(.history(room: name("lounge"), at: entry.at, from: name("alice"), text: "in flight"))),
                .session(s2, .deliver(.historyEnd(room: name("lounge")))),
            ])
        #expect(room.members[s2] == name("bob"))
    }

    @Test("a failed history read lets the newcomer in, and what it missed comes live after the end marker")
    func failedRead() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 5)
        _ = room.receive(.admit(s1, name("alice"), created: true), now: t0)
        _ = room.receive(.store(.history(Ticket(1), [])), now: t0)
        _ = room.receive(.member(.say(s1, text: "in flight")), now: t0)
        _ = room.receive(.admit(s2, name("bob"), created: false), now: t0)
        _ = room.receive(.store(.messageStored(Ticket(2))), now: t0)
        let arrived = room.receive(.store(.failed(Ticket(3))), now: t0)
        let line = ServerLine.message(room: name("lounge"), from: name("alice"), text: "in flight")
        #expect(
            arrived.suffix(3) == [
                .session(s2, .entered(room.ref)), .session(s2, .deliver(.historyEnd(room: name("lounge")))),
                .session(s2, .deliver(line)),
            ])
    }

    @Test("a room with someone on the way in is not empty when its last member leaves")
    func arrivalKeepsRoomOpen() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 5)
        _ = room.receive(.admit(s1, name("alice"), created: true), now: t0)
        _ = room.receive(.store(.history(Ticket(1), [])), now: t0)
        _ = room.receive(.admit(s2, name("bob"), created: false), now: t0)
        #expect(room.receive(.member(.leave(s1)), now: t0).mail == [.session(s1, .left(RoomID(1)))])
        #expect(room.isOpen)
        _ = room.receive(.store(.history(Ticket(2), [])), now: t0)
        #expect(room.members.keys.sorted() == [s2])
    }

    @Test("a /history still being read when its member leaves is answered before the member is out")
    func historyOutWhenLeaving() {
        var room = Room(id: RoomID(1), name: name("lounge"), historyLines: 0)
        _ = room.receive(.admit(s1, name("alice"), created: true), now: t0)
        _ = room.receive(.member(.history(s1, lines: 2)), now: t0)
        _ = room.receive(.member(.history(s1, lines: 3)), now: t0)
        let error = SessionMessage.deliver(.error(.noSuchRoom, "you left lounge before its history was read"))
        #expect(
            room.receive(.member(.leave(s1)), now: t0).mail == [
                .session(s1, error), .session(s1, error), .session(s1, .left(RoomID(1))),
                .lobby(.roomEmptied(RoomID(1))),
            ])
        // The store's answers come later and reach no one; the room retires after them.
        _ = room.receive(.shutdown, now: t0)
        #expect(room.receive(.store(.history(Ticket(1), [])), now: t0).mail.isEmpty)
        #expect(!room.isRetired)
        _ = room.receive(.store(.history(Ticket(2), [])), now: t0)
        #expect(room.isRetired)
    }
}
