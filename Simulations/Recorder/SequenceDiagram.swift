/// A run as a picture: one lifeline per actor (or thread), one row per step, an arrow for
/// mail from one lifeline to another, a mark for a step an actor takes on its own, faults
/// drawn in their own colours, and the step that broke an invariant highlighted. Built from
/// a replay's recorded steps (`init(steps:clients:)`, or the shell's records) and written
/// as one self-contained HTML page by `html()`.
public struct SequenceDiagram: Sendable {
    /// What struck the run from outside its actors.
    public enum Fault: String, Sendable, CaseIterable {
        case disconnect
        case storeFailure = "store failure"
        case clockJump = "clock jump"
    }

    public enum Shape: Sendable, Equatable {
        /// Mail from one lifeline to another; `lost` when it reached an actor that had retired.
        case arrow(from: Int, to: Int, label: String, lost: Bool, fault: Fault?)
        /// A step of one lifeline's own (a client typing, a tick, a thread taking a lock).
        case mark(on: Int, label: String, fault: Fault?)
        /// Something that touches every lifeline at once (the clock jumping).
        case band(label: String, fault: Fault)
    }

    public struct Row: Sendable {
        /// The step's number as the text timeline prints it.
        public var number: Int
        public var time: String
        public var shape: Shape
        /// What the step caused, in the timeline's words (shown beside the row).
        public var effects: [String]
        /// Faults had stopped; the world was settling.
        public var settling: Bool
        /// The invariant this step broke, with its message.
        public var broken: String?

        public init(
            number: Int, time: String, shape: Shape, effects: [String] = [], settling: Bool = false,
            broken: String? = nil
        ) {
            self.number = number
            self.time = time
            self.shape = shape
            self.effects = effects
            self.settling = settling
            self.broken = broken
        }
    }

    /// More rows than this are not drawn: the page shows a window around the broken step.
    public static let rowLimit = 100

    public var title: String
    /// Lines under the title: the fixture's summary, seed, world.
    public var facts: [String]
    public var lifelines: [String]
    public var rows: [Row]
    /// The replay's verdict line (PASS, FAIL ...).
    public var verdict: String

    public init(title: String, facts: [String], lifelines: [String], rows: [Row], verdict: String) {
        self.title = title
        self.facts = facts
        self.lifelines = lifelines
        self.rows = rows
        self.verdict = verdict
    }

    /// The rows drawn: all of them up to `rowLimit`, else `rowLimit` rows ending a fifth of
    /// the window after the broken step (or the last ones when nothing broke).
    public var window: Range<Int> {
        guard rows.count > Self.rowLimit else { return rows.indices }
        let end: Int
        if let broken = rows.firstIndex(where: { $0.broken != nil }) {
            end = min(rows.count, max(Self.rowLimit, broken + 1 + Self.rowLimit / 5))
        } else {
            end = rows.count
        }
        return (end - Self.rowLimit)..<end
    }

    /// Index of a lifeline by name, added at the end when new.
    public static func lane(_ name: String, in lifelines: inout [String]) -> Int {
        if let index = lifelines.firstIndex(of: name) { return index }
        lifelines.append(name)
        return lifelines.count - 1
    }
}
