import ArgumentParser
import Glibc
import ParleyClient
import ParleyTLS

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat from the terminal, pinning the server's certificate.",
        discussion: """
            Connects over TLS (1.3, or 1.2 at the lowest) and trusts the server's certificate
            on first use, like ssh: the first time, it shows the certificate's SHA-256
            fingerprint and asks; the answer is kept in $XDG_CONFIG_HOME/parley/known_servers
            (~/.config/parley/known_servers), one "host:port SHA256:..." per line. If the
            server later presents another certificate, parley chat refuses to connect and
            names both fingerprints and the line to delete. --fingerprint trusts exactly the
            given certificate without asking (and records it if the server is new).

            With a terminal, you get a prompt that keeps your half-typed line while messages
            arrive: arrows, history (passwords are never kept), Ctrl-A/E/U/W, Ctrl-C or
            Ctrl-D to quit. Without one (a pipe or a file), each input line is sent as is,
            server lines are printed as they come, and the end of input sends /quit; an
            unknown server is then refused unless --fingerprint is given.

            Exit status: 0 when the server said goodbye (or closed after you quit), 1 for a
            connection error or a server that went away, 2 for a bad command line, 3 when
            the certificate does not match the pinned one.

            Examples:
              parley chat 127.0.0.1
              parley chat chat.example.org:7878
              parley chat [::1]:7878 --fingerprint SHA256:68:96:52:...:14:72
              printf '/login alice PASSWORD\\nhello\\n' | parley chat 127.0.0.1 --fingerprint SHA256:...
            """
    )

    @Argument(
        help: ArgumentHelp("The server: HOST, HOST:PORT or [IPV6]:PORT (default port 7878).", valueName: "host[:port]"))
    var server: String

    @Option(
        help: ArgumentHelp(
            "Trust exactly this certificate, e.g. the one `parley serve` printed.", valueName: "SHA256:..."))
    var fingerprint: String?

    @Option(
        name: .customLong("known-servers"),
        help: ArgumentHelp("The known_servers file to use instead of the default.", valueName: "file"))
    var knownServersPath: String?

    @Option(help: "Seconds to wait for the connection and the TLS handshake.")
    var timeout: Int = 10

    func run() throws {
        let environment = Self.environment()
        let options: ChatOptions
        do throws(ClientError) {
            options = try chatOptions(environment: environment)
        } catch {
            writeError("parley: \(error.message)")
            throw ExitCode(error.exitCode)
        }
        let status = ChatClient.run(options, io: .standard(environment: environment))
        if status != 0 { throw ExitCode(status) }
    }

    private func chatOptions(environment: [String: String]) throws(ClientError) -> ChatOptions {
        let endpoint: Endpoint
        switch Endpoint.parse(server) {
        case .success(let parsed): endpoint = parsed
        case .failure(let error): throw ClientError(.usage, error.description)
        }
        var expected: Fingerprint?
        if let fingerprint {
            guard let parsed = Fingerprint(parsing: fingerprint) else {
                throw ClientError(
                    .usage, "--fingerprint \"\(fingerprint)\" is not a SHA-256 fingerprint (SHA256: and 32 hex pairs)")
            }
            expected = parsed
        }
        guard (1...300).contains(timeout) else { throw ClientError(.usage, "--timeout must be from 1 to 300 seconds") }
        let file: KnownServersFile
        if let knownServersPath {
            file = KnownServersFile(path: knownServersPath)
        } else if let directory = KnownServersFile.configDirectory(environment: environment) {
            file = KnownServersFile(configDirectory: directory)
        } else {
            throw ClientError(
                .configuration,
                "cannot find a configuration directory: set HOME or XDG_CONFIG_HOME, or pass --known-servers")
        }
        var options = ChatOptions(endpoint: endpoint, expectedFingerprint: expected, knownServers: file)
        options.connectTimeout = .seconds(timeout)
        return options
    }

    /// The few variables the client reads, with the password database's home directory
    /// when HOME is unset (as ssh does).
    private static func environment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["HOME", "XDG_CONFIG_HOME", "NO_COLOR"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        if environment["HOME"] == nil, let entry = getpwuid(getuid()), let home = entry.pointee.pw_dir {
            environment["HOME"] = String(cString: home)
        }
        return environment
    }

    private func writeError(_ line: String) {
        let text = line + "\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}
