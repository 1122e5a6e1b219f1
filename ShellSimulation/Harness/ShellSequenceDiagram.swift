import ChatCore
import ParleySimulation

// A shell run's records as a diagram: a lifeline per thread and one for the harness (the
// clients, the clock, the store), every record a mark on the lifeline of whoever did it.
// The harness's records are its decisions in words, read back to find the faults.
extension SequenceDiagram {
    public static func rows(for records: [ShellTrace.Record], lifelines: inout [String]) -> [Row] {
        records.enumerated().map { index, record in
            let lane = SequenceDiagram.lane(record.actor, in: &lifelines)
            let time = seconds(record.time)
            if record.text.hasPrefix(Self.violationPrefix) {
                let broken = String(record.text.dropFirst(Self.violationPrefix.count))
                return Row(
                    number: index + 1, time: time, shape: .mark(on: lane, label: record.text, fault: nil),
                    broken: broken)
            }
            let shape: Shape
            switch record.actor == "harness" ? ShellDecision(parsing: record.text) : nil {
            case .hangUp?: shape = .mark(on: lane, label: record.text, fault: .disconnect)
            case .advanceClock?: shape = .band(label: record.text, fault: .clockJump)
            case .storeFailing?: shape = .mark(on: lane, label: record.text, fault: .storeFailure)
            case .run?, .connect?, .type?, .send?, .read?, .stopReading?, .resumeReading?, .shutdown?, nil:
                shape = .mark(on: lane, label: record.text, fault: nil)
            }
            return Row(number: index + 1, time: time, shape: shape)
        }
    }

    /// Simulated time as the shell timeline prints it: seconds with six decimals.
    private static func seconds(_ time: Instant) -> String {
        let micros = time.nanoseconds / 1_000
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }

    /// How the scheduler words a broken invariant in the trace.
    private static let violationPrefix = "VIOLATION "

    /// A shell fixture's replay as a diagram.
    public init(shellFixture fixture: ShellFixture, file: String, report: ShellRunReport, verdict: String) {
        var lifelines = ["harness"] + fixture.threads
        let rows = Self.rows(for: report.timeline ?? [], lifelines: &lifelines)
        let setup = fixture.setup
        let plant = fixture.plant.map { " · planted: \($0.rawValue)" } ?? ""
        self.init(
            title: "parley replay \(file)",
            facts: [
                fixture.summary,
                "seed \(fixture.seed) · \(fixture.options.scheduler.rawValue) scheduler · \(setup.clients) clients · accounts \(setup.accounts.joined(separator: " ")) · rooms \(setup.roomNames.joined(separator: " ")) · \(fixture.decisions.count) decisions (of \(fixture.originalDecisions))\(plant)",
                "Steps are the shell timeline's records, numbered in order; times are its seconds.",
            ],
            lifelines: lifelines, rows: rows, verdict: verdict)
    }
}
