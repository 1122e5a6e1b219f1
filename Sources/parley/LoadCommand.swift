import ArgumentParser
import Foundation
import ParleyLoad

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate load against a chat server and measure it.",
        discussion: """
            Connects N clients over TLS, registers them (or logs them in), puts them in R
            rooms, has S of them send at a rate for a while, and reports deliveries per
            second and fan-out latency (p50, p99, p99.9, max). Logins happen before the
            clock starts. Start the server with flood control off (`--rate 0`) for
            throughput runs. With --protocol irc it speaks IRC (NICK/USER, JOIN, PRIVMSG)
            so the same generator measures an IRC server.

            Examples:
              parley load 127.0.0.1:7878 --clients 100 --senders 10 --rate 50 --duration 10
              parley load 127.0.0.1:7878 --clients 100 --senders 10 --rate 100 --shape burst
              parley load 127.0.0.1:7878 --clients 1000 --rooms 20 --senders 100
              parley load 127.0.0.1:7878 --clients 5000 --idle --duration 30
              parley load 127.0.0.1:7878 --clients 200 --login-burst --chatters 20 --senders 5 --duration 30
              parley load 127.0.0.1:6697 --protocol irc --clients 100 --senders 10
            """
    )

    @Argument(help: "HOST:PORT of the server.") var address: String
    @Option(help: "parley or irc.") var `protocol` = "parley"
    @Option(help: "Connections to hold.") var clients = 100
    @Option(help: "Rooms to spread them over.") var rooms = 1
    @Option(help: "Clients that send.") var senders = 10
    @Option(help: "Messages a second per sender.") var rate = 10.0
    @Option(help: "spread (senders evenly over each interval) or burst (all senders in step each interval).")
    var shape = "spread"
    @Option(help: "Seconds to send (or to hold, with --idle).") var duration = 10.0
    @Option(help: "Bytes of text per message.") var size = 100
    @Option(help: "Threads driving the connections.") var threads = 1
    @Option(help: "Account names are PREFIX0, PREFIX1, ...") var prefix = "load"
    @Option(help: "The accounts' password.") var password = "load-password"
    @Flag(help: "Hold the connections without sending.") var idle = false
    @Flag(help: "Time N logins at once (accounts are registered first).") var loginBurst = false
    @Option(help: "With --login-burst: users already in a room who chat during the burst (their latency is reported).")
    var chatters = 0
    @Option(help: "The server's process id, to report its CPU per delivery and its memory from /proc.")
    var serverPid: Int32?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw ValidationError("give the server as HOST:PORT")
        }
        guard let wire = LoadConfiguration.WireProtocol(rawValue: self.protocol) else {
            throw ValidationError("--protocol is parley or irc")
        }
        guard let shape = LoadConfiguration.SenderShape(rawValue: self.shape) else {
            throw ValidationError("--shape is spread or burst")
        }
        var configuration = LoadConfiguration()
        configuration.shape = shape
        configuration.host = String(address[..<colon])
        configuration.port = port
        configuration.wire = wire
        configuration.clients = clients
        configuration.rooms = rooms
        configuration.senders = min(senders, clients)
        configuration.rate = rate
        configuration.duration = .milliseconds(Int64(duration * 1000))
        configuration.messageSize = size
        configuration.threads = threads
        configuration.namePrefix = prefix
        configuration.password = password
        configuration.idle = idle
        configuration.loginBurst = loginBurst
        configuration.chatters = chatters
        configuration.serverPID = serverPid
        let runner = LoadRunner(configuration: configuration) { @Sendable line in
            FileHandle.standardError.write(Data(("load: " + line + "\n").utf8))
        }
        let report = try runner.run()
        print(json ? report.json : report.table)
        if report.errors > 0 || report.closedByServer > 0 { throw ExitCode(1) }
    }
}
