import ChatCore
import ParleyPlatform

/// The parking lot's readiness set (production: epoll, one-shot). A watched stream is
/// reported once, when it has input, an end or an error, and is then no longer watched.
/// An interrupt with nobody waiting stays pending, like an eventfd in the set.
public final class ControlledReadySet: PlatformReadySet, @unchecked Sendable {
    public typealias Stream = PipeStream
    public let role: String
    private unowned let scheduler: ShellScheduler
    var watched: [(stream: PipeStream, tag: UInt64)] = []
    var interruptPending = false

    init(role: String, scheduler: ShellScheduler) {
        self.role = role
        self.scheduler = scheduler
    }

    var hasReady: Bool { watched.contains { $0.stream.readyForParking } }
    var watchedNames: String {
        watched.isEmpty ? "nothing watched" : watched.map(\.stream.name).joined(separator: ", ")
    }

    public func add(_ stream: PipeStream, tag: UInt64) -> Bool { scheduler.add(stream, tag: tag, to: self) }
    public func remove(_ stream: PipeStream) { scheduler.remove(stream, from: self) }
    public func interrupt() { scheduler.interrupt(self) }
    public func wait(timeout: Duration?) -> [UInt64] { scheduler.wait(on: self, timeout: timeout) }
}

extension ShellScheduler {
    func add(_ stream: PipeStream, tag: UInt64, to set: ControlledReadySet) -> Bool {
        guard !set.watched.contains(where: { $0.stream === stream }) else {
            trace.record(.park, stream.nameHash, 0, text: "\(set.role) refuses \(stream.name): already watched")
            yield()
            return false
        }
        set.watched.append((stream, tag))
        stream.parkedIn = set
        if stream.server === current { stream.server = nil }
        hazards.count(.park)
        trace.record(.park, stream.nameHash, 1, text: "parks \(stream.name) in \(set.role)")
        yield()
        return true
    }

    func remove(_ stream: PipeStream, from set: ControlledReadySet) {
        if let index = set.watched.firstIndex(where: { $0.stream === stream }) {
            set.watched.remove(at: index)
            hazards.count(.resumeByWaker)
            onUnpark?(stream)
            trace.record(
                .unpark, stream.nameHash, 1, text: "takes \(stream.name) out of \(set.role) (resumed by a waker)")
        }
        if stream.parkedIn === set { stream.parkedIn = nil }
        yield()
    }

    func interrupt(_ set: ControlledReadySet) {
        if options.plant == .readySetDropsInterrupt {
            trace.record(.interrupt, 2, text: "interrupts \(set.role) (dropped)")
        } else {
            set.interruptPending = true
            trace.record(.interrupt, 1, text: "interrupts \(set.role)")
        }
        yield()
    }

    func wait(on set: ControlledReadySet, timeout: Duration?) -> [UInt64] {
        guard let me = current else { preconditionFailure("the harness would wait on \(set.role)") }
        if !me.held.isEmpty {
            fail(
                .waitUnderLock, "\(me.name) waits on \(set.role) holding \(me.held.map(\.role).joined(separator: ", "))"
            )
            halt(me)
        }
        park(me, .runnable)  // about to wait: the moment an interrupt is most easily lost
        let deadline = timeout.map { clock.now + max($0, .zero) }
        trace.record(
            .readyWait, 0,
            text:
                "waits on \(set.role) (\(set.watchedNames))\(timeout.map { ", at most \(Self.milliseconds($0)) ms" } ?? "")"
        )
        park(me, .readySet(set, deadline: deadline))
        var tags: [UInt64] = []
        var kept: [(stream: PipeStream, tag: UInt64)] = []
        for entry in set.watched {
            if entry.stream.readyForParking {
                tags.append(entry.tag)
                entry.stream.parkedIn = nil
                hazards.count(.resumeBySocket)
                onUnpark?(entry.stream)
                trace.record(
                    .unpark, entry.stream.nameHash, 2,
                    text: "\(set.role) reports \(entry.stream.name) ready (resumed by its socket)")
            } else {
                kept.append(entry)
            }
        }
        set.watched = kept
        let interrupted = set.interruptPending
        set.interruptPending = false
        trace.record(
            .readyWoke, UInt64(tags.count), interrupted ? 1 : 0,
            text: "wakes: \(tags.count) ready\(interrupted ? ", interrupted" : "")")
        return tags
    }
}
