import ChatCore
import Testing

@testable import ParleySimulation

@Suite("The digest names login tickets by the slot they serve, not by the order they were drawn")
struct TicketNamesTests {
    @Test("two slots' tickets drawn in either order get the same names, and distinct tickets distinct names")
    func namesDoNotSayTheOrder() throws {
        // Slot 0 drew 1 and 3, slot 1 drew 2 and 4; in the other order slot 1 drew first.
        let first = try #require(TicketNames.of([Ticket(1): 0, Ticket(2): 1, Ticket(3): 0, Ticket(4): 1]))
        let second = try #require(TicketNames.of([Ticket(2): 0, Ticket(1): 1, Ticket(4): 0, Ticket(3): 1]))
        #expect(first[1] == second[2] && first[3] == second[4])
        #expect(first[2] == second[1] && first[4] == second[3])
        #expect(Set(first.values).count == 4, "the renaming is injective")
        #expect(first.values.allSatisfy { $0 >= 1 << 63 }, "a name never meets a number left as it is")
    }

    @Test("a ticket hashes by its name while a renaming is bound, and by its number otherwise")
    func hashingUsesTheBoundNames() {
        func digest(_ ticket: Ticket) -> Int {
            var hasher = Hasher()
            ticket.hash(into: &hasher)
            return hasher.finalize()
        }
        let names: [UInt64: UInt64] = [1: 2, 2: 1]
        let renamed = Ticket.$digestNames.withValue(names) { (digest(Ticket(1)), digest(Ticket(3))) }
        #expect(renamed.0 == digest(Ticket(2)))
        #expect(renamed.1 == digest(Ticket(3)), "a ticket the renaming does not name keeps its number")
        #expect(digest(Ticket(1)) != digest(Ticket(2)))
    }
}
