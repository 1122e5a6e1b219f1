/// What `parley load` is asked to do.
public struct LoadConfiguration: Sendable {
    public enum WireProtocol: String, Sendable, CaseIterable { case parley, irc }
    /// How the senders' messages fall in each interval: spread evenly (independent people,
    /// one message at a time) or in step (everyone answers at once: a burst per interval).
    public enum SenderShape: String, Sendable, CaseIterable { case spread, burst }

    public var host = "127.0.0.1"
    public var port: UInt16 = 7878
    public var wire: WireProtocol = .parley
    /// Connections to hold.
    public var clients = 100
    /// Rooms to spread them over (round robin).
    public var rooms = 1
    /// How many of the clients send (spread over the rooms).
    public var senders = 10
    /// Messages a second from each sender.
    public var rate = 10.0
    public var shape: SenderShape = .spread
    public var duration: Duration = .seconds(10)
    /// Bytes in each message's text.
    public var messageSize = 100
    /// Threads that drive the connections during the run.
    public var threads = 1
    /// Account names are `<prefix><index>`.
    public var namePrefix = "load"
    public var password = "load-password"
    /// Connect and log in, then hold the connections without sending (memory runs).
    public var idle = false
    /// Log in all clients at once and time it (the accounts are registered first).
    public var loginBurst = false
    /// With a login burst: clients already logged in that chat in a room meanwhile.
    public var chatters = 0
    /// The server's process id: its CPU time over the run is read from /proc.
    public var serverPID: Int32?

    public init() {}
}
