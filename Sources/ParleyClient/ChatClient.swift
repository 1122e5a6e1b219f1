import Glibc
import ParleyTLS

/// What `parley chat` was asked to do.
public struct ChatOptions: Sendable {
    public var endpoint: Endpoint
    /// `--fingerprint`: trust exactly this certificate, ask nothing.
    public var expectedFingerprint: Fingerprint?
    public var knownServers: KnownServersFile
    public var connectTimeout: Duration = .seconds(10)
    /// How long to wait for the server's goodbye after sending `/quit`.
    public var quitGrace: Duration = .seconds(3)
    /// Without a terminal, at the end of input: how long to wait for the server to answer
    /// every line sent before sending `/quit` anyway.
    public var settleLimit: Duration = .seconds(10)

    public init(endpoint: Endpoint, expectedFingerprint: Fingerprint? = nil, knownServers: KnownServersFile) {
        self.endpoint = endpoint
        self.expectedFingerprint = expectedFingerprint
        self.knownServers = knownServers
    }
}

/// Where the client reads and writes, and how: tests pass pipes and files.
public struct ClientIO: Sendable {
    public var input: Int32
    public var output: Int32
    public var errors: Int32
    /// A person is typing: the line editor and the trust question. Otherwise each input
    /// line is sent as it is and nothing is asked.
    public var interactive: Bool
    /// ANSI colours on the output.
    public var colour: Bool
    /// Catch SIGINT/SIGTERM/SIGHUP/SIGWINCH (the real command; never inside a test run).
    public var handleSignals: Bool

    public init(input: Int32, output: Int32, errors: Int32, interactive: Bool, colour: Bool, handleSignals: Bool) {
        self.input = input
        self.output = output
        self.errors = errors
        self.interactive = interactive
        self.colour = colour
        self.handleSignals = handleSignals
    }

    /// Standard input, output and error, as the environment and the terminals say.
    public static func standard(environment: [String: String]) -> ClientIO {
        // Both ends must be a terminal for the prompt: its redraws mean nothing in a file.
        let interactive = Terminal.isTerminal(0) && Terminal.isTerminal(1)
        return ClientIO(
            input: 0, output: 1, errors: 2, interactive: interactive,
            colour: Terminal.wantsColour(outputIsTerminal: Terminal.isTerminal(1), environment: environment),
            handleSignals: true)
    }
}

