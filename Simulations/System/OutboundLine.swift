import ChatCore

/// One line on a connection's way to its client: Parley's protocol or IRC, as the
/// connection's session speaks it.
enum OutboundLine: Hashable, Sendable {
    case parley(ServerLine)
    case irc(IRCMessage)

    /// The line as it goes on the wire, with its line ending.
    var rendered: String {
        switch self {
        case .parley(let line): return line.rendered
        case .irc(let message): return message.rendered
        }
    }

    /// Bytes on the wire: what the connection's writer reports sent.
    var wireSize: Int {
        switch self {
        case .parley(let line): return line.wireSize
        case .irc(let message): return message.wireSize
        }
    }
}
