/// What happens to a line the person typed, besides being sent: how it is echoed into
/// the scrollback and whether it goes into history. Lines carrying a password (`/login`,
/// `/register`) are echoed with the password masked and never kept.
public struct InputEcho: Equatable, Sendable {
    /// The text to show in the scrollback.
    public let shown: String
    /// Whether up-arrow may bring the line back.
    public let remember: Bool

    public init(shown: String, remember: Bool) {
        self.shown = shown
        self.remember = remember
    }

    /// Always eight stars, so the echo does not tell the password's length.
    public static let mask = "********"

    /// The commands whose arguments after the name are a password.
    static let secretCommands: Set<String> = ["/login", "/register"]

    public static func of(_ line: String) -> InputEcho {
        guard isSecret(line) else { return InputEcho(shown: Sanitizer.clean(line), remember: true) }
        // Keep the command and the name; whatever follows is the password.
        let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        let kept = words.prefix(2).map(String.init).joined(separator: " ")
        let shown = words.count > 2 ? "\(kept) \(mask)" : kept
        return InputEcho(shown: Sanitizer.clean(shown), remember: false)
    }

    /// True for a line that is `/login` or `/register` (in any case, as the server reads
    /// commands), whatever follows.
    public static func isSecret(_ line: String) -> Bool {
        let trimmed = line.drop { $0 == " " }
        let command = trimmed.prefix { $0 != " " && $0 != "\t" }.lowercased()
        return secretCommands.contains(command)
    }
}
