import ChatCore
import ParleySimulation
import Testing

@Suite("The simulator's store")
struct InMemoryStoreTests {
    @Test("a history is one room life's newest messages, oldest first, without whispers or /me actions, as in SQLite")
    func historyHoldsMessagesOnly() throws {
        var store = InMemoryStore()
        let lounge = try #require(Name("lounge")), ann = try #require(Name("ann")), bob = try #require(Name("bob"))
        var ticket: UInt64 = 0
        func append(life: UInt64, _ text: String, to recipient: Name? = nil, isAction: Bool = false) {
            ticket += 1
            let record = ChatRecord(
                room: lounge, life: RoomID(life), sender: ann, recipient: recipient, text: text,
                at: Instant(nanoseconds: Int64(ticket) * 1_000_000), isAction: isAction)
            _ = store.handle(.appendMessage(Ticket(ticket), record, replyTo: .room(RoomID(life))))
        }
        for n in 1...5 { append(life: 7, "m\(n)") }
        append(life: 7, "secret", to: bob)
        append(life: 7, "waves", isAction: true)
        append(life: 8, "next life")
        #expect(store.history(of: RoomID(7), limit: 3).map(\.text) == ["m3", "m4", "m5"])
        #expect(store.history(of: RoomID(7), limit: 50).count == 5)
        #expect(store.history(of: RoomID(8), limit: 50).map(\.text) == ["next life"])
        #expect(store.history(of: RoomID(9), limit: 50).isEmpty)
    }
}
