import ArgumentParser

@main
struct Parley: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "A chat server over TLS whose concurrency is proven by deterministic simulation.",
        subcommands: [Serve.self, Chat.self, Sim.self, Replay.self, Load.self]
    )
}

/// Subcommands that are planned but not built yet say so and exit non-zero.
struct NotYet: Error, CustomStringConvertible {
    let command: String
    var description: String { "parley \(command): not yet built" }
}

struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the deterministic simulator over many seeds.")
    func run() throws { throw NotYet(command: "sim") }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replay a fixture as a timeline.")
    func run() throws { throw NotYet(command: "replay") }
}