/// `parley chat`: connect, decide whether to trust the certificate, then chat.
public enum ChatClient {
    /// Runs a whole session and returns the exit status; errors are printed to
    /// `io.errors` as one `parley: ...` line.
    public static func run(_ options: ChatOptions, io: ClientIO) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        do throws(ClientError) {
            let connection = try connectAndTrust(options, io: io)
            let loop = ChatLoop(connection: connection, options: options, io: io)
            if let error = try loop.run() {
                printError(error, io: io)
                return error.exitCode
            }
            return 0
        } catch {
            printError(error, io: io)
            return error.exitCode
        }
    }

    static func printError(_ error: ClientError, io: ClientIO) {
        let colourErrors = io.colour && Terminal.isTerminal(io.errors)
        let text = colourErrors ? "\u{1B}[1;31mparley:\u{1B}[0m \(error.message)" : "parley: \(error.message)"
        writeAll(io.errors, text + "\n")
    }

    /// Connects, checks the certificate against known_servers / `--fingerprint` (asking
    /// the person when allowed), and records a newly trusted certificate.
    static func connectAndTrust(_ options: ChatOptions, io: ClientIO) throws(ClientError) -> TLSConnection {
        let file = options.knownServers
        let known = try file.load()
        for line in known.malformedLines {
            writeAll(
                io.errors, "parley: warning: ignoring line \(line) of \(file.path): not \"host:port SHA256:...\"\n")
        }
        let connection = try connect(options.endpoint, timeout: options.connectTimeout)
        guard let presented = connection.peerCertificateFingerprint else {
            throw ClientError(.handshake, "\(options.endpoint) presented no certificate; refusing to chat")
        }
        let decision = TrustPolicy.decide(
            endpoint: options.endpoint, presented: presented,
            known: known.entry(for: options.endpoint),
            expected: options.expectedFingerprint,
            interactive: io.interactive, file: file.path)
        switch decision {
        case .trusted:
            break
        case .refuse(let error):
            throw error
        case .trustAndRemember:
            remember(options.endpoint, presented, file: file, io: io)
        case .ask:
            writeAll(io.output, TrustPolicy.introduction(endpoint: options.endpoint, presented: presented))
            guard ask(TrustPolicy.question(file: file.path), presented: presented, io: io) else {
                throw ClientError(.untrusted, "not trusting \(options.endpoint); nothing was sent to it")
            }
            remember(options.endpoint, presented, file: file, io: io)
        }
        return connection
    }

    static func connect(_ endpoint: Endpoint, timeout: Duration) throws(ClientError) -> TLSConnection {
        let context: TLSContext
        do {
            context = try TLSContext.client()
        } catch {
            throw ClientError(.handshake, "cannot set up TLS: \(error.message)")
        }
        do {
            return try TLSConnection.connect(
                host: endpoint.host, port: endpoint.port, context: context, timeout: timeout)
        } catch let error as SocketError {
            throw ClientError(.connection, "cannot connect to \(endpoint): \(describe(error))")
        } catch let error as TLSError {
            throw ClientError(.handshake, "TLS handshake with \(endpoint) failed: \(describe(error))")
        } catch {
            throw ClientError(.connection, "cannot connect to \(endpoint): \(error)")
        }
    }

    static func describe(_ error: SocketError) -> String {
        switch error {
        case .connectionRefused: "connection refused"
        case .unknownHost(_, let reason): "unknown host (\(reason))"
        case .timedOut: "timed out"
        default: error.description
        }
    }

    /// One line: the TLS layer's sentence and OpenSSL's first reason, if any.
    static func describe(_ error: TLSError) -> String {
        switch error.kind {
        case .connectionClosed:
            return "the server closed the connection (is it a Parley server, speaking TLS?)"
        case .timedOut:
            return "timed out (is it a Parley server, speaking TLS?)"
        default:
            // OpenSSL's strings end in the reason: "error:0A00010B:SSL routines::wrong version number".
            let reason = error.openSSLErrors.first.flatMap { $0.split(separator: ":").last.map(String.init) }
            return "\(reason ?? error.description) (is it a Parley server, speaking TLS 1.2 or 1.3?)"
        }
    }

    private static func remember(_ endpoint: Endpoint, _ fingerprint: Fingerprint, file: KnownServersFile, io: ClientIO)
    {
        do throws(ClientError) {
            try file.add(endpoint, fingerprint)
            if io.interactive {
                writeAll(io.output, "Trusted \(endpoint) (saved in \(file.path)).\n")
            }
        } catch {
            writeAll(io.errors, "parley: warning: trusting \(endpoint) for this session only: \(error.message)\n")
        }
    }

    /// Asks the trust question on the terminal (cooked mode) up to three times.
    private static func ask(_ question: String, presented: Fingerprint, io: ClientIO) -> Bool {
        for _ in 0..<3 {
            writeAll(io.output, question)
            guard let answer = readLine(io.input) else {
                writeAll(io.output, "\n")
                return false
            }
            switch TrustAnswer.parse(answer, presented: presented) {
            case .accept: return true
            case .reject: return false
            case .unclear: writeAll(io.output, "Please type yes or no (or paste the fingerprint).\n")
            }
        }
        return false
    }

    /// Reads one line from a descriptor byte by byte (so nothing after it is consumed);
    /// nil at end of input.
    static func readLine(_ fd: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            if bytes.count < 1024 { bytes.append(byte) }
        }
    }
}

/// Writes every byte of `text` to `fd`, waiting when the descriptor is non-blocking and
/// full. Errors are dropped: there is nowhere left to report them.
func writeAll(_ fd: Int32, _ text: String) {
    writeAll(fd, Array(text.utf8))
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if written >= 0 {
            offset += written
        } else if errno == EAGAIN {
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&descriptor, 1, 1000)
        } else if errno != EINTR {
            return
        }
    }
}
