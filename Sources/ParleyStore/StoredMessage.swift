/// A chat message row as stored.
public struct StoredMessage: Sendable, Equatable, Hashable {
    /// The row id; increases with insertion order.
    public let id: Int64
    /// The room the message was sent in.
    public let room: String
    /// The sender's account name.
    public let sender: String
    /// The recipient of a whisper, or nil for a message to the whole room.
    public let recipient: String?
    /// The message text.
    public let body: String
    /// Send time, milliseconds since the Unix epoch.
    public let sentAtMs: Int64

    /// Creates a value; normally produced by ``ParleyDatabase/messages(room:)``.
    public init(id: Int64, room: String, sender: String, recipient: String?, body: String, sentAtMs: Int64) {
        self.id = id
        self.room = room
        self.sender = sender
        self.recipient = recipient
        self.body = body
        self.sentAtMs = sentAtMs
    }
}
