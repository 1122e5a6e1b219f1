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
    case lateHistoryLobby = "late-history-lobby"
    case staleUsers = "stale-users"
    case openDoor = "open-door"
    case caseSensitive = "case-sensitive"
    case generousSession = "generous-session"
    case foldingSession = "folding-session"
    case partlessIRC = "partless-irc"
    case channelWhisperIRC = "channel-whisper-irc"
    case staleNamesIRC = "stale-names-irc"
    case laxRegistrar = "lax-registrar"
    case crowdedPool = "crowded-pool"
    case anyoneKicks = "anyone-kicks"
    case partingRoom = "parting-room"
    case forgetfulGate = "forgetful-gate"
    case greedyHistory = "greedy-history"
    case flatActionRoom = "flat-action-room"

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
        case .lateHistoryLobby:
            return Simulation.run(seed: seed, options: options, actors: LateHistoryActors.self, recordDecisions: true)
        case .staleUsers:
            return Simulation.run(seed: seed, options: options, actors: StaleUsersActors.self, recordDecisions: true)
        case .openDoor:
            return Simulation.run(seed: seed, options: options, actors: OpenDoorActors.self, recordDecisions: true)
        case .caseSensitive:
            return Simulation.run(seed: seed, options: options, actors: CaseSensitiveActors.self, recordDecisions: true)
        case .generousSession:
            return Simulation.run(
                seed: seed, options: options, actors: GenerousSessionActors.self, recordDecisions: true)
        case .foldingSession:
            return Simulation.run(
                seed: seed, options: options, actors: FoldingSessionActors.self, recordDecisions: true)
        case .partlessIRC:
            return Simulation.run(seed: seed, options: options, actors: PartlessIRCActors.self, recordDecisions: true)
        case .channelWhisperIRC:
            return Simulation.run(
                seed: seed, options: options, actors: ChannelWhisperIRCActors.self, recordDecisions: true)
        case .staleNamesIRC:
            return Simulation.run(seed: seed, options: options, actors: StaleNamesIRCActors.self, recordDecisions: true)
        case .laxRegistrar:
            return Simulation.run(seed: seed, options: options, actors: LaxRegistrarActors.self, recordDecisions: true)
        case .crowdedPool:
            return Simulation.run(seed: seed, options: options, actors: CrowdedPoolActors.self, recordDecisions: true)
        case .anyoneKicks:
            return Simulation.run(seed: seed, options: options, actors: AnyoneKicksActors.self, recordDecisions: true)
        case .partingRoom:
            return Simulation.run(seed: seed, options: options, actors: PartingRoomActors.self, recordDecisions: true)
        case .forgetfulGate:
            return Simulation.run(seed: seed, options: options, actors: ForgetfulGateActors.self, recordDecisions: true)
        case .greedyHistory:
            return Simulation.run(seed: seed, options: options, actors: GreedyHistoryActors.self, recordDecisions: true)
        case .flatActionRoom:
            return Simulation.run(
                seed: seed, options: options, actors: FlatActionRoomActors.self, recordDecisions: true)
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
        case .lateHistoryLobby:
            return Simulation.fixture(for: report, goal: goal, actors: LateHistoryActors.self, plant: rawValue)
        case .staleUsers:
            return Simulation.fixture(for: report, goal: goal, actors: StaleUsersActors.self, plant: rawValue)
        case .openDoor:
            return Simulation.fixture(for: report, goal: goal, actors: OpenDoorActors.self, plant: rawValue)
        case .caseSensitive:
            return Simulation.fixture(for: report, goal: goal, actors: CaseSensitiveActors.self, plant: rawValue)
        case .generousSession:
            return Simulation.fixture(for: report, goal: goal, actors: GenerousSessionActors.self, plant: rawValue)
        case .foldingSession:
            return Simulation.fixture(for: report, goal: goal, actors: FoldingSessionActors.self, plant: rawValue)
        case .partlessIRC:
            return Simulation.fixture(for: report, goal: goal, actors: PartlessIRCActors.self, plant: rawValue)
        case .channelWhisperIRC:
            return Simulation.fixture(for: report, goal: goal, actors: ChannelWhisperIRCActors.self, plant: rawValue)
        case .staleNamesIRC:
            return Simulation.fixture(for: report, goal: goal, actors: StaleNamesIRCActors.self, plant: rawValue)
        case .laxRegistrar:
            return Simulation.fixture(for: report, goal: goal, actors: LaxRegistrarActors.self, plant: rawValue)
        case .crowdedPool:
            return Simulation.fixture(for: report, goal: goal, actors: CrowdedPoolActors.self, plant: rawValue)
        case .anyoneKicks:
            return Simulation.fixture(for: report, goal: goal, actors: AnyoneKicksActors.self, plant: rawValue)
        case .partingRoom:
            return Simulation.fixture(for: report, goal: goal, actors: PartingRoomActors.self, plant: rawValue)
        case .forgetfulGate:
            return Simulation.fixture(for: report, goal: goal, actors: ForgetfulGateActors.self, plant: rawValue)
        case .greedyHistory:
            return Simulation.fixture(for: report, goal: goal, actors: GreedyHistoryActors.self, plant: rawValue)
        case .flatActionRoom:
            return Simulation.fixture(for: report, goal: goal, actors: FlatActionRoomActors.self, plant: rawValue)
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
        case .lateHistoryLobby: return try Simulation.replay(fixture, actors: LateHistoryActors.self)
        case .staleUsers: return try Simulation.replay(fixture, actors: StaleUsersActors.self)
        case .openDoor: return try Simulation.replay(fixture, actors: OpenDoorActors.self)
        case .caseSensitive: return try Simulation.replay(fixture, actors: CaseSensitiveActors.self)
        case .generousSession: return try Simulation.replay(fixture, actors: GenerousSessionActors.self)
        case .foldingSession: return try Simulation.replay(fixture, actors: FoldingSessionActors.self)
        case .partlessIRC: return try Simulation.replay(fixture, actors: PartlessIRCActors.self)
        case .channelWhisperIRC: return try Simulation.replay(fixture, actors: ChannelWhisperIRCActors.self)
        case .staleNamesIRC: return try Simulation.replay(fixture, actors: StaleNamesIRCActors.self)
        case .laxRegistrar: return try Simulation.replay(fixture, actors: LaxRegistrarActors.self)
        case .crowdedPool: return try Simulation.replay(fixture, actors: CrowdedPoolActors.self)
        case .anyoneKicks: return try Simulation.replay(fixture, actors: AnyoneKicksActors.self)
        case .partingRoom: return try Simulation.replay(fixture, actors: PartingRoomActors.self)
        case .forgetfulGate: return try Simulation.replay(fixture, actors: ForgetfulGateActors.self)
        case .greedyHistory: return try Simulation.replay(fixture, actors: GreedyHistoryActors.self)
        case .flatActionRoom: return try Simulation.replay(fixture, actors: FlatActionRoomActors.self)
        }
    }
}
