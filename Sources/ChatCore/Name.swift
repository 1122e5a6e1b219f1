/// A validated account or room name: 1 to 32 of `A-Z a-z 0-9 _ -`.
///
/// Names are shown as typed and compared without regard to case through `key`.
public struct Name: Hashable, Sendable, CustomStringConvertible {
    public static let maxLength = 32

    /// The name as its owner typed it.
    public let text: String
    /// The name folded to lower case: what uniqueness and look-ups use.
    public let key: String

    /// Returns nil unless `text` is a well-formed name.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= Name.maxLength, utf8.allSatisfy(Name.isAllowed) else {
            return nil
        }
        self.text = String(text)
        self.key = String(decoding: utf8.map(Name.lowercased), as: UTF8.self)
    }

    /// The one room every logged-in user starts in. No temporary room may take its name.
    public static let global = Name("global")!

    public var isReservedForRooms: Bool { key == Name.global.key }

    public var description: String { text }

    /// Equal when they name the same thing, whatever the case.
    public static func == (lhs: Name, rhs: Name) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}

/// A password on its way to the hasher. Its description is redacted so that no log,
/// trace or fixture can ever print it. Its bytes live in one `SecretBytes`, shared by
/// every copy of the value and zeroed when the hashing pool is done with it (`wipe()`)
/// or, at the latest, when the last copy goes.
public struct Password: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let minBytes = 8
    public static let maxBytes = 256

    private let storage: SecretBytes

    public init(_ secret: String) { storage = SecretBytes(secret.utf8) }
    public init(bytes: some Collection<UInt8>) { storage = SecretBytes(bytes) }

    /// The password's UTF-8 bytes, in place; read them only to hash them.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try storage.withBytes(body)
    }

    /// The secret as a String: a copy nobody wipes, for the simulators' digests only.
    public var secret: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    /// Zeroes the bytes of every copy (after hashing); they read as empty afterwards.
    public func wipe() { storage.wipe() }

    public static func == (lhs: Password, rhs: Password) -> Bool {
        lhs.withBytes { mine in rhs.withBytes { theirs in mine.elementsEqual(theirs) } }
    }

    /// By its bytes, like `==` (never by where they live): a state that holds a password
    /// hashes the same whichever copy it holds. The hash is seeded per process and never shown.
    public func hash(into hasher: inout Hasher) {
        withBytes { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: bytes)
        }
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// A password hash as the hasher encodes it (algorithm, cost, salt, digest). Opaque here.
public struct PasswordHash: Hashable, Sendable, CustomStringConvertible {
    public let encoded: String
    public init(_ encoded: String) { self.encoded = encoded }
    public var description: String { "<hash>" }
}
