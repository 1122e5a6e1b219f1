/// A run's steps as lines a person can follow: time, who acted, what happened, and
/// under each step what it caused. Settling steps come after a rule.
public enum TimelineText {
    public static func render(_ records: [StepRecord]) -> [String] {
        var lines = [" step  time      who      what"]
        var settling = false
        for record in records {
            if record.settling, !settling {
                settling = true
                lines.append(" ── faults stop; everything drains in a fixed order ──")
            }
            let step = pad(String(record.step), 5, left: true)
            let time = pad(record.time.description, 9)
            lines.append("\(step)  \(time) \(pad(record.actor, 8)) \(record.event)")
            for effect in record.effects { lines.append(String(repeating: " ", count: 32) + effect) }
            if let violation = record.violation, violation.step == record.step {
                lines.append(
                    String(repeating: " ", count: 7) + "✗ broke \(violation.invariant.rawValue): \(violation.detail)")
            }
        }
        return lines
    }

    private static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let gap = String(repeating: " ", count: max(0, width - text.count))
        return left ? gap + text : text + gap
    }

    /// A trace hash as `parley sim` prints it: 16 hex digits.
    public static func hash(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
