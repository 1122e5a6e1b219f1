import CParleySystem
import Glibc
import Histogram
import Synchronization

/// Counters a worker publishes for the progress line while it runs.
final class LoadCounters: Sendable {
    let sent = Atomic<Int>(0)
    let delivered = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
}

/// What a worker measured.
struct LoadTally: Sendable {
    var sent = 0
    var delivered = 0
    var errors = 0
    var closed = 0
    /// TLS records and plaintext bytes the receivers read over the run.
    var recordsRead = 0
    var bytesRead = 0
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)

    mutating func add(_ other: LoadTally) {
        sent += other.sent
        delivered += other.delivered
        errors += other.errors
        closed += other.closed
        recordsRead += other.recordsRead
        bytesRead += other.bytesRead
        latency.add(other.latency)
    }
}

/// Drives a share of the connections in one poll loop: reads and times deliveries,
/// and sends for its senders on schedule until the run ends, then drains.
struct LoadWorker {
    let connections: [LoadConnection]
    let senders: Set<Int>
    let configuration: LoadConfiguration
    let dialect: WireDialect
    let counters: LoadCounters

    func run(start: Int64, end: Int64) -> LoadTally {
        var tally = LoadTally()
        let interval = Int64(1_000_000_000 / max(configuration.rate, 0.001))
        // Spread: the senders' first messages fall evenly over one interval (by their rank
        // among all senders), so messages arrive one at a time, as from independent people.
        // Burst: every sender sends at the same instant each interval, as a room does when
        // everyone answers at once.
        let ranks = Dictionary(uniqueKeysWithValues: senders.sorted().enumerated().map { ($1, $0) })
        let spreadOver = configuration.shape == .spread ? Int64(max(1, senders.count)) : 0
        var nextSend = connections.map { connection in
            ranks[connection.index].map { spreadOver == 0 ? start : start + interval * Int64($0) / spreadOver }
                ?? Int64.max
        }
        let recordsBefore = connections.reduce(0) { $0 + $1.recordsRead }
        let bytesBefore = connections.reduce(0) { $0 + $1.bytesRead }
        var alive = Array(repeating: true, count: connections.count)
        var lastDelivery = LoadClock.now()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer { scratch.deallocate() }
        // epoll, not poll: with hundreds of connections, poll's scan of every descriptor
        // on every wake-up costs more than the deliveries themselves.
        let epoll = parley_epoll_create()
        defer { close(epoll) }
        for (i, connection) in connections.enumerated() {
            _ = parley_epoll_add(epoll, connection.fileDescriptor, UInt64(i))
        }
        var ready = [UInt64](repeating: 0, count: 256)

        while true {
            let now = LoadClock.now()
            let sending = now < end
            if !sending, now - lastDelivery > 500_000_000 || now - end > 5_000_000_000 { break }
            let soonest = sending ? (nextSend.min() ?? end) : now + 100_000_000
            let timeout = Int32(clamping: max(0, min(soonest - now, 100_000_000)) / 1_000_000)
            let count = parley_epoll_wait(epoll, &ready, Int32(ready.count), timeout)

            for k in 0..<max(0, Int(count)) {
                let i = Int(ready[k])
                guard alive[i] else { continue }
                let connection = connections[i]
                var pongs: [[UInt8]] = []
                let open = connection.readLines(scratch: scratch) { line in
                    if let pong = dialect.pong(for: line) {
                        pongs.append(pong)
                        return
                    }
                    guard let message = LoadMessage.parse(line), message.sender != connection.index else {
                        if LoadWorker.isError(line) { tally.errors += 1 }
                        return
                    }
                    tally.delivered += 1
                    _ = tally.latency.record(UInt64(max(0, LoadClock.now() - message.sentAt)))
                }
                for pong in pongs { _ = connection.write(pong) }
                if !open || !connection.flush() {
                    alive[i] = false
                    tally.closed += 1
                    _ = parley_epoll_remove(epoll, connection.fileDescriptor)
                }
                lastDelivery = LoadClock.now()
            }
            // A connection with unsent bytes (a full socket) is retried each round.
            for i in connections.indices where alive[i] && connections[i].wantsToWrite {
                if !connections[i].flush() {
                    alive[i] = false
                    tally.closed += 1
                }
            }
            guard sending else { continue }
            let after = LoadClock.now()
            for i in connections.indices where alive[i] && nextSend[i] <= after && after < end {
                let connection = connections[i]
                let text = LoadMessage.text(
                    sender: connection.index, sentAt: LoadClock.now(), size: configuration.messageSize)
                if !connection.write(dialect.say(connection.room, text[...])) {
                    alive[i] = false
                    tally.closed += 1
                }
                tally.sent += 1
                nextSend[i] += interval
                if nextSend[i] < after - 1_000_000_000 { nextSend[i] = after }  // fell behind: do not burst to catch up
            }
            counters.sent.store(tally.sent, ordering: .relaxed)
            counters.delivered.store(tally.delivered, ordering: .relaxed)
            counters.errors.store(tally.errors, ordering: .relaxed)
        }
        counters.delivered.store(tally.delivered, ordering: .relaxed)
        tally.recordsRead = connections.reduce(0) { $0 + $1.recordsRead } - recordsBefore
        tally.bytesRead = connections.reduce(0) { $0 + $1.bytesRead } - bytesBefore
        return tally
    }
}

extension LoadWorker {
    /// An error or goodbye from a Parley server, or an IRC error.
    static func isError(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first else { return false }
        switch first {
        case UInt8(ascii: "E"): return line.starts(with: "ERR".utf8) || line.starts(with: "ERROR".utf8)
        case UInt8(ascii: "B"): return line.starts(with: "BYE".utf8)
        default: return false
        }
    }
}

enum LoadClock {
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// CPU seconds this process has used (user + system).
    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }
}
