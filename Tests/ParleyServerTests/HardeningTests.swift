import ChatCore
import Foundation
import Glibc
import Logging
import ParleyServer
import ParleyStore
import ParleyTLS
import Synchronization
import Testing

/// A fresh parent directory (deleted by the returned closure) and the data directory
/// path inside it, which does not exist yet.
private func scratch() -> (parent: String, data: String, cleanUp: () -> Void) {
    let parent = NSTemporaryDirectory() + "parley-harden-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    return (parent, parent + "/data", { try? FileManager.default.removeItem(atPath: parent) })
}

/// Starts a server on `data` (test settings), or throws what `start` threw.
private func startServer(
    _ data: String, logger: Logger? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }
) throws -> ChatServer {
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.dataDirectory = data
    configuration.scryptCost = .testing
    configure(&configuration)
    var quiet = Logger(label: "parley-harden-test")
    quiet.logLevel = .critical
    let server = ChatServer(configuration: configuration, logger: logger ?? quiet)
    try server.start()
    return server
}

/// The one-line refusal `start` gives for `data`.
private func refusal(_ data: String, configure: (inout ServerConfiguration) -> Void = { _ in }) -> String {
    do {
        let server = try startServer(data, configure: configure)
        server.stop(within: .seconds(1))
        return "(started)"
    } catch {
        return "\(error)"
    }
}

/// Starts once so the directory holds a key, a certificate and a database, then stops.
private func populate(_ data: String) throws {
    let server = try startServer(data)
    server.stop(within: .seconds(1))
}

/// `chattr +i` as root (who ignores permission bits), a mode without write bits otherwise.
private func makeUnwritable(_ path: String, directory: Bool = false) throws -> () -> Void {
    if geteuid() == 0 {
        try tool("/usr/bin/chattr", "+i", path)
        return { try? tool("/usr/bin/chattr", "-i", path) }
    }
    chmod(path, directory ? 0o500 : 0o400)
    return { chmod(path, directory ? 0o700 : 0o600) }
}

private func tool(_ path: String, _ arguments: String...) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(path) \(arguments.joined(separator: " ")) failed")
}

