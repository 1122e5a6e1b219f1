import ParleyTLS

/// The servers this user has decided to trust, as read from `known_servers`: one
/// `host:port SHA256:...` per line, `#` comments and blank lines ignored (as SSH's
/// `known_hosts`). Pure: parsing and rendering only; `KnownServersFile` does the I/O.
public struct KnownServers: Equatable, Sendable {
    /// One trusted server: its key (`Endpoint.knownServersKey`), the pinned fingerprint,
    /// and the line it came from (1-based) so a person can be told which line to edit.
    public struct Entry: Equatable, Sendable {
        public let key: String
        public let fingerprint: Fingerprint
        public let line: Int
    }

    public private(set) var entries: [Entry] = []
    /// Lines that are neither blank, nor comments, nor `host:port fingerprint` (1-based).
    /// They are skipped, never trusted, and reported so the person can fix them.
    public private(set) var malformedLines: [Int] = []

    public init() {}

    /// Parses the text of a known_servers file.
    public init(parsing text: String) {
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = raw.trimmingASCIIWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 2, let key = Self.normalisedKey(words[0]),
                let fingerprint = Fingerprint(parsing: String(words[1]))
            else {
                malformedLines.append(number)
                continue
            }
            entries.append(Entry(key: key, fingerprint: fingerprint, line: number))
        }
    }

    /// The first entry for this server, if any. Later duplicates are ignored, so the file
    /// has one answer per server however it was edited.
    public func entry(for endpoint: Endpoint) -> Entry? {
        let key = endpoint.knownServersKey
        return entries.first { $0.key == key }
    }

    /// The line that records `fingerprint` for `endpoint`, without a newline.
    public static func line(for endpoint: Endpoint, fingerprint: Fingerprint) -> String {
        "\(endpoint.knownServersKey) \(fingerprint)"
    }

    /// A key as written in the file, normalised as `Endpoint.knownServersKey` makes them;
    /// nil if it is not a `host:port`.
    static func normalisedKey(_ word: Substring) -> String? {
        guard case .success(let endpoint) = Endpoint.parse(String(word)) else { return nil }
        // The port is required in the file: "example.org" alone is not a key, and an IPv6
        // address needs its brackets ("::1:7878" could be either).
        guard word.hasSuffix(":\(endpoint.port)"), !endpoint.isIPv6 || word.hasPrefix("[") else { return nil }
        return endpoint.knownServersKey
    }
}
