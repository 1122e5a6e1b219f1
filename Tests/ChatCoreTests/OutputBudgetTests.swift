import ChatCore
import Testing

/// The server-wide output budget: events in, the readers to close out, one rule a test;
/// then seeded runs checked against a model of their own, and a planted broken budget
/// those runs must catch and shrink.
@Suite("OutputBudget: the slowest readers closed first")
struct OutputBudgetTests {
    let a = SessionID(1), b = SessionID(2), c = SessionID(3)

    func queue(_ budget: inout OutputBudget, _ bytes: Int, _ session: SessionID, at now: Instant = t0) -> [SessionID] {
        var outputs: [OutputBudget.Output] = []
        budget.queued(bytes, for: session, now: now, into: &outputs)
        return outputs.map { output in
            switch output {
            case .close(let victim): victim
            }
        }
    }

    @Test("no reader is closed while the total is within the budget")
    func withinTheBudget() {
        var budget = OutputBudget(limit: 100)
        #expect(queue(&budget, 60, a) == [])
        #expect(queue(&budget, 40, b) == [])
        #expect(budget.total == 100)
    }

    @Test("past the budget the reader with the largest backlog is closed, and no longer counts")
    func largestFirst() {
        var budget = OutputBudget(limit: 100)
        _ = queue(&budget, 30, a)
        _ = queue(&budget, 50, b)
        #expect(queue(&budget, 30, c) == [b])
        #expect(budget.total == 60)
        #expect(budget.hasClosed(b))
        #expect(queue(&budget, 500, b) == [], "what a closed reader still queues is not counted")
        #expect(budget.total == 60)
    }

    @Test("of equal backlogs the reader behind the longest is closed first")
    func oldestOfEqualBacklogs() {
        var budget = OutputBudget(limit: 100)
        _ = queue(&budget, 40, b, at: t0 + .seconds(1))
        _ = queue(&budget, 40, a, at: t0 + .seconds(2))
        _ = queue(&budget, 10, c, at: t0 + .seconds(3))
        #expect(queue(&budget, 30, c, at: t0 + .seconds(4)) == [b])
    }

    @Test("readers are closed one by one until the total is back within the budget")
    func asManyAsNeeded() {
        var budget = OutputBudget(limit: 100)
        _ = queue(&budget, 45, a)
        _ = queue(&budget, 44, b)
        #expect(queue(&budget, 300, c) == [c])
        #expect(queue(&budget, 20, c) == [], "c is closed already")
        #expect(queue(&budget, 20, a) == [a])
        #expect(budget.total == 44)
    }

    @Test("bytes written give their room back, and a reader that caught up is behind since its next line")
    func writtenGivesBack() {
        var budget = OutputBudget(limit: 100)
        _ = queue(&budget, 80, a, at: t0)
        budget.written(80, by: a)
        #expect(budget.total == 0)
        _ = queue(&budget, 50, a, at: t0 + .seconds(5))
        _ = queue(&budget, 50, b, at: t0 + .seconds(2))
        #expect(queue(&budget, 1, c, at: t0 + .seconds(6)) == [b], "b has been behind longer than a")
    }

    @Test("a reader that ends is forgotten, closed or not")
    func endedIsForgotten() {
        var budget = OutputBudget(limit: 100)
        _ = queue(&budget, 70, a)
        budget.ended(a)
        #expect(budget.total == 0)
        #expect(queue(&budget, 70, b) == [])
        #expect(queue(&budget, 20, a) == [], "a new life for the id starts from nothing")
        #expect(budget.backlog(of: a) == 20)
    }

    // MARK: - Seeded runs against a model

    /// What a run does: readers queue lines, their peers take bytes, connections end.
    enum Event: Equatable, CustomStringConvertible {
        case queued(Int, SessionID, Instant)
        case written(Int, SessionID)
        case ended(SessionID)

        var description: String {
            switch self {
            case .queued(let n, let s, _): "\(s) queues \(n)"
            case .written(let n, let s): "\(s)'s peer takes \(n)"
            case .ended(let s): "\(s) ends"
            }
        }
    }

    /// A budget as the runs drive it: production's, or a planted broken one.
    typealias Budget = (limit: Int, apply: (Event) -> [SessionID])

    static func production(limit: Int) -> Budget {
        var budget = OutputBudget(limit: limit)
        return (
            limit,
            { event in
                var outputs: [OutputBudget.Output] = []
                switch event {
                case .queued(let n, let s, let now): budget.queued(n, for: s, now: now, into: &outputs)
                case .written(let n, let s): budget.written(n, by: s)
                case .ended(let s): budget.ended(s)
                }
                return outputs.map { output in
                    switch output {
                    case .close(let victim): victim
                    }
                }
            }
        )
    }

