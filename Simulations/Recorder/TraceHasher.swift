import ChatCore

/// A 64-bit digest of a run's trace: every decision and every effect, in order.
///
/// Swift's `Hasher` is seeded per process, so it cannot say whether two processes ran
/// the same trace; this one is a fixed function (FNV-1a over bytes, a multiply-xorshift
/// over words). The trace a person reads (`Timeline`) renders the same records.
public struct TraceHasher: Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func combine(_ word: UInt64) {
        value = (value ^ word) &* 0x100_0000_01B3
        value ^= value >> 29
    }

    public mutating func combine(_ text: String) {
        var copy = text
        // Eight bytes at a time from the string's own UTF-8 storage.
        let done: Void? = copy.withUTF8 { bytes -> Void in
            var index = 0
            while index + 8 <= bytes.count {
                combine(
                    UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)))
                index += 8
            }
            var tail: UInt64 = 0
            while index < bytes.count {
                tail = tail << 8 | UInt64(bytes[index])
                index += 1
            }
            combine(tail)
        }
        _ = done
        combine(UInt64(text.utf8.count))
    }

    mutating func combine(_ name: Name) { combine(name.key) }

    mutating func combine(_ decision: Decision) {
        switch decision {
        case .connect(let client):
            combine(1)
            combine(UInt64(client))
        case .type(let client, let line):
            combine(2)
            combine(UInt64(client))
            combine(line)
        case .hangUp(let client, let drop):
            combine(3)
            combine(UInt64(client))
            combine(drop ? 1 : 0)
        case .stopReading(let client):
            combine(4)
            combine(UInt64(client))
        case .resumeReading(let client):
            combine(5)
            combine(UInt64(client))
        case .deliver(let from, let to, let kind):
            combine(6)
            combine(from)
            combine(to)
            combine(kind)
        case .receive(let name, let bytes):
            combine(7)
            combine(name)
            combine(UInt64(bytes))
        case .lose(let name):
            combine(8)
            combine(name)
        case .read(let name):
            combine(9)
            combine(name)
        case .tick(let name):
            combine(10)
            combine(name)
        case .hash(let name):
            combine(11)
            combine(name)
        case .advanceClock(let ms):
            combine(12)
            combine(UInt64(bitPattern: Int64(ms)))
        case .storeFailing(let on):
            combine(13)
            combine(on ? 1 : 0)
        }
    }

    mutating func combine(_ name: ConnectionName) {
        combine(UInt64(name.client) << 32 | UInt64(name.number))
    }

    mutating func combine(_ endpoint: Endpoint) {
        switch endpoint {
        case .session(let name):
            combine(1)
            combine(name)
        case .gate: combine(2)
        case .lobby: combine(3)
        case .room(let id):
            combine(4)
            combine(id.rawValue)
        case .store: combine(5)
        }
    }

    mutating func combine(_ effect: SessionEffect) {
        switch effect {
        case .send(let mail):
            combine(1)
            combine(mail.mail)
        case .write(let line):
            combine(2)
            combine(line)
        case .writeIRC(let message):
            combine(8)
            combine(message.rendered)
        case .closeConnection: combine(3)
        case .retire: combine(7)
        }
    }

    /// A session's timer after a step.
    mutating func combine(_ wake: Instant?) {
        if let wake {
            combine(4)
            combine(UInt64(bitPattern: wake.nanoseconds))
        } else {
            combine(0)
        }
    }

    /// Mail: its address and its kind. The line a delivery carries is hashed when the
    /// session writes it (or, if it does not, the trace differs there); tickets and
    /// records follow from the decisions and kinds.
    mutating func combine(_ mail: Mail) {
        switch mail.address {
        case .session(let id):
            combine(1)
            combine(id.rawValue)
        case .room(let id):
            combine(2)
            combine(id.rawValue)
        case .gate: combine(3)
        case .lobby: combine(4)
        case .store: combine(5)
        case .hasher: combine(6)
        }
        combine(MailKind(mail))
    }

    /// A kind by its case number: fixed for a given build, which is all a trace hash
    /// promises (the same binary, the same seed, the same hash).
    mutating func combine(_ kind: MailKind) {
        combine(UInt64(withUnsafeBytes(of: kind) { $0.load(as: UInt8.self) }))
    }

    mutating func combine(_ line: ServerLine) {
        switch line {
        case .ok(let outcome):
            combine(1)
            combine(outcome.text)
        case .error(let code, let text):
            combine(2)
            combine(code.rawValue)
            combine(text)
        case .message(let room, let from, let text):
            combine(3)
            combine(room)
            combine(from)
            combine(text)
        case .whisper(let from, let to, let text):
            combine(4)
            combine(from)
            combine(to)
            combine(text)
        case .event(let room, let text):
            combine(5)
            combine(room)
            combine(text)
        case .users(let room, let names):
            combine(6)
            combine(room)
            for name in names { combine(name) }
        case .rooms(let names):
            combine(7)
            for name in names { combine(name) }
        case .bye(let reason, let text):
            combine(8)
            combine(reason.rawValue)
            combine(text)
        case .action(let room, let from, let text):
            combine(11)
            combine(room)
            combine(from)
            combine(text)
        case .history(let room, let at, let from, let text):
            combine(9)
            combine(room)
            combine(UInt64(bitPattern: at.millisecondsSinceEpoch))
            combine(from)
            combine(text)
        case .historyEnd(let room):
            combine(10)
            combine(room)
        }
    }
}
