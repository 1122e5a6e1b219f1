import ChatCore
import ParleyPlatform
import ParleySimulation
import ParleyStore

/// A small threaded chat shell over the Platform, the harness's own test subject (and what
/// `parley sim --shell` runs until ParleyServer's `ChatShell` is generic over the Platform):
/// an accept thread, a thread per connection (poll on its stream and its waker), and one
/// core thread that runs every ChatCore actor through the FIFO `ChatDriver`, mirrors what
/// the store keeps into SQLite before anyone sees it, and hands each connection its lines
/// under the connection's lock. Not the production shell (that is ParleyServer's); its
/// races are few on purpose, so the harness's own checks can be tested against it.
public final class MiniShell: ShellHandle, @unchecked Sendable {
    private enum Event {
        case open(Connection)
        case bytes(Connection, [UInt8])
        case lost(Connection)
        case shutdown
    }

    final class Connection: @unchecked Sendable {
        let stream: PipeStream
        let lock: ControlledLock
        let waker: ControlledWaker
        var id: SessionID?
        // Guarded by `lock`.
        var outbox: [UInt8] = []
        var closing = false
        var inputEnded = false
        var finished = false

        /// Under the lock: wakes the thread, unless it has gone (its waker is closed).
        func wake() { if !finished { waker.signal() } }

        init(stream: PipeStream, platform: ControlledPlatform) {
            self.stream = stream
            self.lock = platform.makeLock(role: "session \(stream.name)")
            self.waker = platform.makeWaker()!
        }
    }

    private let platform: ControlledPlatform
    private let listener: ControlledListener
    private let database: ParleyDatabase
    private let limits: Limits
    private let mailboxLock: ControlledLock
    private let mailboxSignal: ControlledCondition
    private var inbox: [Event] = [] // guarded by mailboxLock
    private let stopping: ControlledAtomic
    private let live: ControlledAtomic
    // The core thread's own.
    private var driver: ChatDriver
    private var connections: [SessionID: Connection] = [:]
    private var order: [SessionID] = []
    private var linesSent: [SessionID: Int] = [:]
    private var mirrored = 0
    private var shutDown = false

    init(_ environment: ShellEnvironment) throws {
        platform = environment.platform
        listener = environment.listener
        database = try ParleyDatabase.open(path: environment.databasePath, busyTimeoutMilliseconds: 0)
        limits = environment.setup.limits
        driver = ChatDriver(limits: limits)
        mailboxLock = platform.makeLock(role: "core mailbox")
        mailboxSignal = platform.makeCondition(role: "core mailbox")
        stopping = platform.makeAtomic(0, role: "stopping")
        live = platform.makeAtomic(0, role: "live connections")
    }

    public static let maker: ShellMaker = { try MiniShell($0) }

    public func start() throws {
        _ = platform.spawnThread(name: "parley-core", stackSize: 1 << 20) { [self] in core() }
        _ = platform.spawnThread(name: "parley-accept", stackSize: 1 << 20) { [self] in accept() }
    }

    public func stop(within limit: Duration) {
        let deadline = platform.now() + limit
        stopping.store(1)
        post(.shutdown)
        while live.load() > 0, platform.now() < deadline { platform.sleep(for: .milliseconds(10)) }
    }

    private func post(_ event: Event) {
        mailboxLock.withLock { inbox.append(event) }
        mailboxSignal.signal()
    }

    private func accept() {
        while stopping.load() == 0 {
            guard case .connection(let stream, _, _) = listener.accept(timeout: .milliseconds(200)) else { continue }
            let connection = Connection(stream: stream, platform: platform)
            live.add(1)
            post(.open(connection))
            _ = platform.spawnThread(name: "parley-conn", stackSize: 1 << 20) { [self] in serve(connection) }
        }
        listener.close()
    }

    private func serve(_ connection: Connection) {
        let stream = connection.stream
        while true {
            let (events, done) = connection.lock.withLock { () -> (StreamEvents, Bool) in
                flush(connection)
                if connection.closing, connection.outbox.isEmpty || stream.serverClosed { return ([], true) }
                var events: StreamEvents = connection.inputEnded || connection.closing ? [] : .readable
                if !connection.outbox.isEmpty { events.insert(.writable) }
                return (events, false)
            }
            if done { break }
            let outcome = platform.wait(for: events, on: events.isEmpty ? nil : stream, waker: connection.waker, timeout: nil)
            if outcome.wakerFired { connection.waker.clear() }
            var buffer = [UInt8](repeating: 0, count: 512)
            let result = buffer.withUnsafeMutableBytes { stream.read(into: $0) }
            switch result {
            case .bytes(let n): post(.bytes(connection, Array(buffer[..<n])))
            case .closed, .failed:
                let first = connection.lock.withLock { () -> Bool in
                    defer { connection.inputEnded = true }
                    return !connection.inputEnded
                }
                if first { post(.lost(connection)) }
            case .wantRead, .wantWrite: break
            }
        }
        connection.lock.withLock {
            connection.finished = true
            connection.waker.close()
        }
        stream.shutdown()
        stream.close()
        live.add(-1)
    }

    /// Under the connection's lock: writes what the stream takes now.
    private func flush(_ connection: Connection) {
        while !connection.outbox.isEmpty {
            let result = connection.outbox.withUnsafeBytes { connection.stream.write($0) }
            guard case .bytes(let n) = result else {
                if result == .failed || result == .closed { connection.outbox = [] }
                return
            }
            connection.outbox.removeFirst(n)
            if let id = connection.id { _ = id }
        }
    }

    private func close(_ id: SessionID) {
        guard let connection = connections[id] else { return }
        connection.lock.withLock {
            connection.outbox += Array("BYE shutdown\n".utf8)
            connection.closing = true
            connection.wake()
        }
    }

    private func core() {
        while true {
            mailboxLock.lock()
            while inbox.isEmpty { mailboxSignal.wait(mailboxLock) }
            let batch = inbox
            inbox = []
            mailboxLock.unlock()
            // The store fails while the harness holds its write lock.
            driver.store.failingWrites = (try? database.withTransaction {}) == nil
            for event in batch {
                switch event {
                case .open(let connection):
                    let id = driver.connect(address: connection.stream.remoteHost)
                    connection.id = id
                    connections[id] = connection
                    order.append(id)
                    // One that arrives after the shutdown is told at once (as the Router does).
                    if shutDown { close(id) }
                case .bytes(let connection, let bytes):
                    if let id = connection.id { driver.sendBytes(id, bytes) }
                case .lost(let connection):
                    if let id = connection.id { driver.disconnect(id) }
                case .shutdown:
                    shutDown = true
                    for id in order where !driver.closedConnections.contains(id) { close(id) }
                }
            }
            // Store before deliver: what the driver's store kept goes into SQLite first.
            let kept = driver.store.messages
            while mirrored < kept.count {
                let record = kept[mirrored]
                _ = try? database.appendMessage(room: record.room.text, sender: record.sender.text, recipient: record.recipient?.text,
                                                body: record.text, atMs: platform.epochMilliseconds(record.at))
                mirrored += 1
            }
            for id in order {
                guard let connection = connections[id] else { continue }
                let lines = driver.transcripts[id] ?? []
                let sent = linesSent[id] ?? 0
                let closed = driver.closedConnections.contains(id)
                guard lines.count > sent || closed else { continue }
                linesSent[id] = lines.count
                connection.lock.withLock {
                    for line in lines[sent...] { connection.outbox += Array(line.rendered.utf8) }
                    if closed { connection.closing = true }
                    connection.wake()
                }
                driver.drain(id)
                if closed { connections[id] = nil }
            }
        }
    }
}
