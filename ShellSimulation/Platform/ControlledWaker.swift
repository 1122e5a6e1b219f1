import ChatCore
import ParleyPlatform

/// A connection thread's wake-up (production: an eventfd). A signal with nobody waiting
/// stays pending, and the next wait sees it at once; a planted bug
/// (`Plant.wakerDropsEarlySignal`) loses it instead, and the scheduler reports the wait
/// that slept through it.
public final class ControlledWaker: PlatformWaker, @unchecked Sendable {
    private unowned let scheduler: ShellScheduler
    let number: Int
    var pending = false
    var closed = false
    /// The thread that waits on it (the last one that did).
    var owner: ControlledThread?
    /// A signal the planted bug dropped, not yet slept through.
    var missed: (by: String, at: Instant)?

    init(scheduler: ShellScheduler, number: Int) {
        self.scheduler = scheduler
        self.number = number
    }

    public func signal() { scheduler.signal(self) }

    public func clear() {
        pending = false
        missed = nil
    }

    public func close() {
        closed = true
        pending = false
    }

    var name: String { owner.map { "\($0.name)'s waker" } ?? "waker \(number)" }
}

extension ShellScheduler {
    func signal(_ waker: ControlledWaker) {
        if waker.closed {
            fail(
                .wakerMisuse,
                "\(callerName) signals \(waker.name) after it was closed (production would write to a reused descriptor)"
            )
            if let me = current { halt(me) }
            return
        }
        var ownerWaits = false
        if let owner = waker.owner, case .stream(_, _, let w, _) = owner.wait, w === waker { ownerWaits = true }
        if options.plant == .wakerDropsEarlySignal, !ownerWaits {
            waker.missed = (callerName, clock.now)
            trace.record(.wakerSignal, 2, text: "signals \(waker.name) (dropped: nobody waits yet)")
        } else {
            waker.pending = true
            trace.record(
                .wakerSignal, ownerWaits ? 1 : 0,
                text: "signals \(waker.name)\(ownerWaits ? "" : " (pending: nobody waits yet)")")
        }
        yield()
    }
}
