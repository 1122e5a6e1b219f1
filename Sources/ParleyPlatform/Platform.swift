import ChatCore

/// Everything the threaded shell (`ParleyServer`) does with another thread or with the
/// operating system goes through one `Platform`: starting threads, locks and condition
/// waits, atomics, the waits on a connection's byte stream and its wake-up, the parking
/// lot's readiness set, sleeps and the clock. Production's `OSPlatform` is pthreads,
/// eventfd, poll, epoll and TLS over sockets; the shell simulation's `ControlledPlatform`
/// runs the same shell code with real threads, one at a time, and a seeded scheduler
/// choosing who goes next at every call of this interface.
///
/// The shell is generic over its platform (`SessionHost<P>`, `Router<P>`, ...), so
/// production's calls specialise to direct calls: no existential on the hot path.
public protocol Platform: Sendable {
    associatedtype Lock: PlatformLock
    associatedtype Condition: PlatformCondition where Condition.Lock == Lock
    associatedtype AtomicInt: PlatformAtomicInt
    associatedtype Waker: PlatformWaker
    associatedtype Stream: ByteStream
    associatedtype ReadySet: PlatformReadySet where ReadySet.Stream == Stream
    associatedtype Listener: PlatformListener where Listener.Stream == Stream

    /// A lock. `role` names it for the simulation's timelines and lock-order checks
    /// ("session c2.1", "room r1", "router sessions"); production ignores it.
    func makeLock(role: String) -> Lock
    func makeCondition(role: String) -> Condition
    func makeAtomic(_ value: Int, role: String) -> AtomicInt
    /// A wake-up another thread can signal (an eventfd); nil when none can be had.
    func makeWaker() -> Waker?
    func makeReadySet() -> ReadySet?

    /// Starts a detached thread. False when none could be started (the caller degrades).
    func spawnThread(name: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool

    /// The monotonic clock.
    func now() -> Instant
    /// Wall-clock milliseconds since the Unix epoch at `instant` (for stored rows).
    func epochMilliseconds(_ instant: Instant) -> Int64
    func sleep(for duration: Duration)

    /// Waits until the stream is ready for `events`, the waker fires, or the timeout
    /// passes (nil: no timeout). What production's poll() on a socket and an eventfd is.
    func wait(for events: StreamEvents, on stream: Stream?, waker: Waker?, timeout: Duration?) -> WaitOutcome
}

public protocol PlatformLock: AnyObject, Sendable {
    func lock()
    /// Takes the lock if nobody holds it, without waiting; true if taken. (A sender's
    /// thread runs a room's mail itself this way, or leaves it to the room's thread.)
    func tryLock() -> Bool
    func unlock()
}

extension PlatformLock {
    /// Inlinable, so the shell's calls specialise to the platform's own lock and unlock.
    @inlinable @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A condition variable used with its platform's lock (the mailboxes' waits).
public protocol PlatformCondition: AnyObject, Sendable {
    associatedtype Lock: PlatformLock
    /// Called with `lock` held; returns with it held again.
    func wait(_ lock: Lock)
    func signal()
    func broadcast()
}

/// An integer other threads read without a lock.
public protocol PlatformAtomicInt: AnyObject, Sendable {
    func load() -> Int
    func store(_ value: Int)
    /// Adds (a negative number subtracts) and returns the new value.
    @discardableResult func add(_ delta: Int) -> Int
}

/// A wake-up for one waiting thread (production: an eventfd). A signal that comes
/// before anyone waits stays pending until the next wait sees it.
public protocol PlatformWaker: AnyObject, Sendable {
    func signal()
    /// Takes a pending signal, if any, without waiting.
    func clear()
    /// Gives the waker back (production closes the descriptor).
    func close()
}

/// What a wait on a stream can wait for, and what it found.
/// (Inlinable throughout: the shell tests and builds these on every wait.)
public struct StreamEvents: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var readable: StreamEvents { StreamEvents(rawValue: 1) }
    @inlinable public static var writable: StreamEvents { StreamEvents(rawValue: 2) }
    /// The peer hung up or the stream failed (reported whatever was asked).
    @inlinable public static var hangUp: StreamEvents { StreamEvents(rawValue: 4) }
}

public struct WaitOutcome: Sendable, Equatable {
    public var stream: StreamEvents
    public var wakerFired: Bool
    @inlinable public init(stream: StreamEvents, wakerFired: Bool) {
        self.stream = stream
        self.wakerFired = wakerFired
    }
    @inlinable public var timedOut: Bool { stream.isEmpty && !wakerFired }
}

/// What one read, write or handshake step of a stream did.
public enum StreamResult: Equatable, Sendable {
    case bytes(Int)
    case wantRead
    case wantWrite
    case closed
    case failed
}

/// A session's byte stream: TLS over a socket in production, an in-memory duplex pipe
/// in the shell simulation. Non-blocking: a call that cannot proceed says what it waits
/// for, and the caller waits through `Platform.wait`.
public protocol ByteStream: AnyObject, Sendable {
    /// One step of the handshake: `.bytes(0)` once it is complete.
    func handshake() -> StreamResult
    func read(into buffer: UnsafeMutableRawBufferPointer) -> StreamResult
    func write(_ bytes: UnsafeRawBufferPointer) -> StreamResult
    /// Bytes already decrypted and waiting to be read without a wait.
    var pending: Int { get }
    /// Ends the output politely (TLS close_notify, then a TCP half-close), if the peer can
    /// still hear it; reads go on working until the peer closes.
    func shutdown()
    /// Closes the underlying transport.
    func close()
}

/// The parking lot's readiness set: many parked streams, one waiting thread (epoll).
public protocol PlatformReadySet: AnyObject, Sendable {
    associatedtype Stream: ByteStream
    /// Watches the stream once for input or a hang-up, under `tag`. False if refused.
    func add(_ stream: Stream, tag: UInt64) -> Bool
    func remove(_ stream: Stream)
    /// Wakes the waiting thread.
    func interrupt()
    /// Waits for ready streams (their tags) or an interrupt (an empty answer), until the
    /// timeout (nil: none).
    func wait(timeout: Duration?) -> [UInt64]
}

/// Where connections come in (production: a TCP listener whose sockets become server-side
/// TLS streams; the simulation: clients the scheduler connects).
public protocol PlatformListener: AnyObject, Sendable {
    associatedtype Stream: ByteStream
    /// Waits up to `timeout` for a connection; its handshake has not begun.
    func accept(timeout: Duration) -> Accepted<Stream>
    func close()
}

public enum Accepted<Stream: ByteStream>: Sendable {
    /// A connection, with the peer's host (for quotas and audits) and address (for logs).
    case connection(Stream, remoteHost: String, remoteAddress: String)
    /// Nothing came before the timeout.
    case nothing
    /// Accepting failed (out of descriptors, say): the caller backs off.
    case failed(String)
}
