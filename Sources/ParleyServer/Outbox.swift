import ParleyPlatform

/// A connection's unsent output, in chunks of at most `chunkBytes` that are freed as
/// they are written: a reader that falls behind costs what it has unsent, never a
/// doubled array, and nothing is copied down when the front is sent.
struct Outbox {
    /// A chunk's size: one TLS record's worth of plaintext, so a write is at most a record.
    static var chunkBytes: Int { 16 * 1024 }
    /// What an idle connection keeps for its next lines (as before chunks: a small buffer).
    static var keptBytes: Int { 1024 }

    /// Oldest first; only the last one takes new bytes.
    private var chunks: [[UInt8]] = []
    /// Bytes of `chunks[0]` already written.
    private var headSent = 0
    /// Bytes not yet written.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Appends `size` bytes that `render` writes at the end of the array it is given.
    mutating func append(size: Int, _ render: (inout [UInt8]) -> Void) {
        if chunks.count == 1, chunks[0].isEmpty, chunks[0].capacity < size {
            chunks = []  // all written, and too small: never leave an empty chunk in front
        }
        if let last = chunks.indices.last, chunks[last].count + size > chunks[last].capacity,
            chunks[last].count + size <= Outbox.chunkBytes
        {
            // A small chunk grows to a record's worth instead of starting a second: a batch
            // of lines then goes out as one TLS record and one send, not two.
            chunks[last].reserveCapacity(Outbox.chunkBytes)
        }
        if chunks.isEmpty || chunks[chunks.count - 1].count + size > chunks[chunks.count - 1].capacity {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(chunks.isEmpty ? max(size, Outbox.keptBytes) : max(size, Outbox.chunkBytes))
            chunks.append(chunk)
        }
        let before = chunks[chunks.count - 1].count
        render(&chunks[chunks.count - 1])
        count += chunks[chunks.count - 1].count - before
    }

    /// Writes the front chunk's unsent bytes (a TLS write retried after `wantWrite` gets
    /// the same bytes first, as OpenSSL asks); the bytes the stream took are gone.
    mutating func writeFront(to stream: some ByteStream) -> StreamResult {
        precondition(!chunks.isEmpty, "writing an empty outbox")
        let result = chunks[0].withUnsafeBytes { stream.write(UnsafeRawBufferPointer(rebasing: $0[headSent...])) }
        if case .bytes(let n) = result {
            headSent += n
            count -= n
            if headSent == chunks[0].count {
                headSent = 0
                if chunks.count == 1 {
                    chunks[0].removeAll(keepingCapacity: chunks[0].capacity <= Outbox.keptBytes)
                } else {
                    chunks.removeFirst()
                }
            }
        }
        return result
    }

    /// Drops everything but the front chunk, which a TLS write may be part-way through;
    /// returns how many bytes were dropped.
    mutating func dropAllButFront() -> Int {
        guard chunks.count > 1 else { return 0 }
        let dropped = chunks[1...].reduce(0) { $0 + $1.count }
        chunks.removeSubrange(1...)
        count -= dropped
        return dropped
    }

    /// Forgets everything and keeps no buffer.
    mutating func removeAll() {
        chunks = []
        headSent = 0
        count = 0
    }
}
