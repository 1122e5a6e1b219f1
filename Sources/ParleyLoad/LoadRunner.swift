import Foundation
import Glibc
import ParleyTLS
import Synchronization

/// Runs one load scenario: connect and log in every client (before the clock starts),
/// put them in their rooms, then let the workers send and time deliveries.
public struct LoadRunner: Sendable {
    public let configuration: LoadConfiguration
    private let dialect: WireDialect
    private let progress: @Sendable (String) -> Void

    public init(configuration: LoadConfiguration, progress: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.dialect = WireDialect(wire: configuration.wire)
        self.progress = progress
    }

    public func run() throws -> LoadReport {
        let context = try TLSContext.client()
        var report = LoadReport(configuration: configuration)
        let baseline = configuration.serverPID.flatMap(ServerProcess.residentKiB)
        let connections: [LoadConnection]
        if configuration.loginBurst {
            _ = try parallel(configuration.clients) { i in try connectAndEnter(i, context: context).tls.close() }
            // Users already chatting while the burst hashes: their latency is measured
            // over the same window.
            let chat = try startChatters(context: context)
            let started = LoadClock.now()
            connections = try parallel(configuration.clients, width: configuration.clients) { i in
                try connectAndEnter(i, context: context, accountExists: true)
            }
            report.loginBurstSeconds = Double(LoadClock.now() - started) / 1e9
            if let chat {
                chat.done.wait()
                if let chatReport = chat.report.withLock({ $0 }) {
                    report.latencyMicroseconds = chatReport.latencyMicroseconds
                    report.sent = chatReport.sent
                    report.delivered = chatReport.delivered
                    report.deliveriesPerSecond = chatReport.deliveriesPerSecond
                    report.errors = chatReport.errors
                }
            }
            progress("\(connections.count) clients logged in")
            try enterRooms(connections)
        } else {
            // Each client enters its room as soon as it is logged in, then the drain
            // reads what it is sent until the measurement starts.
            let drain = LoadDrain(dialect: dialect)
            defer { drain.stop() }
            connections = try parallel(configuration.clients) { i in
                let connection = try connectAndEnter(i, context: context)
                try enterRoom(connection)
                drain.add(connection)
                return connection
            }
            progress("\(connections.count) clients logged in, each in its room")
            if configuration.idle { holdIdle() }  // held (and drained) for the duration, then measured
            recordResident(into: &report, baseline: baseline, clients: connections.count)
            if configuration.idle { return report }
            drain.stop()
            return try measure(connections, into: report)
        }
        recordResident(into: &report, baseline: baseline, clients: connections.count)
        return report
    }

    /// The server's resident memory now, and per client above the baseline.
    private func recordResident(into report: inout LoadReport, baseline: Int?, clients: Int) {
        report.connectionsHeld = clients
        if let pid = configuration.serverPID, let resident = ServerProcess.residentKiB(pid) {
            report.serverResidentKiB = resident
            if let baseline { report.serverResidentBytesPerClient = (resident - baseline) * 1024 / max(1, clients) }
        }
    }

    // MARK: - Setup

    /// For a login burst: `chatters` clients log in and join a room of their own, then
    /// chat (the configured senders and rate) for the configured duration on a thread.
    private func startChatters(context: TLSContext) throws -> ChatDuringBurst? {
        guard configuration.chatters > 0 else { return nil }
        var chatConfiguration = configuration
        chatConfiguration.namePrefix = configuration.namePrefix + "chat"
        chatConfiguration.rooms = 1
        chatConfiguration.senders = min(configuration.senders, configuration.chatters)
        let chat = LoadRunner(configuration: chatConfiguration, progress: progress)
        let chatters = try chat.parallel(configuration.chatters) { i in try chat.connectAndEnter(i, context: context) }
        try chat.enterRooms(chatters)
        let running = ChatDuringBurst()
        running.done.enter()
        let empty = LoadReport(configuration: chatConfiguration)
        Thread.detachNewThread {
            let measured = try? chat.measure(chatters, into: empty)
            running.report.withLock { $0 = measured }
            running.done.leave()
        }
        return running
    }

    private func name(_ index: Int) -> String { "\(configuration.namePrefix)\(index)" }
    private func room(_ index: Int) -> String {
        "\(configuration.namePrefix)-room\(index % max(1, configuration.rooms))"
    }

    /// Connects, then registers the account or logs in if it exists already. When the
    /// account is known to exist (a timed login burst) it logs in at once: a registration
    /// attempt would cost the server a second password hash.
    private func connectAndEnter(
        _ index: Int, context: TLSContext, accountExists: Bool = false
    ) throws -> LoadConnection {
        let tls = try TLSConnection.connect(
            host: configuration.host, port: configuration.port, context: context,
            timeout: .seconds(120))
        let connection = LoadConnection(index: index, name: name(index), room: room(index), tls: tls)
        if accountExists {
            try connection.send(dialect.login(connection.name, configuration.password))
            guard case .yes = try connection.await(dialect) else {
                throw LoadError("\(connection.name): login refused")
            }
            return connection
        }
        try connection.send(dialect.register(connection.name, configuration.password))
        switch try connection.await(dialect) {
        case .yes: return connection
        case .nameTaken:
            try connection.send(dialect.login(connection.name, configuration.password))
            guard case .yes = try connection.await(dialect) else {
                throw LoadError("\(connection.name): login refused")
            }
            return connection
        case .no(let line):
            throw LoadError("\(connection.name): the server refused the registration: \(line)")
        case .other:
            throw LoadError("\(connection.name): the server refused the registration")
        }
    }

