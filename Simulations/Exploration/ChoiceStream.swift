/// The choices of one run, each kept as (value, bound), enumerated depth first: after a
/// run, `advance()` drops the maxed choices at the end and bumps the last one that is
/// not, so the next run takes the next branch (the trick of TigerBeetle's exhaustigen).
/// A run asks `below(n)` exactly where a random run draws a number below n; a choice
/// past the end of the stream is new and starts at 0. Every sequence of values, each
/// below its bound, is visited once, and the enumeration ends when every choice is maxed.
struct ChoiceStream: Sendable {
    private(set) var choices: [(value: Int, bound: Int)] = []
    /// The index of the next choice the run will ask for.
    private(set) var position = 0

    /// The next choice, one of `0..<bound`.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "a choice needs at least one option")
        if position == choices.count {
            choices.append((0, bound))
        } else {
            // The same prefix of choices must offer the same options: the run is a pure
            // function of its choices.
            precondition(
                choices[position].bound == bound,
                "choice \(position) had \(choices[position].bound) options, now \(bound)")
        }
        defer { position += 1 }
        return choices[position].value
    }

    /// Ends this run where it stands (the choices after `position` are forgotten, which
    /// is how a pruned run gives up its subtree), and moves to the next sequence. Returns
    /// the index of the choice that changed, from which the next run differs; nil when
    /// every sequence has been run.
    mutating func advance() -> Int? {
        choices.removeSubrange(position...)
        while let last = choices.last, last.value + 1 == last.bound { choices.removeLast() }
        guard !choices.isEmpty else { return nil }
        choices[choices.count - 1].value += 1
        position = choices.count - 1
        return position
    }
}
