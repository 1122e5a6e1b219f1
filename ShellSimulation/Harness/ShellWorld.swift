import CSQLite
import ChatCore
import Foundation
import ParleySimulation
import ParleyStore

/// A text or whisper a client typed, as the checker follows it.
struct MessageRecord {
    let tag: String
    let client: Int
    let connection: String
    /// The room its sender believed it was in (whispers: nil).
    let room: String?
    let whisperTo: String?
    var sentAt: Int?
    /// The sender read its echo (a room message) or its OK (a whisper).
    var acknowledgedAt: Int?
    var failed = false
    /// A whisper refused because its target left while the store was writing it: the
    /// store keeps a row nobody received, and the sender knows (docs/ARCHITECTURE.md, the
    /// core simulator's `whisper-target-left`).
    var targetLeft = false
    /// Connections that read it.
    var deliveries: [String] = []
}

/// One shell run's world: the controlled platform and the shell on it, the clients (steps
/// the scheduler can choose, not threads), the database, and the checker's ledger.
public final class ShellWorld {
    public let seed: UInt64
    public let options: ShellOptions
    public let setup: ShellSetup
    public let platform: ControlledPlatform
    public var scheduler: ShellScheduler { platform.scheduler }
    let listener: ControlledListener
    var clients: [ShellClient]
    private(set) var shell: ShellHandle?
    let databasePath: String
    private var reader: ParleyDatabase?
    private var blocker: OpaquePointer?
    public private(set) var storeFailing = false
    public private(set) var shutdownBegun = false
    private var shutdownThread: ControlledThread?
    /// The checker's clock: one tick per step and per line read.
    var tick = 0
    var messages: [String: MessageRecord] = [:]
    /// The store's rows as read so far: body → (room, row id). Rows are never rewritten.
    private var rows: [String: (room: String, id: Int64)] = [:]
    public private(set) var applied: [ShellDecision] = []
    /// The part of `applied` made before faults stopped (what a fixture keeps).
    public private(set) var plannedCount = 0
    public private(set) var clientSteps = 0
    private var lastAccepted: PipeStream?
    private var leavingLot: [PipeStream] = []
    var settling = false

    public var violation: ShellViolation? { scheduler.violation }

    public init(
        seed: UInt64, options: ShellOptions, setup: ShellSetup, plant: Plant?, recordTimeline: Bool, maker: ShellMaker
    ) throws {
        self.seed = seed
        self.options = options
        self.setup = setup
        var platformOptions = PlatformOptions()
        platformOptions.plant = plant
        platformOptions.inlineReach = setup.inlineReach ?? 128
        platformOptions.recordLockEvents = recordTimeline
        platformOptions.recordAtomicEvents = recordTimeline
        platformOptions.recordStreamEvents = recordTimeline
        platform = ControlledPlatform(options: platformOptions, recordTimeline: recordTimeline)
        listener = platform.makeListener()
        clients = (1...setup.clients).map { number in
            ShellClient(number: number, account: setup.accounts[(number - 1) % setup.accounts.count])
        }
        databasePath = ShellWorld.temporaryDatabasePath(seed: seed)
        listener.onAccept = { [unowned self] stream in lastAccepted = stream }
        scheduler.threadNamer = { [unowned self] requested, spawner in name(requested, spawner) }
        scheduler.onUnpark = { [unowned self] stream in leavingLot.append(stream) }
        shell = try maker(
            ShellEnvironment(platform: platform, listener: listener, setup: setup, databasePath: databasePath))
        reader = try ParleyDatabase.open(path: databasePath, access: .readOnly, busyTimeoutMilliseconds: 0)
    }