@Suite("The data directory nobody else controls", .serialized)
struct DataDirectoryTests {
    @Test("a first start makes the data directory 0700 and the key 0600")
    func firstStartModes() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        try populate(data)
        #expect(try FileManager.default.attributesOfItem(atPath: data)[.posixPermissions] as? Int == 0o700)
        #expect(try FileManager.default.attributesOfItem(atPath: data + "/key.pem")[.posixPermissions] as? Int == 0o600)
    }

    @Test("a data directory that is a symbolic link is refused and nothing is made where it points")
    func symlinkedDirectory() throws {
        let (parent, data, cleanUp) = scratch()
        defer { cleanUp() }
        let target = parent + "/elsewhere"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        chmod(target, 0o700)
        try FileManager.default.createSymbolicLink(atPath: data, withDestinationPath: target)
        let message = refusal(data)
        #expect(message.contains("symbolic link") && message.contains("--data-dir \(target)"), "\(message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
    }

    @Test(
        "a data directory of another user is refused, naming the chown that fixes it",
        .enabled(if: geteuid() == 0, "only root can give a directory away"))
    func otherOwner() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        mkdir(data, 0o700)
        chown(data, 65534, 65534)
        let message = refusal(data)
        #expect(message.contains("uid 65534") && message.contains("chown \(geteuid()) \(data)"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: data + "/key.pem"))
    }

    @Test("a data directory others can write to is refused, naming chmod 700")
    func groupWritable() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        mkdir(data, 0o700)
        chmod(data, 0o775)
        let message = refusal(data)
        #expect(message.contains("mode 0775") && message.hasSuffix("chmod 700 \(data)"), "\(message)")
    }

    @Test("a key other users can read is refused, naming chmod 600")
    func readableKey() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        try populate(data)
        chmod(data + "/key.pem", 0o644)
        let message = refusal(data)
        #expect(message.contains("mode 0644") && message.hasSuffix("chmod 600 \(data)/key.pem"), "\(message)")
    }

    @Test("a key.pem in the data directory that is a symbolic link is refused")
    func symlinkedKey() throws {
        let (parent, data, cleanUp) = scratch()
        defer { cleanUp() }
        try populate(data)
        try FileManager.default.moveItem(atPath: data + "/key.pem", toPath: parent + "/key.pem")
        try FileManager.default.createSymbolicLink(atPath: data + "/key.pem", withDestinationPath: parent + "/key.pem")
        let message = refusal(data)
        #expect(message.contains("\(data)/key.pem") && message.contains("symbolic link"), "\(message)")
    }

    @Test("a database path that is a symbolic link is refused and the file it points to is never made")
    func symlinkedDatabase() throws {
        let (parent, data, cleanUp) = scratch()
        defer { cleanUp() }
        mkdir(data, 0o700)
        try FileManager.default.createSymbolicLink(
            atPath: data + "/parley.sqlite3", withDestinationPath: parent + "/planted.sqlite3")
        let message = refusal(data)
        #expect(message.contains("\(data)/parley.sqlite3") && message.contains("symbolic link"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: parent + "/planted.sqlite3"))
    }

    @Test("--cert and --key given explicitly may be symbolic links, but a key others can read is refused")
    func explicitKey() throws {
        let (parent, data, cleanUp) = scratch()
        defer { cleanUp() }
        let generated = try SelfSignedCertificate.generate()
        let cert = parent + "/fullchain.pem", key = parent + "/privkey.pem", linked = parent + "/live-privkey.pem"
        try generated.certificatePEM.write(toFile: cert, atomically: false, encoding: .utf8)
        try generated.privateKeyPEM.write(toFile: key, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: key)
        chmod(key, 0o600)
        #expect(
            refusal(data) {
                $0.certificateFile = cert
                $0.keyFile = linked
            } == "(started)")
        chmod(key, 0o640)
        let message = refusal(data) {
            $0.certificateFile = cert
            $0.keyFile = linked
        }
        #expect(message.contains("mode 0640") && message.hasSuffix("chmod 600 \(linked)"), "\(message)")
    }

    @Test("a database the server cannot write is refused at start, saying how to make it writable")
    func readOnlyDatabase() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        try populate(data)
        let restore = try makeUnwritable(data + "/parley.sqlite3")
        defer { restore() }
        let message = refusal(data)
        #expect(message.contains("read-only") && message.contains("chmod u+w \(data)/parley.sqlite3"), "\(message)")
    }

    @Test("a data directory where no file can be made is refused at start, before SQLite needs its -wal file")
    func unwritableDirectory() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        try populate(data)
        let restore = try makeUnwritable(data, directory: true)
        defer { restore() }
        let message = refusal(data)
        #expect(
            message.contains("cannot create files in the data directory") && message.contains("chmod 700 \(data)"),
            "\(message)")
    }

    @Test(
        "a second server on the same data directory is refused naming the first one's pid, and starts once the first stops"
    )
    func secondServer() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        let first = try startServer(data)
        let lockText = try String(contentsOfFile: data + "/parley.lock", encoding: .utf8)
        #expect(lockText == "\(getpid())\n")
        let message = refusal(data)
        #expect(message.hasPrefix("another parley serve (pid \(getpid())) is using the data directory"), "\(message)")
        #expect(message.contains("kill \(getpid())"))
        first.stop(within: .seconds(1))
        #expect(refusal(data) == "(started)")
    }
}

@Suite("Process and retention")
struct ProcessHardeningTests {
    @Test("a started server has made its process undumpable")
    func undumpable() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        ProcessHardening.setDumpable(true)
        let server = try startServer(data)
        #expect(!ProcessHardening.isDumpable)
        server.stop(within: .seconds(1))
        ProcessHardening.setDumpable(true)  // the rest of the test run may want core files
    }

    @Test("with --keep-days, messages older than that are deleted at start and newer ones kept")
    func retentionAtStart() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        try populate(data)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            let db = try ParleyDatabase.open(path: data + "/parley.sqlite3")
            try db.appendMessage(
                room: "global", sender: "alice", recipient: nil, body: "ancient", atMs: now - 3 * 86_400_000)
            try db.appendMessage(room: "global", sender: "alice", recipient: nil, body: "recent", atMs: now - 3_600_000)
        }
        let server = try startServer(data) { $0.keepMessagesFor = .seconds(2 * 86_400) }
        defer { server.stop(within: .seconds(1)) }
        let reader = try ParleyDatabase.open(path: data + "/parley.sqlite3", access: .readOnly)
        var bodies: [String] = []
        for _ in 0..<100 {
            bodies = try reader.messages(room: "global").map(\.body)
            if bodies == ["recent"] { break }
            usleep(50_000)
        }
        #expect(bodies == ["recent"])
    }
}

