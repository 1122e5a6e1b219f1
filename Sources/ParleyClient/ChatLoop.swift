import Glibc
import ParleyTLS

/// The running session: one thread polls the TLS socket, the input and the signal pipe
/// together. Everything it decides is delegated to pure types (`KeyDecoder`,
/// `LineEditor`, `LineRenderer`, `ChatView`, `SessionOutcome`); this class only moves
/// bytes between them and the descriptors.
final class ChatLoop {
    private let connection: TLSConnection
    private let options: ChatOptions
    private let io: ClientIO
    private let screen: Screen

    private var editor = LineEditor()
    private var keys = KeyDecoder()
    private var view = ChatView()
    private var outcome = SessionOutcome()
    private var replies = PendingReplies()
    private var incoming = LineSplitter()
    private var typed = LineSplitter(maxBytes: 64 * 1024)

    private var outgoing: [UInt8] = []
    private var socketWantsWrite = false
    private var inputOpen = true
    private var quitDeadline: ContinuousClock.Instant?
    /// End of a script's input: quit once every line is answered, or at this instant.
    private var settleDeadline: ContinuousClock.Instant?
    private var finished = false
    private var signalDescriptor: Int32?
    private var rawMode: RawMode?

    init(connection: TLSConnection, options: ChatOptions, io: ClientIO) {
        self.connection = connection
        self.options = options
        self.io = io
        screen = Screen(io: io)
    }

    /// Runs until the connection ends; returns the error to report, or nil for a normal end.
    func run() throws(ClientError) -> ClientError? {
        rawMode = io.interactive ? RawMode(fd: io.input) : nil
        if io.handleSignals { signalDescriptor = SignalPipe.install() }
        defer {
            // Every way out: the prompt line cleared, the terminal as we found it, the
            // default signal handlers back, the socket closed.
            screen.clearPrompt()
            screen.flush()
            rawMode?.restore()
            if let signalDescriptor {
                SignalPipe.uninstall()
                close(signalDescriptor)
            }
            connection.shutdown()
            connection.close()
        }
        try rawMode?.enable()
        if io.interactive {
            screen.show(
                DisplayLine(
                    "connected to \(options.endpoint) (\(connection.negotiatedVersion ?? "TLS")). "
                        + "/register NAME PASSWORD or /login NAME PASSWORD; /help for commands; Ctrl-C or /quit to leave.",
                    .note))
            redraw()
        }
        while !finished {
            try step()
            screen.flush()
        }
        if let rest = incoming.finish() { receive(rest) }
        return outcome.error(endpoint: options.endpoint)
    }

    // MARK: - One turn of the loop

    private func step() throws(ClientError) {
        if let quitDeadline, quitDeadline <= .now {
            finished = true  // the server did not say goodbye in time; we quit anyway
            return
        }
        if let settleDeadline, quitDeadline == nil, replies.settled || settleDeadline <= .now {
            requestQuit()
        }
        flushOutgoing()
        var descriptors = [
            pollfd(
                fd: connection.fileDescriptor,
                events: Int16(POLLIN) | (socketWantsWrite ? Int16(POLLOUT) : 0), revents: 0)
        ]
        if inputOpen { descriptors.append(pollfd(fd: io.input, events: Int16(POLLIN), revents: 0)) }
        if let signalDescriptor { descriptors.append(pollfd(fd: signalDescriptor, events: Int16(POLLIN), revents: 0)) }
        var timeout: Int32 = -1
        if let wake = quitDeadline ?? settleDeadline {
            let remaining = ContinuousClock.now.duration(to: wake)
            timeout = max(
                0,
                Int32(
                    clamping: remaining.components.seconds * 1000
                        + remaining.components.attoseconds / 1_000_000_000_000_000 + 1))
        }
        if connection.pending > 0 { timeout = 0 }
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
        if ready < 0 {
            guard errno == EINTR else { throw ClientError(.io, "poll failed: \(errnoText(errno))") }
            return
        }
        for descriptor in descriptors where descriptor.revents != 0 {
            if descriptor.fd == signalDescriptor {
                handleSignals()
            } else if descriptor.fd == io.input && inputOpen {
                readInput()
            }
        }
        if descriptors[0].revents != 0 || connection.pending > 0 { readSocket() }
        flushOutgoing()
    }

    // MARK: - The server's side

    private func readSocket() {
        var buffer: [UInt8] = []
        var received = 0
        reading: while !finished {
            buffer.removeAll(keepingCapacity: true)
            switch connection.read(appendingTo: &buffer) {
            case .bytes(let count):
                if count == 0 { break reading }
                for line in incoming.append(buffer) {
                    receive(line)
                    received += 1
                }
            case .wantRead:
                break reading
            case .wantWrite:
                socketWantsWrite = true
                break reading
            case .closed:
                finished = true
            case .failed(let error):
                outcome.transportFailure = ChatClient.describe(error)
                finished = true
            }
        }
        if received > 0 { redraw() }
    }

