/// The passes every shrinker here makes over a failing choice stream, whatever its
/// decisions are (the core simulator's `Decision`, the shell simulation's
/// `ShellDecision`): remove whole classes of decisions, then chunks from half the run
/// down to single decisions, latest first. A conforming shrinker says what a replay
/// costs (`hasBudget`) and what "still fails" means (`keep`).
public protocol ShrinkPasses {
    associatedtype Step
    /// Whether a replay may still be spent.
    var hasBudget: Bool { get }
    /// Replays `candidate` leniently; `best` becomes what it applied if that still fails
    /// and is smaller.
    mutating func keep(_ candidate: [Step], over best: inout [Step])
}

extension ShrinkPasses {
    /// Each class at once: every decision the predicate picks goes together.
    public mutating func removeEach(of classes: [(Step) -> Bool], from best: inout [Step]) {
        for isInClass in classes { keep(best.filter { !isInClass($0) }, over: &best) }
    }

    /// Chunks from half the run down to single decisions, latest first.
    public mutating func removeChunks(_ best: inout [Step]) {
        var size = max(1, best.count / 2)
        while size > 0, hasBudget {
            var start = best.count - size
            while start >= 0, hasBudget {
                var candidate = best
                candidate.removeSubrange(start..<min(start + size, best.count))
                keep(candidate, over: &best)
                start = min(start - size, best.count - size)
            }
            size /= 2
        }
    }
}
