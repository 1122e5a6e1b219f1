import ArgumentParser
import ChatCore
import Foundation
import Glibc
import Logging
import ParleyServer
import ParleyTLS

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the chat server.",
        discussion: """
            Every connection is TLS (1.3 by default, 1.2 at the lowest). At first start the
            data directory is created (mode 0700) with a self-signed certificate and the
            SQLite database; the certificate's SHA-256 fingerprint is printed at every start
            so clients can pin it. SIGTERM or SIGINT stops the server gracefully.

            The data directory must be a real directory (no symbolic link) of the user
            running the server that nobody else can write to, its key.pem readable by
            that user alone; one server at a time uses it (parley.lock holds its pid).

            Examples:
              parley serve
              parley serve --host 0.0.0.0 --port 7878 --data-dir /var/lib/parley
              parley serve --cert fullchain.pem --key privkey.pem
              parley serve --keep-days 30
              parley serve --irc-port 6697            # IRC over TLS beside Parley's port
              parley serve --irc-plain-port 6667      # IRC in plain TCP, loopback only
            """
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "TCP port to listen on (0 picks a free one).") var port: UInt16 = 7878
    @Option(name: .customLong("irc-port"), help: "Also speak IRC over TLS on this port (same certificate).")
    var ircPort: UInt16?
    @Option(
        name: .customLong("irc-plain-port"),
        help: "Also speak IRC in plain TCP on this port; only with a loopback --host (tests, a TLS proxy).")
    var ircPlainPort: UInt16?
    @Option(
        name: .customLong("irc-server-name"),
        help: "The IRC server's name in replies and PING/PONG (1 to 32 of A-Z a-z 0-9 . -).")
    var ircServerName = IRCSession.defaultServerName
    @Option(name: .customLong("data-dir"), help: "Where the database, certificate and key live.")
    var dataDirectory = "./parley-data"
    @Option(name: .customLong("cert"), help: "Your own certificate (PEM) instead of the generated one.")
    var certificateFile: String?
    @Option(name: .customLong("key"), help: "The private key (PEM) for --cert.") var keyFile: String?
    @Option(
        name: .customLong("scrypt-log-n"),
        help: "scrypt cost as log2(N), r=8, p=3. Default 15 (OWASP). Lower only for tests.")
    var scryptLogN: Int = 15
    @Option(help: "Lines a second each client may send (0 turns flood control off).") var rate = 10
    @Option(help: "The shortest password /register, /login and /passwd take, 1 to 8 (lower only for test suites).")
    var minPasswordBytes = Password.minBytes
    @Option(help: "Lines a client may send at once before the rate applies.") var burst = 20
    @Option(help: "Connections one remote address may hold at once (loopback is exempt).")
    var maxConnectionsPerAddress = 20
    @Option(help: "TLS handshakes under way at once; past it a new connection is closed before its handshake.")
    var maxHandshakes = 256
    @Option(help: "TLS handshakes under way at once from one address (an IPv6 /64; loopback is exempt).")
    var maxHandshakesPerAddress = 8
    @Option(help: "Connections not logged in yet, at once; past it a new connection is closed before its handshake.")
    var maxStrangers = 1024
    @Option(help: "Connections not logged in yet, at once, from one address (an IPv6 /64; loopback is exempt).")
    var maxStrangersPerAddress = 10
    @Flag(
        inversion: .prefixedNo,
        help:
            "Exempt loopback from the per-address caps and login limits (the per-account limits still apply). Turn it off behind a TLS proxy on this machine, or to try the per-address limits from loopback."
    )
    var exemptLoopback = true
    @Option(help: "Database durability: normal (survives a crash of the server) or full (also a power loss).")
    var synchronous = "normal"
    @Option(
        help:
            "Group commit window in microseconds: while requests queue behind the store, messages this close together share a commit and each member's write (0: none)."
    )
    var commitWindow = 2000
    @Option(
        help:
            "Room messages a user gets on entering global or a temporary room, before any live line (0: none; /history reads up to 500)."
    )
    var history = 50
    @Option(help: "Delete messages older than this many days, at start and then hourly (default: keep them all).")
    var keepDays: Int?
    @Option(
        help:
            "Log lines of one kind about connections (failed handshakes, refused connections) per second at most; the rest are counted in one line (0: no limit)."
    )
    var connectionLogRate = 10
    @Option(
        help:
            "KiB of output not yet taken by readers, all connections together, past which the slowest readers are closed first with BYE slow-reader (0: no server-wide budget)."
    )
    var outputBudget = 8 * 1024
    @Option(
        help:
            "SO_SNDBUF of each connection in KiB: what a reader that does not read holds in the kernel (0: the kernel's autotuning, up to 4 MiB a socket)."
    )
    var socketSendBuffer = 64
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func validate() throws {
        guard (certificateFile == nil) == (keyFile == nil) else {
            throw ValidationError("--cert and --key go together: give both or neither")
        }
        guard IRCSession.isServerName(ircServerName) else {
            throw ValidationError("--irc-server-name must be 1 to 32 of A-Z a-z 0-9 . -")
        }
        guard (10...22).contains(scryptLogN) else { throw ValidationError("--scrypt-log-n must be from 10 to 22") }
        guard ["normal", "full"].contains(synchronous) else { throw ValidationError("--synchronous is normal or full") }
        guard (0...100_000).contains(commitWindow) else {
            throw ValidationError("--commit-window must be from 0 to 100000 microseconds")
        }
        guard maxConnectionsPerAddress > 0 else {
            throw ValidationError("--max-connections-per-address must be more than 0")
        }
        for (option, value) in [
            ("--max-handshakes", maxHandshakes), ("--max-handshakes-per-address", maxHandshakesPerAddress),
            ("--max-strangers", maxStrangers), ("--max-strangers-per-address", maxStrangersPerAddress),
        ] where !(1...1_000_000).contains(value) {
            throw ValidationError("\(option) must be from 1 to 1000000")
        }
        if let keepDays, !(1...36_500).contains(keepDays) {
            throw ValidationError("--keep-days must be from 1 to 36500 (leave it out to keep every message)")
        }
        guard (0...Limits.maxHistoryLines).contains(history) else {
            throw ValidationError("--history must be from 0 to \(Limits.maxHistoryLines)")
        }
        guard (0...16 * 1024 * 1024).contains(outputBudget) else {
            throw ValidationError("--output-budget must be from 0 to 16777216 KiB")
        }
        guard (0...64 * 1024).contains(socketSendBuffer) else {
            throw ValidationError("--socket-send-buffer must be from 0 to 65536 KiB")
        }
        guard (0...100_000).contains(connectionLogRate) else {
            throw ValidationError("--connection-log-rate must be from 0 to 100000")
        }
        guard (0...10_000).contains(rate), (1...100_000).contains(burst) else {
            throw ValidationError("--rate must be from 0 to 10000 and --burst from 1 to 100000")
        }
        guard Limits.minPasswordBytesAllowed.contains(minPasswordBytes) else {
            let allowed = Limits.minPasswordBytesAllowed
            throw ValidationError("--min-password-bytes must be from \(allowed.lowerBound) to \(allowed.upperBound)")
        }
    }

    func run() throws {
        Serve.restartWithoutThreadCaches()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "parley")
        // Block the stop signals before any thread starts, so every thread inherits the
        // block and only this one receives them, with sigwait.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        let server = ChatServer(configuration: serverConfiguration(), logger: logger)
        do {
            try server.start()
        } catch {
            FileHandle.standardError.write(Data("parley serve: cannot start: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if server.certificateWasCreated { print("Created a self-signed certificate in \(dataDirectory)") }
        print("Parley is listening on \(host):\(server.port)")
        if let port = server.ircPort { print("IRC (TLS) is listening on \(host):\(port)") }
        if let port = server.ircPlainPort { print("IRC (plain, loopback) is listening on \(host):\(port)") }
        print("Certificate fingerprint: \(server.fingerprint.map { "\($0)" } ?? "?")")
        fflush(nil)

        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        logger.info("stopping", metadata: ["signal": "\(received)"])
        server.stop()
        print("Parley stopped")
    }

    /// Runs this same command again with two glibc settings, once, before anything else
    /// starts (glibc reads them only at start, hence the exec: same process, same pid).
    /// Per-thread malloc caches off: each long-lived thread (a room, the store) would
    /// keep up to hundreds of KiB of freed chunks out of everyone else's reach. A small
    /// cache of exited threads' stacks (4 MiB, not 40): a connection's thread ends when
    /// it parks, and each cached stack keeps pages resident. Together, about 1 KiB per
    /// idle connection. An operator's own GLIBC_TUNABLES is left as it is.
    static func restartWithoutThreadCaches() {
        // Once only, even where glibc drops GLIBC_TUNABLES (a binary with file
        // capabilities runs in secure mode): the marker says this is the second run.
        if getenv("PARLEY_SERVE_RESTARTED") != nil {
            unsetenv("PARLEY_SERVE_RESTARTED")
            return
        }
        guard getenv("GLIBC_TUNABLES") == nil else { return }
        setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0:glibc.pthread.stack_cache_size=4194304", 1)
        setenv("PARLEY_SERVE_RESTARTED", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("GLIBC_TUNABLES")  // exec failed: carry on as we are
        unsetenv("PARLEY_SERVE_RESTARTED")
    }

    private func serverConfiguration() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.ircPort = ircPort
        configuration.ircPlainPort = ircPlainPort
        configuration.ircServerName = ircServerName
        configuration.dataDirectory = dataDirectory
        configuration.certificateFile = certificateFile
        configuration.keyFile = keyFile
        configuration.scryptCost = ScryptCost(logN: UInt8(scryptLogN), r: 8, p: 3)
        configuration.maxConnectionsPerAddress = maxConnectionsPerAddress
        configuration.maxHandshakes = maxHandshakes
        configuration.maxHandshakesPerAddress = maxHandshakesPerAddress
        configuration.maxStrangers = maxStrangers
        configuration.maxStrangersPerAddress = maxStrangersPerAddress
        configuration.exemptLoopback = exemptLoopback
        configuration.synchronous = synchronous == "full" ? .full : .normal
        configuration.commitWindow = .microseconds(commitWindow)
        configuration.limits.rate = rate == 0 ? nil : RateLimit(linesPerSecond: rate, burst: burst)
        configuration.limits.minPasswordBytes = minPasswordBytes
        configuration.keepMessagesFor = keepDays.map { .seconds(Int64($0) * 86_400) }
        configuration.connectionLogLinesPerSecond = connectionLogRate
        configuration.historyLines = history
        configuration.outputBudgetBytes = outputBudget == 0 ? nil : outputBudget * 1024
        configuration.socketSendBufferBytes = socketSendBuffer == 0 ? nil : socketSendBuffer * 1024
        return configuration
    }
}