    /// Creates the client's room, or joins it if it exists.
    private func enterRoom(_ connection: LoadConnection) throws {
        try connection.send(dialect.create(connection.room))
        switch try connection.await(dialect) {
        case .yes: return
        case .nameTaken:
            try connection.send(dialect.join(connection.room))
            guard case .yes = try connection.await(dialect) else {
                throw LoadError("\(connection.name) cannot join \(connection.room)")
            }
        case .no(let line): throw LoadError("\(connection.name) cannot create \(connection.room): \(line)")
        case .other: throw LoadError("\(connection.name) cannot create \(connection.room)")
        }
    }

    /// The first member of each room creates it (or joins it if it exists); the rest join.
    private func enterRooms(_ connections: [LoadConnection]) throws {
        let rooms = max(1, configuration.rooms)
        for connection in connections.prefix(rooms) { try enterRoom(connection) }
        let rest = Array(connections.dropFirst(rooms))
        _ = try parallel(rest.count) { i in
            try rest[i].send(dialect.join(rest[i].room))
            guard case .yes = try rest[i].await(dialect) else {
                throw LoadError("\(rest[i].name) cannot join \(rest[i].room)")
            }
            return i
        }
        progress("clients are in \(rooms) room(s)")
    }

    private func holdIdle() {
        let end = LoadClock.now() + configuration.duration.nanosecondsValue
        while LoadClock.now() < end { usleep(100_000) }
    }

    // MARK: - Measuring

    private func measure(_ connections: [LoadConnection], into report: LoadReport) throws -> LoadReport {
        var report = report
        // Senders are spread over the rooms: the first `senders` clients round-robin.
        let senders = Set(connections.prefix(configuration.senders).map(\.index))
        let threads = max(1, configuration.threads)
        let shares = (0..<threads).map { t in
            connections.enumerated().filter { $0.offset % threads == t }.map(\.element)
        }
        let counters = shares.map { _ in LoadCounters() }
        let cpuBefore = LoadClock.processCPU()
        let serverBefore = configuration.serverPID.flatMap(ServerProcess.cpuSeconds)
        let start = LoadClock.now() + 50_000_000
        let end = start + configuration.duration.nanosecondsValue
        let tallies = Protected<[LoadTally]>([])
        let done = DispatchGroup()
        for (share, counter) in zip(shares, counters) {
            done.enter()
            let worker = LoadWorker(
                connections: share, senders: senders, configuration: configuration,
                dialect: dialect, counters: counter)
            Thread.detachNewThread {
                let tally = worker.run(start: start, end: end)
                tallies.withLock { $0.append(tally) }
                done.leave()
            }
        }
        var lastDelivered = 0
        while done.wait(timeout: .now() + 1) == .timedOut {
            let delivered = counters.reduce(0) { $0 + $1.delivered.load(ordering: .relaxed) }
            let sent = counters.reduce(0) { $0 + $1.sent.load(ordering: .relaxed) }
            progress("sent \(sent)  delivered \(delivered)  (\(delivered - lastDelivered)/s)")
            lastDelivered = delivered
        }
        var total = LoadTally()
        for tally in tallies.withLock({ $0 }) { total.add(tally) }
        let elapsed = Double(LoadClock.now() - start) / 1e9
        if let before = serverBefore, let after = configuration.serverPID.flatMap(ServerProcess.cpuSeconds) {
            report.serverCPUShare = (after - before) / elapsed
            if total.delivered > 0 {
                report.serverCPUMicrosecondsPerDelivery = (after - before) * 1e6 / Double(total.delivered)
            }
        }
        report.record(
            total, seconds: Double(configuration.duration.nanosecondsValue) / 1e9,
            generatorCPU: LoadClock.processCPU() - cpuBefore)
        for connection in connections { connection.tls.close() }
        return report
    }

    // MARK: - Helpers

    /// Runs `body` for 0..<count on up to `width` threads at once, in index order.
    private func parallel<T: Sendable>(
        _ count: Int, width: Int = 16, _ body: @escaping @Sendable (Int) throws -> T
    ) throws -> [T] {
        let results = Protected<[Int: Result<T, any Error>]>([:])
        let next = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0..<min(max(1, width), max(1, count)) {
            group.enter()
            Thread.detachNewThread {
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard i < count else { break }
                    let result = Result { try body(i) }
                    results.withLock { $0[i] = result }
                }
                group.leave()
            }
        }
        group.wait()
        let all = results.withLock { $0 }
        return try (0..<count).map { try all[$0]!.get() }
    }
}

extension Duration {
    var nanosecondsValue: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// The chat measured while a login burst runs.
final class ChatDuringBurst: Sendable {
    let done = DispatchGroup()
    let report = Protected<LoadReport?>(nil)
}
