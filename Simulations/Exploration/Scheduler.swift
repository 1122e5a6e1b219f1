/// Picks which runnable lane goes next.
///
/// - `random`: uniform over the runnable lanes.
/// - `pct`: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
///   Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs",
///   ASPLOS 2010). Every lane gets a random priority and the highest runnable one runs;
///   at d - 1 change points, drawn uniformly among the k steps, the lane about to run
///   drops below every other. For a program of n threads and k steps, a bug of depth d
///   (one that needs d orderings to line up) is found by one run with probability at
///   least 1/(n·k^(d-1)). Lanes here play the threads; a lane that opens late gets a
///   random priority when it first shows up.
struct Scheduler: Sendable {
    private let kind: SimulationOptions.SchedulerKind
    private var random: SeededRandom
    private let depth: Int
    private var priorities: [Int] = []
    private var changePoints: [Int]
    private var picks = 0

    init(kind: SimulationOptions.SchedulerKind, depth: Int, expectedSteps: Int, random: SeededRandom) {
        self.kind = kind
        self.random = random
        self.depth = depth
        var points: [Int] = []
        if kind == .pct {
            for _ in 1..<max(1, depth) { points.append(self.random.within(1...max(1, expectedSteps))) }
        }
        changePoints = points.sorted()
    }

    /// The lane to run, from a non-empty list of runnable lanes; `laneCount` is how many
    /// lanes the world has opened so far.
    mutating func pick(from runnable: [Int], laneCount: Int) -> Int {
        precondition(!runnable.isEmpty, "nothing to schedule")
        picks += 1
        switch kind {
        case .random:
            return runnable[random.below(runnable.count)]
        case .pct:
            while priorities.count < laneCount {
                // Initial priorities sit above every demoted one (which are below depth).
                priorities.append(depth + random.below(1 << 30))
            }
            var best = runnable[0]
            for lane in runnable.dropFirst() where (priorities[lane], -lane) > (priorities[best], -best) {
                best = lane
            }
            var reached = false
            while let point = changePoints.first, point <= picks {
                changePoints.removeFirst()
                reached = true
            }
            if reached {
                // The i-th of the d - 1 change points leaves the lane at priority d - i,
                // below every initial priority (those are at least d).
                let consumed = depth - 1 - changePoints.count
                priorities[best] = depth - consumed
                return pick(afterDemoting: runnable)
            }
            return best
        }
    }

    private mutating func pick(afterDemoting runnable: [Int]) -> Int {
        var best = runnable[0]
        for lane in runnable.dropFirst() where (priorities[lane], -lane) > (priorities[best], -best) {
            best = lane
        }
        return best
    }
}
