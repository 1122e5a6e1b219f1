import ChatCore
import Foundation
import Logging
import ParleyServer
import ParleyTLS
import Testing

/// A server on a free loopback port with its own temporary data directory.
final class TestServer {
    let directory: String
    private(set) var server: ChatServer
    var port: UInt16 { server.port }

    init(configure: (inout ServerConfiguration) -> Void = { _ in }, directory: String? = nil) throws {
        self.directory = directory ?? TestServer.makeDirectory()
        server = try TestServer.start(directory: self.directory, configure: configure)
    }

    static func makeDirectory() -> String {
        let path = NSTemporaryDirectory() + "parley-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path + "/data"
    }

    static func start(directory: String, configure: (inout ServerConfiguration) -> Void) throws -> ChatServer {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        configuration.scryptCost = .testing
        configure(&configuration)
        var logger = Logger(label: "parley-test")
        logger.logLevel = .critical
        let server = ChatServer(configuration: configuration, logger: logger)
        try server.start()
        return server
    }

    func stop() { server.stop(within: .seconds(2)) }

    deinit { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
}

/// A line-speaking TLS client for tests, with timeouts so a broken server fails a test
/// instead of hanging it.
final class LineClient {
    let connection: TLSConnection
    private var buffer: [UInt8] = []
    private(set) var closed = false

    init(port: UInt16, options: TLSContext.ClientOptions = .init()) throws {
        connection = try TLSConnection.connect(
            host: "127.0.0.1", port: port, context: try TLSContext.client(options),
            timeout: .seconds(5))
    }

    func send(_ line: String) throws {
        try connection.writeAll(Array((line + "\n").utf8))
    }

    /// The next line, or nil if none comes in time or the server closed.
    func nextLine(timeout: Duration = .seconds(5)) -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                return line
            }
            guard !closed else { return nil }
            do {
                guard let bytes = try connection.readSome(timeout: timeout) else {
                    closed = true
                    continue
                }
                buffer += bytes
            } catch {
                return nil
            }
        }
    }

    /// Reads lines until one starts with `prefix`; returns it, or nil on timeout.
    @discardableResult
    func expect(_ prefix: String, timeout: Duration = .seconds(5)) -> String? {
        while let line = nextLine(timeout: timeout) {
            if line.hasPrefix(prefix) { return line }
        }
        return nil
    }

    /// Lines that arrive within a short quiet period.
    func drain(quiet: Duration = .milliseconds(200)) -> [String] {
        var lines: [String] = []
        while let line = nextLine(timeout: quiet) { lines.append(line) }
        return lines
    }

    /// True once the server has closed the connection (reads to the end).
    func waitForClose(timeout: Duration = .seconds(5)) -> Bool {
        while nextLine(timeout: timeout) != nil {}
        return closed
    }

    static func registered(_ name: String, port: UInt16, password: String = "password1") throws -> LineClient {
        let client = try LineClient(port: port)
        try client.send("/register \(name) \(password)")
        #expect(client.expect("OK registered") != nil)
        return client
    }
}
