import Foundation

/// A shrunk run kept as a regression test: a readable JSON file under `fixtures/`.
///
/// It holds what a replay needs (the world setup and the decisions, in words), what it
/// is for (the invariant it once broke, or the hazard it exercises), and where it came
/// from (seed, options, the plan the seed drew, how long the run was before shrinking).
public struct Fixture: Codable, Equatable, Sendable {
    public var format = 1
    /// One line for a person.
    public var summary: String
    /// The invariant the run broke when it was found; nil for a hazard fixture.
    public var invariant: Invariant?
    /// What was seen then.
    public var violation: String?
    /// The race of DESIGN.md this run exercises; the replay fails if it no longer does.
    public var hazard: Hazard?
    /// A broken actor variant the run was found with (tests only; see SimulationTests).
    public var plant: String?
    public var seed: UInt64
    public var options: SimulationOptions
    public var world: WorldSetup
    public var plan: ExplorationPlan?
    /// Decisions of the generated run, before shrinking.
    public var originalDecisions: Int
    public var decisions: [String]

    public init(
        summary: String, invariant: Invariant?, violation: String?, hazard: Hazard?, plant: String?, seed: UInt64,
        options: SimulationOptions, world: WorldSetup, plan: ExplorationPlan?, originalDecisions: Int,
        decisions: [Decision]
    ) {
        self.summary = summary
        self.invariant = invariant
        self.violation = violation
        self.hazard = hazard
        self.plant = plant
        self.seed = seed
        self.options = options
        self.world = world
        self.plan = plan
        self.originalDecisions = originalDecisions
        self.decisions = decisions.map(\.description)
    }

    /// The decisions, read back; throws on a line that is not a decision.
    public func parsedDecisions() throws -> [Decision] {
        try decisions.enumerated().map { index, text in
            guard let decision = Decision(parsing: text) else { throw FixtureError.unreadableDecision(index + 1, text) }
            return decision
        }
    }

    public static func load(from path: String) throws -> Fixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            return try JSONDecoder().decode(Fixture.self, from: data)
        } catch {
            throw FixtureError.unreadable(path, "\(error)")
        }
    }

    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// A file name that says what the fixture is: `room-delivery-seed123.json`.
    public var fileName: String {
        let what = invariant?.rawValue ?? hazard?.rawValue ?? "run"
        return "\(plant.map { "\($0)-" } ?? "")\(what)-seed\(seed).json"
    }
}

public enum FixtureError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case unreadableDecision(Int, String)

    public var description: String {
        switch self {
        case .unreadable(let path, let why): return "\(path) is not a fixture: \(why)"
        case .unreadableDecision(let index, let text):
            return "decision \(index) is not one this simulator knows: \"\(text)\""
        }
    }
}
