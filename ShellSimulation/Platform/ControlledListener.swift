import ChatCore
import ParleyPlatform

/// Where the harness's clients connect: a queue of pipes the accept thread takes.
public final class ControlledListener: PlatformListener, @unchecked Sendable {
    public typealias Stream = PipeStream
    private unowned let scheduler: ShellScheduler
    var queue: [PipeStream] = []
    public private(set) var closed = false
    /// Told which stream the accept thread took (the harness names its thread from it).
    public var onAccept: ((PipeStream) -> Void)?

    init(scheduler: ShellScheduler) {
        self.scheduler = scheduler
    }

    var hasWaiting: Bool { !queue.isEmpty }

    public func accept(timeout: Duration) -> Accepted<PipeStream> { scheduler.accept(on: self, timeout: timeout) }

    public func close() {
        guard !closed else { return }
        closed = true
        for stream in queue { stream.close() }
        queue.removeAll()
        scheduler.trace.record(.listenerClose, 0, text: "closes the listener")
    }

    /// A client connects (the harness, between slices). False once the listener is closed.
    public func connect(_ stream: PipeStream) -> Bool {
        guard !closed else { return false }
        queue.append(stream)
        return true
    }
}

extension ShellScheduler {
    func accept(on listener: ControlledListener, timeout: Duration) -> Accepted<PipeStream> {
        guard let me = current else { preconditionFailure("the harness would accept") }
        if !me.held.isEmpty {
            fail(.waitUnderLock, "\(me.name) accepts holding \(me.held.map(\.role).joined(separator: ", "))")
            halt(me)
        }
        park(me, .accept(listener, deadline: clock.now + max(timeout, .zero)))
        guard !listener.closed, !listener.queue.isEmpty else { return .nothing }
        let stream = listener.queue.removeFirst()
        listener.onAccept?(stream)
        trace.record(.accept, stream.nameHash, text: "accepts \(stream.name)")
        return .connection(stream, remoteHost: stream.remoteHost, remoteAddress: stream.name)
    }
}
