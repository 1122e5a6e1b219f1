import ChatCore

// Each step: counted, hashed into the trace, and, when asked, written to the timeline.
extension World {
    mutating func beginStep() {
        steps += 1
    }

    /// Ends a step. `story` names the actor, the event and its outputs for the timeline; it
    /// is called only when a timeline is kept, so a fast run builds no strings.
    mutating func endStep(_ decision: Decision, story: (World) -> (actor: String, event: String, effects: [String])) {
        // The effects went into the trace as they were performed.
        trace.combine(decision)
        stepHashes?.append(trace.value)
        if !settling { applied?.append(decision) }
        if timeline != nil {
            let (actor, event, effects) = story(self)
            timeline!.append(
                StepRecord(
                    step: steps, time: now, decision: decision, actor: actor, event: event,
                    effects: effects, settling: settling, violation: violation
                ))
        }
    }

    /// Records a broken invariant; the first one ends the run.
    mutating func fail(_ invariant: Invariant, _ detail: String) {
        guard violation == nil else { return }
        violation = Violation(invariant: invariant, step: steps, detail: detail)
    }
}

/// One step of a run as a person reads it.
public struct StepRecord: Sendable {
    public let step: Int
    public let time: Instant
    /// The choice this step carried out: who sent what to whom, or which fault struck.
    public let decision: Decision
    /// Who acted: a client (c2), a connection's session (c2.1), an actor (gate, lobby, r1, store), the clock.
    public let actor: String
    public let event: String
    public let effects: [String]
    /// Faults had stopped; the world was settling in a fixed order.
    public let settling: Bool
    /// The invariant this step broke, if it was the first.
    public let violation: Violation?
}
