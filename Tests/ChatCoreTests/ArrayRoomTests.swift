import Testing

@testable import ChatCore

@Suite("Room for a batch's fan-outs")
struct ArrayRoomTests {
    @Test("A batch of 500 fan-outs to 100 members reallocates its buffer a logarithmic number of times")
    func growsGeometrically() {
        var effects: [Int] = []
        var reallocations = 0
        for message in 0..<500 {
            let before = effects.capacity
            effects.reserveRoom(for: 100)
            if effects.capacity != before { reallocations += 1 }
            for member in 0..<100 { effects.append(message * 100 + member) }
        }
        #expect(effects.count == 50_000)
        #expect(reallocations <= 12)
    }

    @Test("Room that is already there is not reallocated")
    func enoughRoomKeepsTheBuffer() {
        var effects: [Int] = []
        effects.reserveCapacity(1_000)
        let capacity = effects.capacity
        effects.reserveRoom(for: 500)
        #expect(effects.capacity == capacity)
    }
}
