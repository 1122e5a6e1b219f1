import ParleySimulation

/// The tests' `--plant` hook: a broken actor variant by name. It lives only here; the
/// shipped `parley sim` runs production's actors and nothing else.
enum Plant: String, CaseIterable {
    case leakyRoom = "leaky-room"
    case twinLobby = "twin-lobby"
    case eagerGate = "eager-gate"
    case hastySession = "hasty-session"
    case banBlindGate = "ban-blind-gate"
    case kickLeakyRoom = "kick-leaky-room"

    /// Runs one seed with this plant.
    func run(seed: UInt64, options: SimulationOptions) -> RunReport {
        switch self {
        case .leakyRoom:
            return Simulation.run(seed: seed, options: options, actors: LeakyRoomActors.self, recordDecisions: true)
        case .twinLobby:
            return Simulation.run(seed: seed, options: options, actors: TwinLobbyActors.self, recordDecisions: true)
        case .eagerGate:
            return Simulation.run(seed: seed, options: options, actors: EagerGateActors.self, recordDecisions: true)
        case .hastySession:
            return Simulation.run(seed: seed, options: options, actors: HastySessionActors.self, recordDecisions: true)
        case .banBlindGate:
            return Simulation.run(seed: seed, options: options, actors: BanBlindGateActors.self, recordDecisions: true)
        case .kickLeakyRoom:
            return Simulation.run(seed: seed, options: options, actors: KickLeakyRoomActors.self, recordDecisions: true)
        }
    }

    /// Shrinks a failing run of this plant into a fixture.
    func fixture(for report: RunReport, goal: ShrinkGoal) -> Fixture? {
        switch self {
        case .leakyRoom:
            return Simulation.fixture(for: report, goal: goal, actors: LeakyRoomActors.self, plant: rawValue)
        case .twinLobby:
            return Simulation.fixture(for: report, goal: goal, actors: TwinLobbyActors.self, plant: rawValue)
        case .eagerGate:
            return Simulation.fixture(for: report, goal: goal, actors: EagerGateActors.self, plant: rawValue)
        case .hastySession:
            return Simulation.fixture(for: report, goal: goal, actors: HastySessionActors.self, plant: rawValue)
        case .banBlindGate:
            return Simulation.fixture(for: report, goal: goal, actors: BanBlindGateActors.self, plant: rawValue)
        case .kickLeakyRoom:
            return Simulation.fixture(for: report, goal: goal, actors: KickLeakyRoomActors.self, plant: rawValue)
        }
    }

    /// Replays a fixture with this plant.
    func replay(_ fixture: Fixture) throws -> ReplayResult {
        switch self {
        case .leakyRoom: return try Simulation.replay(fixture, actors: LeakyRoomActors.self)
        case .twinLobby: return try Simulation.replay(fixture, actors: TwinLobbyActors.self)
        case .eagerGate: return try Simulation.replay(fixture, actors: EagerGateActors.self)
        case .hastySession: return try Simulation.replay(fixture, actors: HastySessionActors.self)
        case .banBlindGate: return try Simulation.replay(fixture, actors: BanBlindGateActors.self)
        case .kickLeakyRoom: return try Simulation.replay(fixture, actors: KickLeakyRoomActors.self)
        }
    }
}
