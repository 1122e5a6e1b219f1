import ParleyPlatform

/// A bounded queue of bytes, one direction of a pipe.
struct ByteQueue {
    private var bytes: [UInt8] = []
    private var head = 0
    var count: Int { bytes.count - head }
    var isEmpty: Bool { head == bytes.count }

    mutating func append(_ buffer: UnsafeRawBufferPointer) { bytes.append(contentsOf: buffer) }
    mutating func append(contentsOf array: [UInt8]) { bytes.append(contentsOf: array) }

    /// Takes up to `limit` bytes from the front.
    mutating func take(_ limit: Int) -> ArraySlice<UInt8> {
        let n = min(limit, count)
        let slice = bytes[head..<(head + n)]
        head += n
        if head == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 {
            bytes.removeFirst(head)
            head = 0
        }
        return slice
    }

    mutating func removeAll() {
        bytes.removeAll()
        head = 0
    }
}

/// A connection in memory: a bounded buffer each way, so a client that stops reading
/// fills it and the server's writes come back `wantWrite`, as a full socket's do. The
/// server side is the `ByteStream` the shell uses; the client side is the harness's. No
/// TLS: the handshake completes at once.
public final class PipeStream: ByteStream, @unchecked Sendable {
    /// The connection's name in fixtures ("c2.1": client 2's first connection).
    public let name: String
    public let remoteHost: String
    let nameHash: UInt64
    private unowned let scheduler: ShellScheduler
    /// Bytes each direction holds.
    public let capacity: Int
    /// At most this many bytes per server write (partial writes); nil: as many as fit.
    public var writeChunk: Int?

    // Touched only by the baton's holder.
    private var inbound = ByteQueue()  // client → server
    private var outbound = ByteQueue()  // server → client
    /// The client sends no more: the server reads what is left, then the end.
    public private(set) var clientDoneSending = false
    /// The client is gone: the server's writes fail.
    public private(set) var clientGone = false
    public private(set) var serverSaidGoodbye = false
    public private(set) var serverClosed = false
    /// The thread serving this stream (the last to wait on it), for the double-resume check.
    var server: ControlledThread?
    /// The ready set watching it while its session is parked.
    var parkedIn: ControlledReadySet?
    /// Bytes the server read and wrote in all.
    public private(set) var bytesRead = 0
    public private(set) var bytesWritten = 0

    init(name: String, remoteHost: String, capacity: Int, scheduler: ShellScheduler) {
        self.name = name
        self.remoteHost = remoteHost
        self.capacity = max(1, capacity)
        self.nameHash = ShellTrace.hash(name)
        self.scheduler = scheduler
    }

    // MARK: - The server's side (ByteStream)

    public func handshake() -> StreamResult {
        if serverClosed || clientGone { return .failed }
        return .bytes(0)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> StreamResult {
        if serverClosed { return .failed }
        if !inbound.isEmpty {
            let slice = inbound.take(buffer.count)
            slice.withUnsafeBytes { buffer.copyMemory(from: $0) }
            bytesRead += slice.count
            scheduler.trace.record(
                .streamRead, nameHash, UInt64(slice.count),
                text: scheduler.options.recordStreamEvents ? "reads \(slice.count) bytes from \(name)" : nil)
            return .bytes(slice.count)
        }
        if clientDoneSending || clientGone { return .closed }
        return .wantRead
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> StreamResult {
        if serverClosed || clientGone { return .failed }
        let space = capacity - outbound.count
        guard space > 0 else { return .wantWrite }
        let n = min(space, bytes.count, writeChunk ?? Int.max)
        let part = UnsafeRawBufferPointer(rebasing: bytes[..<n])
        outbound.append(part)
        bytesWritten += n
        scheduler.noteWrite(to: self, part)
        return .bytes(n)
    }

    public var pending: Int { 0 }

    public func shutdown() { serverSaidGoodbye = true }

    public func close() {
        if !serverClosed { scheduler.trace.record(.streamClose, nameHash, text: "closes \(name)") }
        serverClosed = true
        inbound.removeAll()
    }

    /// What a wait for `events` finds now (a hang-up is reported whatever was asked).
    func readiness(for events: StreamEvents) -> StreamEvents {
        var ready: StreamEvents = []
        if serverClosed { return .hangUp }
        if events.contains(.readable), !inbound.isEmpty || clientDoneSending || clientGone { ready.insert(.readable) }
        if events.contains(.writable), outbound.count < capacity || clientGone { ready.insert(.writable) }
        if clientGone { ready.insert(.hangUp) }
        return ready
    }

    /// What wakes a parked session: input, an end of stream, an error.
    var readyForParking: Bool { !inbound.isEmpty || clientDoneSending || clientGone || serverClosed }

    // MARK: - The client's side (the harness, on its own thread)

    /// Room for the client's bytes now.
    public var sendSpace: Int { capacity - inbound.count }
    public var unreadByClient: Int { outbound.count }

    /// Sends what fits of `bytes`; returns how many went.
    @discardableResult public func clientSend(_ bytes: ArraySlice<UInt8>) -> Int {
        guard !clientGone, !clientDoneSending, !serverClosed else { return 0 }
        let n = min(bytes.count, sendSpace)
        guard n > 0 else { return 0 }
        inbound.append(contentsOf: Array(bytes.prefix(n)))
        return n
    }

    /// Takes up to `limit` bytes the server wrote.
    public func clientRead(_ limit: Int = Int.max) -> [UInt8] {
        Array(outbound.take(limit))
    }

    /// The server has closed and the client has read everything: the end of the stream.
    public var clientSeesEnd: Bool { serverClosed && outbound.isEmpty }

    /// The client stops sending; it may still read.
    public func clientFinishSending() { clientDoneSending = true }

    /// The client hangs up: nothing more is read or written; what it sent stays (unless dropped).
    public func clientHangUp(dropUnread: Bool) {
        clientGone = true
        if dropUnread { inbound.removeAll() }
        outbound.removeAll()
    }
}

extension ShellScheduler {
    func noteWrite(to stream: PipeStream, _ bytes: UnsafeRawBufferPointer) {
        onWrite?(current, stream, bytes)
        trace.record(
            .streamWrite, stream.nameHash, UInt64(bytes.count),
            text: options.recordStreamEvents
                ? "writes \(bytes.count) bytes to \(stream.name): \(ShellTrace.printable(bytes))" : nil)
    }
}
