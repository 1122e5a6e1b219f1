import ArgumentParser

@main
struct Parley: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "A chat server over TLS whose concurrency is proven by deterministic simulation.",
        subcommands: [Serve.self, Chat.self, Admin.self, Sim.self, Replay.self, Load.self]
    )
}
