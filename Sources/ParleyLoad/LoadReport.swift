import Foundation

/// The figures of one run, as a table for people and JSON for scripts.
public struct LoadReport: Codable, Sendable {
    public var wire: String
    public var clients: Int
    public var rooms: Int
    public var senders: Int
    public var ratePerSender: Double
    public var shape: String
    public var seconds = 0.0
    public var connectionsHeld = 0
    public var sent = 0
    public var delivered = 0
    public var deliveriesPerSecond = 0.0
    public var latencyMicroseconds: [String: Double] = [:]
    public var errors = 0
    public var closedByServer = 0
    /// Share of one core the generator used: above 0.85 it measured itself, not the server.
    public var generatorCPUShare = 0.0
    /// The generator above 85% of its core: the row measures the client, not the server.
    public var generatorSaturated = false
    /// TLS records and plaintext bytes the receivers read per delivered line (everything
    /// they read, echoes and all, over the lines delivered to others): the server's cost
    /// on its readers.
    public var recordsPerDelivery: Double?
    public var bytesPerDelivery: Double?
    public var loginBurstSeconds: Double?
    /// Server CPU per delivery over the run (from /proc, in 10 ms ticks), when its pid is known.
    public var serverCPUMicrosecondsPerDelivery: Double?
    public var serverCPUShare: Double?
    /// The server's resident memory when the clients were all in (idle runs), and per client.
    public var serverResidentKiB: Int?
    public var serverResidentBytesPerClient: Int?

    init(configuration: LoadConfiguration) {
        wire = configuration.wire.rawValue
        clients = configuration.clients
        rooms = configuration.rooms
        senders = configuration.senders
        ratePerSender = configuration.rate
        shape = configuration.shape.rawValue
    }

    mutating func record(_ tally: LoadTally, seconds: Double, generatorCPU: Double) {
        self.seconds = seconds
        sent = tally.sent
        delivered = tally.delivered
        deliveriesPerSecond = Double(tally.delivered) / seconds
        errors = tally.errors
        closedByServer = tally.closed
        generatorCPUShare = generatorCPU / seconds
        generatorSaturated = generatorCPUShare > 0.85
        if tally.delivered > 0 {
            recordsPerDelivery = Double(tally.recordsRead) / Double(tally.delivered)
            bytesPerDelivery = Double(tally.bytesRead) / Double(tally.delivered)
        }
        guard tally.latency.totalCount > 0 else { return }
        for (label, percentile) in [("p50", 50.0), ("p99", 99.0), ("p99.9", 99.9)] {
            latencyMicroseconds[label] = Double(tally.latency.valueAtPercentile(percentile)) / 1000
        }
        latencyMicroseconds["max"] = Double(tally.latency.max) / 1000
    }

    public var table: String {
        var rows: [(String, String)] = [
            ("protocol", wire), ("clients", "\(clients)"), ("rooms", "\(rooms)"),
            ("senders x rate", "\(senders) x \(ratePerSender)/s, \(shape)"), ("connections held", "\(connectionsHeld)"),
        ]
        if let loginBurstSeconds { rows.append(("login burst", String(format: "%.2f s", loginBurstSeconds))) }
        if let serverResidentKiB { rows.append(("server resident", "\(serverResidentKiB) KiB")) }
        if let serverResidentBytesPerClient {
            rows.append(("server resident per client", "\(serverResidentBytesPerClient) bytes"))
        }
        if sent > 0 || delivered > 0 {
            rows += [
                ("messages sent", "\(sent)"), ("deliveries", "\(delivered)"),
                ("deliveries/s", String(format: "%.0f", deliveriesPerSecond)),
            ]
            for label in ["p50", "p99", "p99.9", "max"] {
                if let value = latencyMicroseconds[label] {
                    rows.append(("latency \(label)", String(format: "%.0f µs", value)))
                }
            }
            rows += [
                (
                    "read per delivery",
                    recordsPerDelivery.map {
                        String(format: "%.3f records, ", $0) + String(format: "%.0f bytes", bytesPerDelivery ?? 0)
                    }
                        ?? "-"
                ),
                ("errors", "\(errors)"), ("closed by server", "\(closedByServer)"),
                ("server CPU", serverCPUShare.map { String(format: "%.0f%% of a core", $0 * 100) } ?? "-"),
                ("server CPU/delivery", serverCPUMicrosecondsPerDelivery.map { String(format: "%.2f µs", $0) } ?? "-"),
                (
                    "generator CPU",
                    String(
                        format: "%.0f%% of a core%@", generatorCPUShare * 100,
                        generatorSaturated ? " (too busy: this measures the generator)" : "")
                ),
            ]
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(
            separator: "\n")
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