/// A handler that keeps every line it is given, for checking what the server logs.
private struct CollectingHandler: LogHandler {
    let collected: Collected
    func log(event: LogEvent) { collected.lines.withLock { $0.append("\(event.message)") } }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
}

private final class Collected: Sendable {
    let lines = Mutex<[String]>([])
}

@Suite("Rate-limited log lines")
struct LogRateLimiterTests {
    let zero = Instant(nanoseconds: 1_000_000_000)
    func at(_ milliseconds: Int64) -> Instant { zero + .milliseconds(milliseconds) }

    @Test(
        "at most the limit of one kind of line is written per second; the rest are counted in one summary once the second is over"
    )
    func limitsAndCounts() {
        var limiter = LogRateLimiter<String>(limit: 3)
        let written = (0..<10).map { limiter.admit("handshake failed", at: at(Int64($0) * 10)) }
        #expect(written == [true, true, true, false, false, false, false, false, false, false])
        let during = limiter.dueSummaries(at: at(500))
        let after = limiter.dueSummaries(at: at(1_000))
        let later = limiter.dueSummaries(at: at(2_000))
        #expect(during.isEmpty)
        #expect(after == [.init(kind: "handshake failed", suppressed: 7)])
        #expect(later.isEmpty)
    }

    @Test("each kind of line has its own allowance")
    func kindsAreSeparate() {
        var limiter = LogRateLimiter<String>(limit: 1)
        let written = [limiter.admit("a", at: at(0)), limiter.admit("a", at: at(1)), limiter.admit("b", at: at(2))]
        #expect(written == [true, false, true])
    }

    @Test("a new second starts a new allowance, and the summary of the last one comes before its lines")
    func newWindow() {
        var limiter = LogRateLimiter<String>(limit: 2)
        for step in 0..<5 { _ = limiter.admit("quota", at: at(Int64(step))) }
        let first = limiter.admit("quota", at: at(1_200))
        let summaries = limiter.dueSummaries(at: at(1_200))
        let then = [limiter.admit("quota", at: at(1_201)), limiter.admit("quota", at: at(1_202))]
        #expect(first)
        #expect(summaries == [.init(kind: "quota", suppressed: 3)])
        #expect(then == [true, false])
    }

    @Test("a server writes at most the limit of failed-handshake lines a second, then one line with the count")
    func serverHandshakeFailures() throws {
        let (_, data, cleanUp) = scratch()
        defer { cleanUp() }
        let collected = Collected()
        let logger = Logger(label: "parley-harden-test") { _ in CollectingHandler(collected: collected) }
        let server = try startServer(data, logger: logger) { $0.connectionLogLinesPerSecond = 2 }
        defer { server.stop(within: .seconds(1)) }
        for _ in 0..<8 {
            _ = try? TLSConnection.connect(
                host: "127.0.0.1", port: server.port,
                context: TLSContext.client(.legacyTLS11ForTesting), timeout: .seconds(2))
        }
        var summary: String?
        for _ in 0..<60 where summary == nil {
            usleep(100_000)
            summary = collected.lines.withLock { lines in lines.first { $0.contains("lines left out") } }
        }
        let failures = collected.lines.withLock { lines in lines.filter { $0 == "TLS handshake failed" }.count }
        #expect(failures >= 2 && failures < 8, "\(failures) failure lines")
        #expect(
            summary?.contains("more \"TLS handshake failed\" lines left out") == true, "\(String(describing: summary))")
    }
}
