import ChatCore
import Testing

/// SplitMix64 (Steele, Lea and Flood, 2014): a small seeded generator, so every run of
/// these tests draws the same lines.
private struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `range` (the slight modulo bias does not matter here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func pick<T>(_ elements: [T]) -> T { elements[int(0...elements.count - 1)] }
}

/// Draws server lines: every kind, names from 1 to 32 characters (often at the limits),
/// texts with spaces, tabs and multi-byte UTF-8 up to 4,096 bytes (often exactly).
private struct LineGenerator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    static let nameBytes = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-".utf8)
    /// One to four bytes of UTF-8 each; a tab; spaces (leading, doubled, trailing).
    static let pieces = [
        "a", "Z", "7", " ", "  ", "\t", "é", "ß", "ж", "日本", "€", "🦊", "e\u{301}", ";", "OK", "ERR", ":", "/",
    ]

    mutating func name() -> Name {
        let any = random.int(1...Name.maxLength)
        let length = random.pick([1, Name.maxLength, any])
        let bytes = (0..<length).map { _ in random.pick(LineGenerator.nameBytes) }
        return Name(String(decoding: bytes, as: UTF8.self))!
    }

    mutating func names() -> [Name] {
        let any = random.int(0...40)
        return (0..<random.pick([0, 1, any])).map { _ in name() }
    }

    /// A text of at most `Limits.maxLineBytes` bytes: empty, exactly that long, or in between.
    mutating func text() -> String {
        let short = random.int(1...80), long = random.int(1...Limits.maxLineBytes)
        let target = random.pick([0, Limits.maxLineBytes, short, long])
        var text = ""
        while text.utf8.count < target {
            let piece = random.pick(LineGenerator.pieces)
            text += text.utf8.count + piece.utf8.count <= target ? piece : "x"
        }
        return text
    }

    mutating func outcome() -> ServerLine.Outcome {
        switch random.int(0...7) {
        case 7: return .history(name())
        case 0: return .registered(name())
        case 1: return .loggedIn(name())
        case 2: return .returnedToGlobal(from: name())
        case 3: return .created(name())
        case 4: return .joined(name())
        case 5: return .whisperSent(to: name())
        default: return .help("commands: " + text())
        }
    }

    /// A stored time from 1970 to 9999, often at a day's or a year's edge.
    mutating func storedTime() -> StoredTime {
        let any = Int64(random.int(0...253_402_300_799_999))
        return StoredTime(
            millisecondsSinceEpoch: random.pick([0, any, any / 86_400_000 * 86_400_000 - 1, 253_402_300_799_999]))
    }

    /// A line of the given kind (0 to 10), or of any kind.
    mutating func line(kind: Int? = nil) -> ServerLine {
        let kind = kind ?? random.int(0...10)
        switch kind {
        case 8: return .history(room: name(), at: storedTime(), from: name(), text: text())
        case 9: return .historyEnd(room: name())
        case 0: return .ok(outcome())
        case 1: return .error(random.pick(ErrorCode.allCases), text())
        case 2: return .message(room: name(), from: name(), text: text())
        case 3: return .whisper(from: name(), to: name(), text: text())
        case 4: return .event(room: name(), text: text())
        case 5: return .users(room: name(), names: names())
        case 6: return .rooms(names())
        case 7: return .bye(random.pick(ByeReason.allCases), text())
        default: return .action(room: name(), from: name(), text: text())
        }
    }
}

/// Parses a rendered line back; the wire text must match too, since names compare
/// without regard to case.
private func roundTrips(_ line: ServerLine) -> Bool {
    guard let parsed = ServerLine(parsing: line.rendered) else { return false }
    return parsed == line && parsed.rendered == line.rendered
}

@Suite("Parsing server lines")
struct ServerLineParsingTests {
    @Test("every kind of generated line parses back to the line that was rendered")
    func everyKindRoundTrips() {
        var generator = LineGenerator(seed: 1)
        for kind in 0...10 {
            for _ in 0..<250 {
                let line = generator.line(kind: kind)
                #expect(roundTrips(line), "\(line.rendered.prefix(120))")
            }
        }
    }

