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

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the chat server.")
    func run() throws { throw NotYet(command: "serve") }
}

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Chat from the terminal, pinning the server's certificate.")
    func run() throws { throw NotYet(command: "chat") }
}

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate load against a server.")
    func run() throws { throw NotYet(command: "load") }
}
