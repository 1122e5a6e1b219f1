import ChatCore
import ParleySimulation

/// What a shell run did, as a digest (always) and as a timeline (when asked): every
/// slice a thread ran, every lock, mailbox signal, atomic, wait, park and write, every
/// client step. The digest is FNV-1a (`TraceHasher`), not Swift's per-process `Hasher`,
/// so two processes can compare runs.
public struct ShellTrace: Sendable {
    public enum Event: UInt64, Sendable {
        case slice = 1, spawn, spawnRefused, finish, lock, conditionWait, conditionSignal, atomic
        case sleep, streamWait, streamWoke, streamRead, streamWrite, streamClose
        case wakerSignal, park, unpark, interrupt, readyWait, readyWoke, accept, listenerClose
        case client, clock, store, violation, note
    }

    public struct Record: Sendable, Equatable {
        public var time: Instant
        /// The thread that did it, or "harness" for a client's step or the clock.
        public var actor: String
        public var text: String
    }

    private var hasher = TraceHasher()
    public private(set) var records: [Record]?
    public private(set) var events = 0
    /// The thread now running (set by the scheduler around each slice).
    var thread: String?
    var now: @Sendable () -> Instant = { .zero }

    init(recording: Bool) {
        records = recording ? [] : nil
    }

    public var hash: UInt64 { hasher.value }

    mutating func record(_ event: Event, _ a: UInt64 = 0, _ b: UInt64 = 0, text: @autoclosure () -> String?) {
        events += 1
        hasher.combine(event.rawValue)
        hasher.combine(a)
        hasher.combine(b)
        if records != nil, let text = text() {
            records!.append(Record(time: now(), actor: thread ?? "harness", text: text))
        }
    }

    /// A step of the harness's (a client, the clock, the store), with its words hashed.
    mutating func harness(_ text: String) {
        events += 1
        hasher.combine(Event.client.rawValue)
        hasher.combine(text)
        if records != nil { records!.append(Record(time: now(), actor: "harness", text: text)) }
    }

    static func hash(_ text: String) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01B3
        }
        return value
    }

    /// Bytes as a person reads them: lines end in ⏎, and long runs are cut.
    static func printable(_ bytes: UnsafeRawBufferPointer, limit: Int = 160) -> String {
        var text = String(decoding: bytes.prefix(limit), as: UTF8.self).replacingOccurrences(of: "\n", with: "⏎")
        if bytes.count > limit { text += "…" }
        return text
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
