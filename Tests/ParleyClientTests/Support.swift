import Foundation
import Logging
import ParleyClient
import ParleyServer
import ParleyTLS
import Testing

/// A server on a free loopback port with its own temporary data directory (as in
/// ParleyServerTests), plus a temporary configuration directory for the client.
final class TestServer {
    let root: String
    let server: ChatServer
    var port: UInt16 { server.port }
    var fingerprint: Fingerprint { server.fingerprint! }
    var endpoint: Endpoint { Endpoint(host: "127.0.0.1", port: port) }

    /// - Parameter port: 0 for a free one; a port to reuse one (a restart).
    init(port: UInt16 = 0) throws {
        root = TemporaryDirectory.make()
        var configuration = ServerConfiguration()
        configuration.port = port
        configuration.dataDirectory = root + "/data"
        configuration.scryptCost = .testing
        var logger = Logger(label: "parley-client-test")
        logger.logLevel = .critical
        server = ChatServer(configuration: configuration, logger: logger)
        try server.start()
    }

    func stop() { server.stop(within: .seconds(2)) }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

enum TemporaryDirectory {
    static func make() -> String {
        let path = NSTemporaryDirectory() + "parley-client-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// What one in-process run of the client printed and returned.
struct ClientRun {
    let status: Int32
    let output: String
    let errors: String
}

/// Runs the client in this process, non-interactively: `input` is what a script would
/// pipe in; output and errors are captured in files.
func runClient(_ options: ChatOptions, input: String) -> ClientRun {
    let directory = TemporaryDirectory.make()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let inputPath = directory + "/input", outputPath = directory + "/output", errorsPath = directory + "/errors"
    _ = FileManager.default.createFile(atPath: inputPath, contents: Data(input.utf8))
    let inputFD = open(inputPath, O_RDONLY)
    let outputFD = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let errorsFD = open(errorsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    defer {
        close(inputFD)
        close(outputFD)
        close(errorsFD)
    }
    let io = ClientIO(
        input: inputFD, output: outputFD, errors: errorsFD, interactive: false, colour: false,
        handleSignals: false)
    let status = ChatClient.run(options, io: io)
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let errors = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
    return ClientRun(status: status, output: output, errors: errors)
}

/// The `parley` executable built next to this test bundle, if there is one.
func parleyExecutable() -> URL? {
    let bundle = URL(
        fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
    var directory = bundle.deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = directory.appendingPathComponent("parley")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}

/// Runs `parley` with `arguments`, `input` on a pipe as standard input, the given extra
/// environment; waits up to `timeout`.
func runParley(
    _ arguments: [String], input: String, environment: [String: String],
    timeout: Duration = .seconds(20)
) throws -> ClientRun {
    let executable = try #require(parleyExecutable(), "the parley executable is built next to the tests")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "NO_COLOR")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return ClientRun(status: process.terminationStatus, output: output, errors: errors)
}

extension Fingerprint {
    /// A fingerprint no real certificate has: every byte the same.
    static func repeating(_ byte: UInt8) -> Fingerprint { Fingerprint(bytes: [UInt8](repeating: byte, count: 32))! }
}

/// The output's lines with the first and last kept in place and those between sorted, for
/// answers whose relative order the server does not fix (a room message and a listing).
func linesInAnyMiddleOrder(_ output: String) -> [String] {
    var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    guard lines.count > 2 else { return lines }
    let middle = lines[1..<(lines.count - 1)].sorted(by: middleOrder)
    return [lines[0]] + middle + [lines[lines.count - 1]]
}

/// Messages (`[room] ...`) before anything else, then alphabetical.
private func middleOrder(_ a: String, _ b: String) -> Bool {
    let (aMessage, bMessage) = (a.hasPrefix("["), b.hasPrefix("["))
    return aMessage != bMessage ? aMessage : a < b
}
