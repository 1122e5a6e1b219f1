import Glibc

/// Small facts about terminals and the calls that change them. Kept thin: the decisions
/// live in pure types (`LineEditor`, `PromptLayout`, `Styler`).
public enum Terminal {
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Colour only on a terminal, and never when `NO_COLOR` is set to anything non-empty
    /// (https://no-color.org).
    public static func wantsColour(outputIsTerminal: Bool, environment: [String: String]) -> Bool {
        outputIsTerminal && (environment["NO_COLOR"] ?? "").isEmpty
    }

    /// Columns of the terminal on `fd`, or 80 when it cannot say.
    static func width(_ fd: Int32) -> Int {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}

/// Raw mode for the line editor: no echo, no line buffering, no signals from Ctrl-C or
/// Ctrl-Z (they arrive as keys), no CR/LF translation on input. Output processing stays
/// on. `restore()` is idempotent and runs on every way out (deinit included).
final class RawMode {
    private let fd: Int32
    private var saved = termios()
    private var active = false

    init(fd: Int32) {
        self.fd = fd
    }

    func enable() throws(ClientError) {
        guard !active else { return }
        guard tcgetattr(fd, &saved) == 0 else {
            throw ClientError(.io, "cannot read the terminal's settings: \(errnoText(errno))")
        }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR | IGNCR | ISTRIP | BRKINT)
        raw.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSAFLUSH, &raw) == 0 else {
            throw ClientError(.io, "cannot set the terminal to raw mode: \(errnoText(errno))")
        }
        active = true
    }

    func restore() {
        guard active else { return }
        active = false
        _ = tcsetattr(fd, TCSAFLUSH, &saved)
    }

    deinit { restore() }
}

/// SGR colours for display styles, or none at all.
public struct Styler: Sendable {
    public let colour: Bool

    public init(colour: Bool) {
        self.colour = colour
    }

    /// The line with SGR codes around it (or plain), no newline.
    public func apply(_ line: DisplayLine) -> String {
        guard colour else { return line.text }
        let code: String
        switch line.style {
        case .message, .unknown: code = ""
        case .ownMessage: code = "36"
        case .whisper: code = "35"
        case .event: code = "33"
        case .success: code = "32"
        case .error: code = "1;31"
        case .goodbye: code = "1;33"
        case .input, .note, .history: code = "2"
        }
        let emphasis = min(line.emphasis, line.text.count)
        guard emphasis > 0 else { return code.isEmpty ? line.text : "\u{1B}[\(code)m\(line.text)\u{1B}[0m" }
        let head = line.text.prefix(emphasis)
        let tail = line.text.dropFirst(emphasis)
        let open = code.isEmpty ? "1" : "1;\(code)"
        let tailOpen = code.isEmpty ? "" : "\u{1B}[\(code)m"
        return "\u{1B}[\(open)m\(head)\u{1B}[0m\(tailOpen)\(tail)\(code.isEmpty ? "" : "\u{1B}[0m")"
    }
}

/// Turns SIGINT, SIGTERM, SIGHUP and SIGWINCH into bytes on a pipe, so the poll loop
/// sees them like any other input (the self-pipe trick) and can restore the terminal
/// before leaving.
enum SignalPipe {
    /// The write end, for the handler. Set once, before any handler is installed.
    nonisolated(unsafe) private static var writeEnd: Int32 = -1

    static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGWINCH]

    /// Installs the handlers; returns the read end (non-blocking) or nil if no pipe.
    static func install() -> Int32? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        writeEnd = ends[1]
        for number in watched {
            signal(number) { caught in
                var byte = UInt8(truncatingIfNeeded: caught)
                let saved = errno
                _ = write(SignalPipe.writeEnd, &byte, 1)
                errno = saved
            }
        }
        return ends[0]
    }

    /// Puts the default handlers back (the pipe stays; it costs nothing).
    static func uninstall() {
        for number in watched { signal(number, SIG_DFL) }
    }
}
