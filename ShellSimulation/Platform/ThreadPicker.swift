import ChatCore
import ParleySimulation

/// Picks which runnable thread goes next, from the run's seeded choice stream.
///
/// - `random`: uniform over the runnable threads.
/// - `pct`: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010), as the core
///   simulator's lanes use it: each thread gets a random priority when it first shows up
///   (by name, so a fixture's threads keep theirs), the highest runnable one runs, and at
///   d - 1 change points drawn among the expected slices the thread about to run drops
///   below every other.
public struct ThreadPicker: Sendable {
    public let kind: SimulationOptions.SchedulerKind
    private var random: SeededRandom
    private let depth: Int
    private var priorities: [String: Int] = [:]
    private var changePoints: [Int]
    private var picks = 0

    public init(kind: SimulationOptions.SchedulerKind, depth: Int, expectedSlices: Int, random: SeededRandom) {
        self.kind = kind
        self.random = random
        self.depth = max(1, depth)
        var points: [Int] = []
        if kind == .pct {
            for _ in 1..<self.depth { points.append(self.random.within(1...max(1, expectedSlices))) }
        }
        changePoints = points.sorted()
    }

    public mutating func pick(from runnable: [ControlledThread]) -> ControlledThread {
        precondition(!runnable.isEmpty, "nothing to schedule")
        picks += 1
        switch kind {
        case .random:
            return runnable[random.below(runnable.count)]
        case .pct:
            for thread in runnable where priorities[thread.name] == nil {
                priorities[thread.name] = depth + random.below(1 << 30)
            }
            var best = highest(runnable)
            var reached = false
            while let point = changePoints.first, point <= picks {
                changePoints.removeFirst()
                reached = true
            }
            if reached {
                let consumed = depth - 1 - changePoints.count
                priorities[best.name] = depth - consumed
                best = highest(runnable)
            }
            return best
        }
    }

    private func highest(_ runnable: [ControlledThread]) -> ControlledThread {
        var best = runnable[0]
        for thread in runnable.dropFirst() where priorities[thread.name]! > priorities[best.name]! {
            best = thread
        }
        return best
    }
}

extension ShellScheduler {
    public enum IdleOutcome: Equatable, Sendable {
        /// No thread can run, and none waits for a time.
        case idle
        /// Stopped by a violation.
        case violated
        /// The slice budget ran out.
        case budgetSpent
    }

    /// Runs threads picked by `picker` until none can run, moving the clock to the next
    /// deadline whenever only time is awaited (up to `until`). For tests and for settling.
    public func runUntilIdle(picker: inout ThreadPicker, maxSlices: Int, until limit: Instant? = nil) -> IdleOutcome {
        var budget = maxSlices
        while violation == nil {
            let ready = runnable
            if !ready.isEmpty {
                guard budget > 0 else { return .budgetSpent }
                budget -= 1
                run(picker.pick(from: ready))
                continue
            }
            guard let next = earliestDeadline, limit.map({ next <= $0 }) ?? true else {
                checkDeadlock()
                return violation == nil ? .idle : .violated
            }
            advanceClock(to: next)
        }
        return .violated
    }

    /// Nothing can run and nothing waits for a time: threads blocked on locks are a deadlock.
    public func checkDeadlock() {
        guard runnable.isEmpty, violation == nil else { return }
        let blocked = live.filter { if case .lock = $0.wait { return true } else { return false } }
        guard !blocked.isEmpty, earliestDeadline == nil else { return }
        fail(
            .deadlock,
            "nothing can run; \(blocked.map(\.name).joined(separator: ", ")) wait for locks; every thread: \(waitsReport)"
        )
    }
}
