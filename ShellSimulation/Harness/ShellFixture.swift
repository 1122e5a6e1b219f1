import Foundation

/// A shrunk shell run kept as a regression test under `fixtures/shell/`: the seed, options
/// and world, and the choice stream in words: which thread ran (by role), what each
/// client did, the clock, the store, the shutdown.
public struct ShellFixture: Codable, Equatable, Sendable {
    public var format = 1
    /// Always "shell": tells `parley replay` this is not a core simulator fixture.
    public var kind = "shell"
    public var summary: String
    /// The invariant the run broke when found.
    public var invariant: ShellInvariant?
    public var violation: String?
    /// The broken platform it was found with (tests only).
    public var plant: Plant?
    public var seed: UInt64
    public var options: ShellOptions
    public var setup: ShellSetup
    /// Decisions of the generated run, before shrinking.
    public var originalDecisions: Int
    public var decisions: [String]
    /// The threads the decisions name, for a person.
    public var threads: [String]

    public init(report: ShellRunReport, decisions: [ShellDecision], originalDecisions: Int) {
        self.summary =
            report.violation.map {
                "\($0.invariant.rawValue) in \(decisions.count) decisions (from \(originalDecisions))\(report.plant.map { ", with the planted \($0.rawValue)" } ?? "")"
            }
            ?? "\(decisions.count) decisions, every invariant holding"
        self.invariant = report.violation?.invariant
        self.violation = report.violation?.detail
        self.plant = report.plant
        self.seed = report.seed
        self.options = report.options
        self.setup = report.setup
        self.originalDecisions = originalDecisions
        self.decisions = decisions.map(\.description)
        var names: [String] = []
        for case .run(let name) in decisions where !names.contains(name) { names.append(name) }
        self.threads = names
    }

    public func parsedDecisions() throws -> [ShellDecision] {
        try decisions.enumerated().map { index, text in
            guard let decision = ShellDecision(parsing: text) else {
                throw ShellFixtureError.unreadableDecision(index + 1, text)
            }
            return decision
        }
    }

    public var fileName: String {
        "\(plant.map { "\($0.rawValue)-" } ?? "")\(invariant?.rawValue ?? "run")-seed\(seed).json"
    }

    public static func isShellFixture(_ data: Data) -> Bool {
        (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["kind"] as? String == "shell"
    }

    public static func load(from path: String) throws -> ShellFixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        do { return try JSONDecoder().decode(ShellFixture.self, from: data) } catch {
            throw ShellFixtureError.unreadable(path, "\(error)")
        }
    }

    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Replays the decisions strictly, then settles and shuts down as every run does.
    public func replay(recordTimeline: Bool = false, maker: ShellMaker? = nil) throws -> ShellRunReport {
        ShellSimulation.replay(
            seed: seed, options: options, setup: setup, plant: plant, decisions: try parsedDecisions(),
            lenient: false, recordTimeline: recordTimeline, maker: maker)
    }
}

public enum ShellFixtureError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case unreadableDecision(Int, String)

    public var description: String {
        switch self {
        case .unreadable(let path, let why): return "\(path) is not a shell fixture: \(why)"
        case .unreadableDecision(let index, let text):
            return "decision \(index) is not one the shell simulation knows: \"\(text)\""
        }
    }
}