    private func receive(_ line: String) {
        outcome.observe(line)
        replies.observe(line, me: view.name)
        view.observe(line)
        // At a terminal, an abnormal BYE is said once, by the error line on the way out.
        if io.interactive, outcome.byeReason != nil, outcome.error(endpoint: options.endpoint) != nil { return }
        screen.show(LineRenderer.render(line, view: view))
    }

    private func send(_ line: String) {
        replies.sent(line)
        outgoing.append(contentsOf: line.utf8)
        outgoing.append(UInt8(ascii: "\n"))
    }

    private func flushOutgoing() {
        socketWantsWrite = false
        while !outgoing.isEmpty {
            switch connection.write(outgoing) {
            case .bytes(let count):
                outgoing.removeFirst(count)
            case .wantWrite:
                socketWantsWrite = true
                return
            case .wantRead:
                return  // POLLIN is always watched
            case .closed, .failed:
                outgoing.removeAll()  // the read side reports how the connection ended
                return
            }
        }
    }

    // MARK: - The person's side

    private func readInput() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { read(io.input, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return }
        }
        guard count > 0 else {
            inputOpen = false
            if io.interactive {
                requestQuit()
            } else {
                // A script's input ended: let the server answer all of it, then quit.
                if let last = typed.finish() { send(last) }
                settleDeadline = ContinuousClock.now.advanced(by: options.settleLimit)
            }
            return
        }
        let bytes = chunk[0..<count]
        if io.interactive {
            for key in keys.feed(bytes) where !finished { handle(editor.apply(key)) }
        } else {
            for line in typed.append(bytes) { send(line) }
        }
    }

    private func handle(_ action: LineEditor.Action) {
        switch action {
        case .none:
            return
        case .redraw:
            redraw()
        case .clearScreen:
            screen.clearScreen()
            redraw()
        case .suspend:
            suspend()
        case .quit:
            requestQuit()
        case .submit(let line):
            submit(line)
            redraw()
        }
    }

    private func submit(_ line: String) {
        guard line.contains(where: { $0 != " " }) else { return }
        let echo = InputEcho.of(line)
        if echo.remember { editor.remember(line) }
        if line.drop(while: { $0 == " " }).hasPrefix("/") {
            screen.show(DisplayLine(echo.shown, .input))
        }
        send(line)
        let command = line.split(separator: " ").first?.lowercased()
        if command == "/quit" || command == "/exit" { outcome.userQuit = true }
    }

    /// Ctrl-C, Ctrl-D, a signal or the end of input: say `/quit` and wait a little for the
    /// goodbye. Asked twice, leave at once.
    private func requestQuit() {
        guard quitDeadline == nil else {
            finished = true
            return
        }
        outcome.userQuit = true
        send("/quit")
        quitDeadline = ContinuousClock.now.advanced(by: options.quitGrace)
        redraw()
    }

    /// Ctrl-Z: the terminal as we found it, then SIGTSTP (its default action stops us);
    /// after `fg`, raw mode again and the prompt back.
    private func suspend() {
        guard io.handleSignals else { return }
        screen.clearPrompt()
        screen.flush()
        rawMode?.restore()
        raise(SIGTSTP)
        do throws(ClientError) {
            try rawMode?.enable()
        } catch {
            finished = true
            return
        }
        redraw()
    }

    private func handleSignals() {
        guard let signalDescriptor else { return }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = read(signalDescriptor, &bytes, bytes.count)
        guard count > 0 else { return }
        for number in bytes[0..<count].map(Int32.init) {
            if number == SIGWINCH {
                redraw()
            } else {
                requestQuit()
            }
        }
    }

    private func redraw() {
        guard io.interactive, !finished else { return }
        let prompt = view.name.map { "[\(view.room ?? "?")] \($0)> " } ?? "> "
        let shown = InputEcho.maskedForPrompt(editor.characters)
        screen.drawPrompt(
            PromptLayout.make(
                prompt: prompt, characters: shown, cursor: editor.cursor,
                width: Terminal.width(io.output)))
    }
}

/// The output side: in interactive mode, lines go above the prompt line and the prompt is
/// redrawn under them; otherwise plain lines. Output is gathered and written once a turn.
final class Screen {
    private let io: ClientIO
    private let styler: Styler
    private var buffer = ""
    private var promptShown = false

    init(io: ClientIO) {
        self.io = io
        styler = Styler(colour: io.colour)
    }

    func show(_ line: DisplayLine) {
        if io.interactive {
            clearPrompt()
            buffer += styler.apply(line) + "\r\n"
        } else {
            buffer += styler.apply(line) + "\n"
        }
    }

    func drawPrompt(_ layout: PromptLayout) {
        buffer += "\r" + layout.visible + "\u{1B}[K\r"
        if layout.cursorColumn > 0 { buffer += "\u{1B}[\(layout.cursorColumn)C" }
        promptShown = true
    }

    func clearPrompt() {
        guard promptShown else { return }
        buffer += "\r\u{1B}[K"
        promptShown = false
    }

    func clearScreen() {
        buffer += "\u{1B}[H\u{1B}[2J"
        promptShown = false
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        writeAll(io.output, buffer)
        buffer = ""
    }
}
