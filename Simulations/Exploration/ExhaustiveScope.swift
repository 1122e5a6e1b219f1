/// The bounds of a world small enough to explore completely (`parley sim --exhaustive`):
/// how many clients, rooms and commands each, how many faults a run may inject, and how
/// many decisions a run may take before the world settles.
///
/// Each client connects once, logs in to an account of its own, then types `commands`
/// commands, each chosen at the moment it types from the scope's alphabet: for every
/// room a create and a join, a leave and a room message. A client may type one command
/// ahead of its answers (`typeAhead`), which is how a command meets a move in flight.
/// Faults, `faults` at most per run: a hang-up (keeping or dropping unsent bytes), the
/// network handing over a line in two parts, the store failing (its recovery is free),
/// the clock moving to the next wake a session asked for.
public struct ExhaustiveScope: Codable, Equatable, Sendable, CustomStringConvertible {
    public var clients: Int
    public var rooms: Int
    public var commands: Int
    public var maxSteps: Int
    public var faults: Int
    public var typeAhead: Int

    public static let roomNames = ["den", "loft", "attic"]

    public init(clients: Int, rooms: Int, commands: Int, maxSteps: Int = 400, faults: Int = 1, typeAhead: Int = 1) {
        precondition((1...3).contains(clients), "an exhaustive scope has 1 to 3 clients")
        precondition((1...ExhaustiveScope.roomNames.count).contains(rooms), "an exhaustive scope has 1 to 3 rooms")
        precondition(commands >= 0 && maxSteps > 0 && faults >= 0 && typeAhead >= 0, "bounds are not negative")
        self.clients = clients
        self.rooms = rooms
        self.commands = commands
        self.maxSteps = maxSteps
        self.faults = faults
        self.typeAhead = typeAhead
    }

    /// The world every run of the scope starts from: standard limits, one account per client.
    public var setup: WorldSetup {
        WorldSetup(
            clients: clients, accounts: (1...clients).map { "u\($0)" },
            roomNames: Array(ExhaustiveScope.roomNames.prefix(rooms)), limits: LimitSetup())
    }

    /// What client `number` may type next, once logged in.
    func alphabet(client number: Int, nextText: Int) -> [String] {
        var lines: [String] = []
        for room in ExhaustiveScope.roomNames.prefix(rooms) { lines += ["/create \(room)", "/join \(room)"] }
        return lines + ["/leave", "m\(number).\(nextText)"]
    }

    public var description: String {
        "\(clients) clients, \(rooms) room\(rooms == 1 ? "" : "s"), \(commands) commands each, \(faults) fault\(faults == 1 ? "" : "s") per run, type-ahead \(typeAhead), at most \(maxSteps) steps"
    }

    /// The options a fixture of this scope records.
    var options: SimulationOptions { SimulationOptions(faults: faults > 0, steps: maxSteps, clients: clients) }
}
