import Glibc
import ParleyTLS

/// One simulated user's connection. Setup is blocking (before the clock starts); the
/// run is non-blocking, driven by a `LoadWorker`'s poll loop. Incoming bytes are cut
/// into lines in place, with no per-line allocation on the hot path.
final class LoadConnection: @unchecked Sendable {
    let index: Int
    let name: String
    let room: String
    let tls: TLSConnection
    private var input: [UInt8] = []
    private var pendingOutput: [UInt8] = []
    /// TLS records and plaintext bytes read so far (one `SSL_read_ex` returns at most one
    /// record): what the server made this reader take in.
    private(set) var recordsRead = 0
    private(set) var bytesRead = 0

    init(index: Int, name: String, room: String, tls: TLSConnection) {
        self.index = index
        self.name = name
        self.room = room
        self.tls = tls
        input.reserveCapacity(64 * 1024)
    }

    var fileDescriptor: Int32 { tls.fileDescriptor }
    var wantsToWrite: Bool { !pendingOutput.isEmpty }

    // MARK: - Setup (blocking)

    func send(_ text: String) throws {
        try tls.writeAll(Array(text.utf8))
    }

    /// Reads lines until `accept` says yes or no; answers IRC pings on the way.
    func await(_ dialect: WireDialect, timeout: Duration = .seconds(120)) throws -> WireDialect.Answer {
        while true {
            while let line = takeLine() {
                if let pong = dialect.pong(for: line[...]) { try tls.writeAll(pong) }
                let answer = dialect.answer(to: String(decoding: line, as: UTF8.self))
                if case .other = answer { continue }
                return answer
            }
            guard let bytes = try tls.readSome(timeout: timeout) else {
                throw LoadError("\(name): server closed the connection")
            }
            input += bytes
        }
    }

    private func takeLine() -> [UInt8]? {
        guard let newline = input.firstIndex(of: 0x0A) else { return nil }
        var line = Array(input[..<newline])
        if line.last == 0x0D { line.removeLast() }
        input.removeFirst(newline + 1)
        return line
    }

    // MARK: - Run (non-blocking)

    /// Queues bytes and writes what the socket takes now.
    func write(_ bytes: [UInt8]) -> Bool {
        pendingOutput += bytes
        return flush()
    }

    /// Writes queued bytes; false if the connection failed.
    func flush() -> Bool {
        while !pendingOutput.isEmpty {
            switch tls.write(pendingOutput) {
            case .bytes(let count): pendingOutput.removeFirst(count)
            case .wantRead, .wantWrite: return true
            case .closed, .failed: return false
            }
        }
        return true
    }

    /// Reads everything available and calls `line` for each complete line (a slice of
    /// the input buffer, valid only during the call). False once the connection is gone.
    func readLines(scratch: UnsafeMutableRawBufferPointer, _ line: (ArraySlice<UInt8>) -> Void) -> Bool {
        while true {
            switch tls.read(into: scratch) {
            case .bytes(let count):
                recordsRead += 1
                bytesRead += count
                input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<count]))
            case .wantRead, .wantWrite:
                consumeLines(line)
                return true
            case .closed, .failed:
                consumeLines(line)
                return false
            }
        }
    }

    private func consumeLines(_ line: (ArraySlice<UInt8>) -> Void) {
        var start = input.startIndex
        while let newline = input[start...].firstIndex(of: 0x0A) {
            line(input[start..<newline])
            start = newline + 1
        }
        if start > input.startIndex { input.removeFirst(start - input.startIndex) }
    }
}

public struct LoadError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
