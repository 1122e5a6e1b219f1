import ChatCore
import Glibc
import ParleyStore
import ParleyTLS

/// Everything `parley serve` can be told.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests); read the bound one from `ChatServer.port`.
    public var port: UInt16 = 7878
    public var dataDirectory = "./parley-data"
    /// IRC over TLS on this port (`--irc-port`), same certificate and settings; nil: none.
    public var ircPort: UInt16?
    /// IRC in plain TCP on this port (`--irc-plain-port`): only when `host` is loopback.
    public var ircPlainPort: UInt16?
    /// The IRC server's name in replies (`--irc-server-name`; `IRCSession.isServerName`).
    public var ircServerName = IRCSession.defaultServerName
    /// Unix time minus the shell's clock, for IRC's `server-time` tags (`ChatServer` sets it).
    public var wallClockOffset: Duration = .zero
    /// An operator's own certificate and key; both or neither. Otherwise one is made.
    public var certificateFile: String?
    public var keyFile: String?
    public var scryptCost: ScryptCost = .owaspDefault
    public var hashingWorkers = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    public var limits = Limits.standard
    /// Time a client has to finish the TLS handshake.
    public var handshakeTimeout: Duration = .seconds(10)
    /// Time a closing connection has to take its last lines.
    public var closeGrace: Duration = .seconds(2)
    /// A connection quiet this long gives up its thread until it stirs (`ParkingLot`).
    public var parkIdleConnectionsAfter: Duration = .seconds(2)
    /// Connections one remote address may hold at once (loopback is exempt).
    public var maxConnectionsPerAddress = 20
    /// TLS handshakes under way at once, all addresses together, and from one address (an
    /// IPv6 /64; loopback is exempt from the per-address caps). Each holds a thread until
    /// its handshake ends or its deadline passes; past the cap a connection is closed at once.
    public var maxHandshakes = 256
    public var maxHandshakesPerAddress = 8
    /// Connections past their handshake but not logged in, all addresses together and
    /// from one address. They park like idle members while they wait for their login
    /// deadline; the cap bounds the threads they start when they stir.
    public var maxStrangers = 1024
    public var maxStrangersPerAddress = 10
    /// Connections held at once, all addresses together; nil: as many as the process's
    /// descriptor limit allows (a socket each, and an eventfd while it has a thread).
    public var maxConnections: Int?
    /// Unsent output of all connections together past which the slowest readers are
    /// closed first (`OutputBudget`, `--output-budget`); nil: no server-wide budget, only
    /// each connection's `Limits.maxOutboxBytes`.
    public var outputBudgetBytes: Int? = 8 * 1024 * 1024
    /// SO_SNDBUF of accepted sockets (`--socket-send-buffer`): what a peer that does not
    /// read holds in the kernel beside its outbox (Linux reserves twice the figure). A
    /// smaller buffer means more wake-ups to refill it for a fast reader far away; nil
    /// leaves the kernel's autotuning (up to 4 MiB a socket). 64 KiB fills a 5 Mbit/s
    /// link with a 100 ms round trip, far more than chat needs.
    public var socketSendBufferBytes: Int? = 64 * 1024
    public var synchronous: ParleyDatabase.SynchronousMode = .normal
    /// Group commit window (`StorageThread.start(window:)`): while requests queue behind
    /// the storage thread, messages this close together share a commit and each member's
    /// write. Zero: commit as soon as anything waits.
    public var commitWindow: Duration = .milliseconds(2)
    /// Room messages a session gets on entering a room (`--history`); 0: none.
    public var historyLines = 50
    /// Fan-outs up to this many sessions the storage thread runs itself, under the actor's
    /// lock (`ActorHost.runsInline`); larger ones go through the actor's mailbox. A knob
    /// so the shell simulation's small worlds (a handful of clients) reach the mailbox path
    /// and its ordering against later inline replies; production keeps 128.
    public var inlineStoreReplyReach = 128
    /// How long a write waits for another process's lock before it fails (`ERR store-failed`).
    public var databaseBusyTimeout: Duration = .seconds(5)

    /// Messages older than this are deleted at start and then hourly (`--keep-days`);
    /// nil keeps them all.
    public var keepMessagesFor: Duration?
    /// Log lines of one kind about connections (handshake failures, refused connections)
    /// written per second at most; the rest are counted in one line. 0: no limit.
    public var connectionLogLinesPerSecond = 10

    /// Whether loopback is exempt from the per-address caps and login limits
    /// (`--no-exempt-loopback` turns it off): local tools and benchmarks come from there,
    /// but behind a TLS proxy on the same machine every client does.
    public var exemptLoopback: Bool {
        get { limits.exemptLoopback }
        set { limits.exemptLoopback = newValue }
    }

    public init() {}

    /// The caps `ConnectionAdmission` applies at accept.
    public var admissionCaps: ConnectionAdmission.Caps {
        ConnectionAdmission.Caps(
            connectionsPerAddress: maxConnectionsPerAddress, handshakes: maxHandshakes,
            handshakesPerAddress: maxHandshakesPerAddress, strangers: maxStrangers,
            strangersPerAddress: maxStrangersPerAddress, exemptLoopback: exemptLoopback)
    }
}
