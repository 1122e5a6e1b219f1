import ChatCore
import Testing

@testable import ParleySimulation

@Suite("The exhaustive search's state digest reads every field of the world")
struct ReflectedDigestTests {
    /// States of random walks over a scope's moves: small worlds, so walks meet the same
    /// states by different orders of the same steps (equal states that must digest alike)
    /// and states that differ in one field (which must not).
    static func walkStates(_ scope: ExhaustiveScope, walks: Int, seed: UInt64) -> [World<ProductionActors>] {
        var random = SeededRandom(seed: seed)
        var states: [World<ProductionActors>] = []
        for _ in 0..<walks {
            var world = World<ProductionActors>(setup: scope.setup)
            var faultsLeft = scope.faults
            for _ in 0..<scope.maxSteps {
                let moves = scope.moves(in: world, faultsLeft: faultsLeft)
                guard !moves.isEmpty, world.violation == nil else { break }
                switch moves[random.below(moves.count)] {
                case .lane(let lane): world.run(lane: lane)
                case .act(let decision): world.apply(decision)
                case .fault(let decision):
                    faultsLeft -= 1
                    world.apply(decision)
                }
                states.append(world)
            }
            world.settle()
            states.append(world)
        }
        return states
    }

    @Test("states the reflected digest tells apart, the fast digest tells apart, and equal ones it digests alike")
    func fastDigestAgreesWithReflection() {
        let scopes = [
            ExhaustiveScope(clients: 2, rooms: 1, commands: 2, maxSteps: 60, faults: 1),
            ExhaustiveScope(clients: 3, rooms: 2, commands: 3, maxSteps: 80, faults: 2, typeAhead: 2),
        ]
        var fastOf: [UInt64: UInt64] = [:], reflectedOf: [UInt64: UInt64] = [:]
        var states = 0
        for (index, scope) in scopes.enumerated() {
            for world in ReflectedDigestTests.walkStates(scope, walks: 25, seed: UInt64(index + 1)) {
                states += 1
                let fast = StateDigest.of(world), reflected = ReflectedDigest.of(world)
                if let known = fastOf[reflected] {
                    #expect(known == fast, "equal states (by reflection) digested differently")
                } else {
                    fastOf[reflected] = fast
                }
                if let known = reflectedOf[fast] {
                    #expect(known == reflected, "states that differ (by reflection) digested alike: a field is missed")
                } else {
                    reflectedOf[fast] = reflected
                }
            }
        }
        #expect(fastOf.count < states, "the walks met some state twice, so equality was tested")
        #expect(fastOf.count > 300, "the walks met many distinct states")
    }

    @Test("every field of a world's parts is digested or named as left out")
    func coverageKnowsEveryField() {
        let scope = ExhaustiveScope(clients: 2, rooms: 1, commands: 2, maxSteps: 60, faults: 1)
        for world in ReflectedDigestTests.walkStates(scope, walks: 5, seed: 9) {
            StateDigest.checkCoverage(of: world)
        }
    }
}