    deinit {
        scheduler.teardown()
        if let blocker { sqlite3_close(blocker) }
        reader = nil
        shell = nil
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(databasePath + suffix) }
    }

    // MARK: - Names

    /// Threads by role: the shell's name without its `parley-` prefix; a connection's
    /// thread by the connection it serves, known from the accept or the parking lot.
    private func name(_ requested: String, _ spawner: ControlledThread?) -> String {
        var base = requested.hasPrefix("parley-") ? String(requested.dropFirst(7)) : requested
        if base == "store" { base = "storage" }
        if base == "parking" { base = "parking lot" }
        if base.hasPrefix("conn") {
            if let spawner, spawner.requestedName.contains("accept"), let stream = lastAccepted {
                lastAccepted = nil
                return "\(stream.name) connection"
            }
            if !leavingLot.isEmpty {
                let stream = leavingLot.removeFirst()
                return "\(stream.name) connection"
            }
            return "connection"
        }
        return base
    }

    // MARK: - Start

    /// Starts the shell on a controlled thread and runs every thread, oldest first, until
    /// all wait (the same for every run; not a decision).
    public func start() -> Bool {
        guard let shell else { return false }
        let failure = Locked<String?>(nil)
        _ = platform.spawnThread(name: "main", stackSize: 1 << 20) {
            do { try shell.start() } catch { failure.value = "\(error)" }
        }
        var budget = 100_000
        while violation == nil, budget > 0, let next = scheduler.runnable.first {
            scheduler.run(next)
            budget -= 1
        }
        if let message = failure.value { scheduler.fail(.liveness, "the shell did not start: \(message)") }
        return violation == nil
    }

    // MARK: - Decisions

    /// Carries out one decision; false (and nothing done) when it does not fit now.
    @discardableResult
    public func apply(_ decision: ShellDecision) -> Bool {
        guard violation == nil else { return false }
        let done: Bool
        switch decision {
        case .run(let name):
            guard let thread = scheduler.liveThreads.first(where: { $0.name == name }), scheduler.isRunnable(thread)
            else { return false }
            scheduler.run(thread)
            done = true
        case .connect(let c): done = connect(c)
        case .type(let c, let line): done = type(c, line)
        case .send(let c, let n): done = send(c, n)
        case .read(let c, let n): done = read(c, n)
        case .stopReading(let c):
            guard let index = clientIndex(c), clients[index].reading else { return false }
            clients[index].reading = false
            done = true
        case .resumeReading(let c):
            guard let index = clientIndex(c), !clients[index].reading else { return false }
            clients[index].reading = true
            done = true
        case .hangUp(let c, let drop): done = hangUp(c, drop)
        case .advanceClock(let ms):
            guard ms > 0 else { return false }
            checkTimersKept()
            if violation != nil { return false }
            scheduler.advanceClock(to: platform.now() + .milliseconds(ms))
            done = true
        case .storeFailing(let on): done = setStoreFailing(on)
        case .shutdown: done = beginShutdown()
        }
        guard done else { return false }
        tick += 1
        applied.append(decision)
        if case .run = decision {
        } else {
            clientSteps += 1
            scheduler.trace.harness(decision.description)
        }
        return true
    }

    private func clientIndex(_ c: Int) -> Int? { c >= 1 && c <= clients.count ? c - 1 : nil }

    private func connect(_ c: Int) -> Bool {
        guard let index = clientIndex(c), clients[index].current == nil, !shutdownBegun else { return false }
        let number = clients[index].connections.count + 1
        let stream = platform.makeStream(
            name: "c\(c).\(number)", remoteHost: "10.0.0.\(c)", capacity: setup.pipeCapacity)
        stream.writeChunk = setup.writeChunk
        guard listener.connect(stream) else { return false }
        clients[index].connections.append(ClientConnection(name: stream.name, stream: stream))
        clients[index].current = clients[index].connections.count - 1
        return true
    }

    private func type(_ c: Int, _ line: String) -> Bool {
        guard let index = clientIndex(c), let k = clients[index].current, clients[index].connections[k].isOpen,
            !line.contains("\n")
        else { return false }
        var wire = line
        if line.hasSuffix(" <password>"), let account = line.split(separator: " ").dropLast().last {
            wire = line.dropLast(10) + ShellSetup.password(for: String(account))
        }
        clients[index].connections[k].unsent += Array(wire.utf8) + [UInt8(ascii: "\n")]
        clients[index].connections[k].lineEnds.append(clients[index].connections[k].unsent.count)
        clients[index].connections[k].typedLines.append(line)
        clients[index].linesTyped += 1
        let connection = clients[index].connections[k].name
        switch LineKind(line) {
        case .command(let moves):
            if moves, clients[index].connections[k].leavingSince == nil {
                clients[index].connections[k].leavingSince = tick
            }
        case .quit:
            if clients[index].connections[k].leavingSince == nil { clients[index].connections[k].leavingSince = tick }
        case .text(let tag):
            if messages[tag] == nil, TextTag(tag) != nil {
                messages[tag] = MessageRecord(
                    tag: tag, client: c, connection: connection, room: clients[index].connections[k].room,
                    whisperTo: nil)
            }
        case .whisper(let tag, let to):
            if messages[tag] == nil, TextTag(tag) != nil {
                messages[tag] = MessageRecord(tag: tag, client: c, connection: connection, room: nil, whisperTo: to)
            }
        }
        if let tag = TextTag(LineKind(line).tag ?? ""), tag.client == c {
            clients[index].nextText = max(clients[index].nextText, tag.number + 1)
        }
        return true
    }

    private func send(_ c: Int, _ n: Int) -> Bool {
        guard let index = clientIndex(c), let k = clients[index].current else { return false }
        var connection = clients[index].connections[k]
        guard !connection.unsent.isEmpty, connection.isOpen, connection.stream.sendSpace > 0,
            !connection.stream.serverClosed
        else { return false }
        let sent = connection.stream.clientSend(connection.unsent.prefix(n))
        guard sent > 0 else { return false }
        connection.unsent.removeFirst(sent)
        var ends = connection.lineEnds.map { $0 - sent }
        while let first = ends.first, first <= 0 {
            ends.removeFirst()
            let line = connection.typedLines.removeFirst()
            connection.sent.append(line)
            switch LineKind(line) {
            case .quit: break
            case .text(let tag), .whisper(let tag, _):
                connection.owed += 1
                if messages[tag]?.sentAt == nil, messages[tag]?.connection == connection.name {
                    messages[tag]?.sentAt = tick
                }
            case .command: connection.owed += 1
            }
        }
        connection.lineEnds = ends
        clients[index].connections[k] = connection
        return true
    }

    private func read(_ c: Int, _ n: Int) -> Bool {
        guard let index = clientIndex(c), clients[index].reading else { return false }
        // The current connection, or an older one the server has not finished with.
        guard
            let k = clients[index].connections.indices.first(where: {
                !clients[index].connections[$0].hungUp && clients[index].connections[$0].stream.unreadByClient > 0
            })
                ?? clients[index].connections.indices.first(where: {
                    !clients[index].connections[$0].hungUp && !clients[index].connections[$0].sawEnd
                        && clients[index].connections[$0].stream.clientSeesEnd
                })
        else { return false }
        let bytes = clients[index].connections[k].stream.clientRead(n)
        clients[index].connections[k].partial += bytes
        while let newline = clients[index].connections[k].partial.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: clients[index].connections[k].partial[..<newline], as: UTF8.self)
            clients[index].connections[k].partial.removeSubrange(...newline)
            tick += 1
            clients[index].connections[k].linesRead += 1
            handle(line, client: index, connection: k)
            if violation != nil { return true }
        }
        if clients[index].connections[k].stream.clientSeesEnd {
            clients[index].connections[k].sawEnd = true
            if clients[index].current == k { clients[index].current = nil }
        }
        return true
    }

    private func hangUp(_ c: Int, _ drop: Bool) -> Bool {
        guard let index = clientIndex(c), let k = clients[index].current else { return false }
        clients[index].connections[k].stream.clientHangUp(dropUnread: drop)
        clients[index].connections[k].hungUp = true
        if clients[index].connections[k].leavingSince == nil { clients[index].connections[k].leavingSince = tick }
        clients[index].current = nil
        return true
    }

    private func setStoreFailing(_ on: Bool) -> Bool {
        guard on != storeFailing else { return false }
        if on {
            if blocker == nil {
                var db: OpaquePointer?
                guard sqlite3_open_v2(databasePath, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else { return false }
                blocker = db
            }
            // Holds the write lock: the shell's next commit fails at once (busy timeout 0).
            guard sqlite3_exec(blocker, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK else { return false }
        } else {
            sqlite3_exec(blocker, "ROLLBACK", nil, nil, nil)
        }
        storeFailing = on
        return true
    }

    private func beginShutdown() -> Bool {
        guard !shutdownBegun, let shell else { return false }
        shutdownBegun = true
        for client in clients {
            guard let connection = client.connection, connection.isOpen, connection.outstanding > 0,
                let last = connection.sent.last, case .command(true) = LineKind(last)
            else { continue }
            scheduler.hazards.count(.shutdownDuringMove)
        }
        let completed = stopCompleted
        _ = platform.spawnThread(name: "shutdown", stackSize: 1 << 20) {
            completed.value = shell.stop(within: .seconds(4))
        }
        shutdownThread = scheduler.liveThreads.last
        return true
    }

    var shutdownFinished: Bool { shutdownThread?.isFinished ?? false }
    /// What `stop()` returned: true when everything stopped within its limit.
    let stopCompleted = Locked(false)

    // MARK: - What a line tells the checker

    private func handle(_ text: String, client index: Int, connection k: Int) {
        guard let line = ServerLine(parsing: text) else {
            return scheduler.fail(
                .liveness, "\(clients[index].connections[k].name) read a line that is not the protocol: \(text)")
        }
        let name = clients[index].connections[k].name
        func answered() { clients[index].connections[k].answered += 1 }
        func entered(_ room: String) {
            clients[index].connections[k].room = room
            clients[index].connections[k].enteredAt = tick
            clients[index].connections[k].leavingSince = nil
            // A new visit: its history starts from the room's past again.
            clients[index].connections[k].visitRead = []
            clients[index].connections[k].lastRow[room] = nil
        }
        // The line an answer is for: the oldest unanswered one (a client may type texts
        // ahead of their answers, which come in the order typed), else the last one.
        let connection = clients[index].connections[k]
        let answering =
            connection.outstanding > 0
            ? connection.sent.dropLast(connection.outstanding - 1).last : connection.sent.last
        let lineAnswered = answering.map(LineKind.init)
        switch line {
        case .ok(let outcome):
            answered()
            switch outcome {
            case .registered(let account), .loggedIn(let account):
                clients[index].connections[k].account = account.key
                clients[index].registered = true
                entered("global")
            case .returnedToGlobal: entered("global")
            case .created(let room), .joined(let room): entered(room.key)
            case .whisperSent:
                if case .whisper(let tag, _)? = lineAnswered, messages[tag]?.connection == name {
                    messages[tag]?.acknowledgedAt = tick
                }
            // Nothing to note about where it is.
            case .help, .kicked, .banned, .unbanned, .passwordChanged, .history: break
            }
        case .error(let code, _):
            answered()
            switch lineAnswered {
            case .text(let tag)?, .whisper(let tag, _)?:
                if messages[tag]?.connection == name {
                    messages[tag]?.failed = true
                    if code == .noSuchUser, case .whisper? = lineAnswered { messages[tag]?.targetLeft = true }
                }
            case .command(true)?:
                // A refused move may have taken the session out of its room for a while.
                if clients[index].connections[k].room != nil { entered(clients[index].connections[k].room!) }
                if code == .nameTaken, case .command? = lineAnswered { clients[index].registered = true }
            default: break
            }
        case .message(let room, let from, let body), .action(let room, let from, let body):
            readDelivery(body, room: room.key, on: name, client: index, connection: k)
            if from.key == clients[index].connections[k].account, messages[body]?.connection == name,
                case .text(let tag)? = lineAnswered, tag == body
            {
                answered()
                messages[body]?.acknowledgedAt = tick
            }
        case .whisper(_, _, let body):
            readDelivery(body, room: nil, on: name, client: index, connection: k)
        case .history(let room, _, _, let body):
            // Once a visit, in its history or live, never both; in the store's order.
            readDelivery(body, room: room.key, history: true, on: name, client: index, connection: k)
        case .historyEnd:
            break
        case .users, .rooms:
            answered()
        case .event:
            break
        case .bye(let reason, _):
            clients[index].connections[k].sawBye = reason
            clients[index].connections[k].closing = true
            if clients[index].connections[k].leavingSince == nil { clients[index].connections[k].leavingSince = tick }
        }
    }

    /// A room message (live or in a history) or a whisper read: the store must hold it
    /// (store before deliver); a live line comes once a connection, a room's line once a
    /// visit (history or live), and in the store's order within the visit.
    private func readDelivery(
        _ body: String, room: String?, history: Bool = false, on name: String, client index: Int, connection k: Int
    ) {
        guard messages[body] != nil else {
            return scheduler.fail(.storeBeforeDeliver, "\(name) read \(body), which nobody sent")
        }
        guard let row = row(for: body) else {
            return scheduler.fail(.storeBeforeDeliver, "\(name) read \(body) before the store held it")
        }
        let connection = clients[index].connections[k]
        if room == nil, connection.read.contains(body) {
            return scheduler.fail(.whisperOutcome, "\(name) read \(body) twice")
        }
        if room != nil, connection.visitRead.contains(body) {
            return scheduler.fail(.roomDelivery, "\(name) read \(body) twice since entering \(room!)")
        }
        if !history, connection.liveRead.contains(body) {
            return scheduler.fail(room == nil ? .whisperOutcome : .roomDelivery, "\(name) read \(body) live twice")
        }
        if messages[body]!.failed {
            return scheduler.fail(
                room == nil ? .whisperOutcome : .roomDelivery, "\(name) read \(body), whose sender was told it failed")
        }
        clients[index].connections[k].read.insert(body)
        if room != nil { clients[index].connections[k].visitRead.insert(body) }
        if !history {
            clients[index].connections[k].liveRead.insert(body)
            messages[body]!.deliveries.append(name)
        }
        if let room {
            if let last = clients[index].connections[k].lastRow[row.room], last >= row.id {
                return scheduler.fail(
                    .roomOrder,
                    "\(name) read \(body) (row \(row.id) of \(row.room)) after row \(last): not the store's order")
            }
            clients[index].connections[k].lastRow[row.room] = row.id
            if row.room != room {
                return scheduler.fail(
                    .storeBeforeDeliver, "\(name) read \(body) in \(room), but the store keeps it in \(row.room)")
            }
        }
    }

    /// The committed row of a tagged text, read through a connection of the harness's own.
    func row(for body: String) -> (room: String, id: Int64)? {
        if let known = rows[body] { return known }
        guard let reader else { return nil }
        for room in ["global"] + setup.roomNames {
            for message in (try? reader.messages(room: room)) ?? [] where rows[message.body] == nil {
                rows[message.body] = (room, message.id)
            }
        }
        return rows[body]
    }

    // MARK: - Files

    private static let counter = Locked(0)

    static func temporaryDatabasePath(seed: UInt64) -> String {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let number = counter.withValue { value -> Int in
            value += 1
            return value
        }
        return "\(directory)/parley-shellsim-\(getpid())-\(seed)-\(number).sqlite3"
    }

    func markPlanned() { plannedCount = applied.count }
}

extension LineKind {
    var tag: String? {
        switch self {
        case .text(let tag), .whisper(let tag, _): return tag
        case .command, .quit: return nil
        }
    }
}

/// A value behind a real lock: for the harness's own bookkeeping across workers, never
/// for anything a controlled thread waits on.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    func withValue<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&stored) } }
}
