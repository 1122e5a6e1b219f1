/// Cuts a byte stream into lines at `\n`, dropping a `\r` before it.
///
/// A line longer than the protocol allows is reported once and then skipped up to its
/// newline; a line that goes on for `maxUnterminatedBytes` ends the connection.
public struct LineFramer: Hashable, Sendable {
    public enum Output: Hashable, Sendable {
        case line([UInt8])
        case tooLong
        case overflow
    }

    private var buffer: [UInt8] = []
    private var discarding = false
    private var discarded = 0
    private var overflowed = false
    private let maxUnterminatedBytes: Int

    public init(maxUnterminatedBytes: Int) {
        self.maxUnterminatedBytes = maxUnterminatedBytes
    }

    /// Bytes from a collection of another kind, as the simulator and tests hand them over:
    /// in place when they are contiguous (an array, a slice of one), else copied once.
    public mutating func append(_ bytes: some Collection<UInt8>) -> [Output] {
        if let outputs = bytes.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) {
            return outputs
        }
        return Array(bytes).withUnsafeBytes { append($0) }
    }

    /// Bytes as the shell reads them. Concrete, not generic: the shell is another module,
    /// where a generic one would run unspecialised, byte by byte through witness tables
    /// (22% of the server's time at a burst of fan-out, measured with Benchmarks/profile.sh).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> [Output] {
        var outputs: [Output] = []
        guard !overflowed else { return outputs }
        var rest = bytes[...]
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: UInt8(ascii: "\n"))
            let chunk = rest[..<(newline ?? rest.endIndex)]
            if discarding {
                discarded += chunk.count
            } else {
                buffer.append(contentsOf: chunk)
            }
            if let newline {
                rest = rest[rest.index(after: newline)...]
                if let finished = finishLine() { outputs.append(finished) }
            } else {
                rest = rest[rest.endIndex...]
            }
            if !discarding, buffer.count > Limits.maxLineBytes + 1 {
                outputs.append(.tooLong)
                discarding = true
                discarded = buffer.count
                buffer.removeAll()
            }
            if discarding, discarded > maxUnterminatedBytes {
                outputs.append(.overflow)
                overflowed = true
                buffer = []
                return outputs
            }
        }
        return outputs
    }

    private mutating func finishLine() -> Output? {
        if discarding {
            discarding = false
            discarded = 0
            return nil
        }
        if buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
        defer { buffer.removeAll(keepingCapacity: buffer.count <= 256) }
        return buffer.count > Limits.maxLineBytes ? .tooLong : .line(buffer)
    }
}