    @Test("every OK outcome, ERR code and BYE reason parses back")
    func everyCaseRoundTrips() throws {
        let alice = try #require(Name("alice"))
        let outcomes: [ServerLine.Outcome] = [
            .registered(alice), .loggedIn(alice), .returnedToGlobal(from: alice), .created(alice),
            .joined(alice), .whisperSent(to: alice), .help("commands: /help, /quit"), .history(alice),
        ]
        for outcome in outcomes { #expect(roundTrips(.ok(outcome)), "\(outcome)") }
        for code in ErrorCode.allCases { #expect(roundTrips(.error(code, "why")), "\(code)") }
        for reason in ByeReason.allCases { #expect(roundTrips(.bye(reason, "why")), "\(reason)") }
    }

    @Test("names at their length limits, in any case, parse back as typed")
    func namesAtTheirLimits() throws {
        let shortest = try #require(Name("Q"))
        let longest = try #require(Name(String(repeating: "aB3_-", count: 7).prefix(Name.maxLength)))
        #expect(longest.text.utf8.count == Name.maxLength)
        let lines: [ServerLine] = [
            .ok(.created(longest)), .ok(.loggedIn(shortest)), .ok(.returnedToGlobal(from: longest)),
            .message(room: longest, from: shortest, text: "hi"), .whisper(from: longest, to: longest, text: "x"),
            .users(room: longest, names: [shortest, longest]), .rooms([longest, shortest]),
        ]
        for line in lines { #expect(roundTrips(line), "\(line.rendered)") }
    }

    @Test("texts with tabs, multi-byte UTF-8 and 4,096 bytes parse back byte for byte")
    func awkwardTextsRoundTrip() throws {
        let room = try #require(Name("lounge"))
        let full = String(repeating: "日本🦊\t", count: 372) + "é\t!"  // 372 × 11 + 4 bytes
        let texts = [
            "\tleading tab", "trailing space ", "  two spaces", "é e\u{301} ß ж €", full,
            String(repeating: "x", count: Limits.maxLineBytes), "",
        ]
        #expect(full.utf8.count == Limits.maxLineBytes)
        for text in texts {
            for line: ServerLine in [
                .message(room: room, from: room, text: text), .event(room: room, text: text),
                .error(.badText, text), .bye(.flood, text), .ok(.help("commands: " + text)),
            ] {
                #expect(roundTrips(line), "\(line.rendered.prefix(60))")
            }
        }
    }

    @Test("each OK reads as its typed outcome from the server's exact wording")
    func okWordings() throws {
        let alice = try #require(Name("alice")), lounge = try #require(Name("lounge")), bob = try #require(Name("bob"))
        let wordings: [(String, ServerLine.Outcome)] = [
            ("OK registered alice; you are in global", .registered(alice)),
            ("OK logged in as alice; you are in global", .loggedIn(alice)),
            ("OK left lounge; you are in global", .returnedToGlobal(from: lounge)),
            ("OK created lounge; you are in lounge", .created(lounge)),
            ("OK joined lounge", .joined(lounge)),
            ("OK whisper sent to bob", .whisperSent(to: bob)),
            ("OK commands: /help, /quit", .help("commands: /help, /quit")),
            ("OK history of lounge follows", .history(lounge)),
        ]
        for (wire, outcome) in wordings {
            #expect(ServerLine(parsing: wire) == .ok(outcome), "\(wire)")
            #expect(ServerLine.ok(outcome).rendered == wire + "\n")
        }
    }

    @Test("a history line carries its stored time in ISO 8601 UTC, and the end marker its room")
    func historyWording() throws {
        let alice = try #require(Name("alice"))
        // 2026-12-02T03:04:05.123Z
        let at = StoredTime(millisecondsSinceEpoch: 1_796_180_645_123)
        let line = ServerLine.history(room: .global, at: at, from: alice, text: "hi  there")
        #expect(line.rendered == "HISTORY global 2026-12-02T03:04:05.123Z alice hi  there\n")
        #expect(ServerLine(parsing: "HISTORY global 2026-12-02T03:04:05.123Z alice hi  there") == line)
        #expect(ServerLine.historyEnd(room: .global).rendered == "HISTORY-END global\n")
        #expect(StoredTime(millisecondsSinceEpoch: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(StoredTime(millisecondsSinceEpoch: 951_782_400_000).description == "2000-02-29T00:00:00.000Z")
    }

    @Test("a history line's size on the wire is what it renders to")
    func historyWireSize() throws {
        var generator = LineGenerator(seed: 9)
        for kind in 8...9 {
            for _ in 0..<100 {
                let line = generator.line(kind: kind)
                #expect(line.wireSize == line.rendered.utf8.count)
            }
        }
    }

    @Test("a line parses the same without its newline, with it, or with CR LF")
    func lineEndings() throws {
        let line = ServerLine.message(room: .global, from: try #require(Name("alice")), text: "hi")
        #expect(ServerLine(parsing: "MSG global alice hi") == line)
        #expect(ServerLine(parsing: "MSG global alice hi\n") == line)
        #expect(ServerLine(parsing: "MSG global alice hi\r\n") == line)
        #expect(ServerLine(parsing: Substring("xMSG global alice hi").dropFirst()) == line)
    }

    @Test("a line that stops after its last word parses with an empty text")
    func missingText() throws {
        #expect(ServerLine(parsing: "BYE shutdown") == .bye(.shutdown, ""))
        #expect(ServerLine(parsing: "ERR bad-name") == .error(.badName, ""))
        #expect(ServerLine(parsing: "EVENT global") == .event(room: .global, text: ""))
        #expect(
            ServerLine(parsing: "MSG global alice")
                == .message(room: .global, from: try #require(Name("alice")), text: ""))
        #expect(ServerLine(parsing: "USERS global") == .users(room: .global, names: []))
        #expect(ServerLine(parsing: "ROOMS") == .rooms([]))
    }

    @Test("garbage, unknown words and malformed fields parse to nil")
    func garbage() {
        let lines = [
            "", " ", "\n", "OK", "OK ", "ok joined lounge", "OK fine", "OK joined", "OK joined lounge now",
            "OK joined bad!name", "OK created lounge; you are in den", "OK created lounge; you are in lounge ",
            "OK registered alice", "OK logged in as alice; you are in den", "OK whisper sent to ",
            "OK \(String(repeating: "a", count: 33))", "OK joined \(String(repeating: "a", count: 33))",
            "ERR", "ERR ", "ERR no-such-code text", "ERR  bad-name", "MSG", "MSG global",
            "MSG glo.bal alice hi", "MSG global  alice hi", "WHISPER alice", "WHISPER alice b@b hi",
            "EVENT", "EVENT  x", "USERS", "USERS global ", "USERS global alice  bob", "ROOMS ", "ROOMS global ",
            "ROOMS global é", "BYE", "BYE ", "BYE later now", "HELLO world", " OK joined lounge",
            "MSG global alice hi\nMSG global alice again", "OK joined lounge\n\n", "\u{1B}]0;title\u{07}",
            "HISTORY", "HISTORY global", "HISTORY global 2026-12-02T03:04:05Z alice hi",
            "HISTORY global 2026-02-30T03:04:05.000Z alice hi", "HISTORY global 2026-12-02T24:00:00.000Z alice hi",
            "HISTORY global 2026-12-02T03:04:05.123Z", "HISTORY global 2026-12-02T03:04:05.123Z b@d hi",
            "HISTORY-END", "HISTORY-END ", "HISTORY-END global now", "OK history of lounge",
        ]
        for line in lines { #expect(ServerLine(parsing: line) == nil, "\(line.debugDescription)") }
    }

    @Test("mangled lines never trap, and whatever parses renders to a line that parses the same")
    func mangledLines() {
        var generator = LineGenerator(seed: 7)
        for _ in 0..<1_000 {
            var scalars = Array(generator.line().rendered.unicodeScalars)
            for _ in 0..<generator.random.int(1...3) {
                let at = generator.random.int(0...scalars.count - 1)
                switch generator.random.int(0...3) {
                case 0: scalars.remove(at: at)
                case 1:
                    let scalar: Unicode.Scalar = generator.random.pick([" ", "\n", ";", "\u{0}", "é", "A"])
                    scalars.insert(scalar, at: at)
                case 2: scalars.removeSubrange(at...)
                default:
                    let scalar: Unicode.Scalar = generator.random.pick([" ", "x", "\t", "-"])
                    scalars[at] = scalar
                }
                if scalars.isEmpty { break }
            }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            if let parsed = ServerLine(parsing: String(text)) {
                #expect(ServerLine(parsing: parsed.rendered) == parsed)
            }
        }
    }
}