    /// Planted: closes the reader with the smallest backlog (the newest, say), not the slowest.
    static func closesTheFastest(limit: Int) -> Budget {
        var backlog: [SessionID: Int] = [:]
        var closed: Set<SessionID> = []
        return (
            limit,
            { event in
                switch event {
                case .queued(let n, let s, _):
                    guard !closed.contains(s) else { return [] }
                    backlog[s, default: 0] += n
                    var victims: [SessionID] = []
                    while backlog.values.reduce(0, +) > limit,
                        let fastest = backlog.min(by: { ($0.value, $0.key) < ($1.value, $1.key) })?.key
                    {
                        backlog[fastest] = nil
                        closed.insert(fastest)
                        victims.append(fastest)
                    }
                    return victims
                case .written(let n, let s):
                    if let held = backlog[s] { backlog[s] = held - min(n, held) == 0 ? nil : held - min(n, held) }
                    return []
                case .ended(let s):
                    backlog[s] = nil
                    closed.remove(s)
                    return []
                }
            }
        )
    }

    /// A run's events, drawn from its seed: a few readers, lines up to `maxLine` bytes.
    static func events(seed: UInt64, maxLine: Int) -> [Event] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<60).map { step in
            let session = SessionID(UInt64(1 + next(4)))
            let now = t0 + .milliseconds(Int64(step))
            switch next(10) {
            case 0..<6: return .queued(1 + next(maxLine), session, now)
            case 6..<9: return .written(1 + next(maxLine), session)
            default: return .ended(session)
            }
        }
    }

    /// The model: each reader's backlog and whether the budget closed it, from the events
    /// alone. Returns the first broken rule, if any.
    static func check(_ events: [Event], on budget: Budget, maxLine: Int) -> String? {
        var backlog: [SessionID: (bytes: Int, since: Instant)] = [:]
        var closed: Set<SessionID> = []
        for (index, event) in events.enumerated() {
            switch event {
            case .queued(let n, let s, let now) where !closed.contains(s):
                backlog[s] = ((backlog[s]?.bytes ?? 0) + n, backlog[s]?.since ?? now)
            case .queued: break
            case .written(let n, let s):
                if let held = backlog[s] { backlog[s] = held.bytes <= n ? nil : (held.bytes - n, held.since) }
            case .ended(let s):
                backlog[s] = nil
                closed.remove(s)
            }
            for victim in budget.apply(event) {
                let total = backlog.values.reduce(0) { $0 + $1.bytes }
                guard total > budget.limit else {
                    return "event \(index) (\(event)): \(victim) closed with \(total) bytes, within \(budget.limit)"
                }
                guard let mine = backlog[victim],
                    backlog.values.allSatisfy({
                        $0.bytes < mine.bytes || ($0.bytes == mine.bytes && $0.since >= mine.since)
                    })
                else {
                    return "event \(index) (\(event)): \(victim) closed, not among the slowest"
                }
                backlog[victim] = nil
                closed.insert(victim)
            }
            let total = backlog.values.reduce(0) { $0 + $1.bytes }
            guard total <= budget.limit + maxLine * 4 else {
                return "event \(index) (\(event)): \(total) bytes counted, past \(budget.limit) and a line a reader"
            }
        }
        return nil
    }

    /// Drops events while the run still fails, one at a time, until none can go.
    static func shrink(_ events: [Event], failing: ([Event]) -> Bool) -> [Event] {
        var events = events
        var index = 0
        while index < events.count {
            var fewer = events
            fewer.remove(at: index)
            if failing(fewer) { events = fewer } else { index += 1 }
        }
        return events
    }

    @Test("300 seeded runs hold: closes only past the budget, the slowest first, the total bounded")
    func seededRunsHold() {
        for seed in UInt64(1)...300 {
            let limit = 100 + Int(seed % 7) * 50
            let problem = Self.check(
                Self.events(seed: seed, maxLine: 80), on: Self.production(limit: limit), maxLine: 80)
            #expect(problem == nil, "seed \(seed): \(problem ?? "")")
        }
    }

    @Test("a planted budget that closes the fastest reader is caught and shrunk to a few events")
    func plantedBudgetIsCaught() {
        let failing = (UInt64(1)...300).first { seed in
            Self.check(Self.events(seed: seed, maxLine: 80), on: Self.closesTheFastest(limit: 150), maxLine: 80) != nil
        }
        guard let seed = failing else {
            Issue.record("no seed caught the planted budget")
            return
        }
        let shrunk = Self.shrink(Self.events(seed: seed, maxLine: 80)) {
            Self.check($0, on: Self.closesTheFastest(limit: 150), maxLine: 80) != nil
        }
        #expect(shrunk.count <= 4, "seed \(seed) shrunk to \(shrunk)")
        #expect(Self.check(shrunk, on: Self.production(limit: 150), maxLine: 80) == nil, "production holds there")
    }
}
