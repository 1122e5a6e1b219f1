import ChatCore

// A core run's recorded steps as a diagram. Each step's decision says who sent to whom
// (or which fault struck); the step's own words label the arrow.
extension SequenceDiagram {
    /// Lifelines in reading order: each client beside its sessions, then the gate, the
    /// hasher, the lobby, the rooms and the store.
    public static func lifelines(for steps: [StepRecord], clients: Int) -> [String] {
        var sessions = Set<ConnectionName>(), rooms = Set<RoomID>()
        for step in steps {
            switch step.decision {
            case .deliver(let from, let to, _):
                for endpoint in [from, to] {
                    switch endpoint {
                    case .session(let name): sessions.insert(name)
                    case .room(let id): rooms.insert(id)
                    case .gate, .lobby, .store: break
                    }
                }
            case .receive(let name, _), .lose(let name), .read(let name), .tick(let name), .hash(let name):
                sessions.insert(name)
            case .connect, .type, .hangUp, .stopReading, .resumeReading, .advanceClock, .storeFailing: break
            }
        }
        var names: [String] = []
        for client in 1...max(clients, sessions.map(\.client).max() ?? 0, 1) {
            names.append("c\(client)")
            names += sessions.filter { $0.client == client }.sorted().map(\.description)
        }
        names += ["gate", "hasher", "lobby"]
        names += rooms.sorted { $0.rawValue < $1.rawValue }.map(\.description)
        return names + ["store"]
    }

    /// One row per step, numbered as `TimelineText` numbers them.
    public static func rows(for steps: [StepRecord], lifelines: inout [String]) -> [Row] {
        steps.map { step in
            let broken = step.violation.flatMap { violation in
                violation.step == step.step ? "\(violation.invariant.rawValue): \(violation.detail)" : nil
            }
            return Row(
                number: step.step, time: step.time.description, shape: shape(of: step, lifelines: &lifelines),
                effects: step.effects, settling: step.settling, broken: broken)
        }
    }

    private static func shape(of step: StepRecord, lifelines: inout [String]) -> Shape {
        func lane(_ name: String) -> Int { SequenceDiagram.lane(name, in: &lifelines) }
        func client(_ name: ConnectionName) -> Int { lane("c\(name.client)") }
        func words(after prefix: String) -> String {
            step.event.hasPrefix(prefix) ? String(step.event.dropFirst(prefix.count)) : step.event
        }
        switch step.decision {
        case .deliver(let from, let to, _):
            let lost = step.event.hasPrefix("has retired")
            return .arrow(
                from: lane(from.description), to: lane(to.description),
                label: lost ? words(after: "has retired; lost: ") : words(after: "← \(from): "), lost: lost, fault: nil)
        case .receive(let name, _):
            return .arrow(
                from: client(name), to: lane(name.description), label: words(after: "← net: "), lost: false, fault: nil)
        case .lose(let name):
            return .arrow(
                from: client(name), to: lane(name.description), label: words(after: "← net: "), lost: false,
                fault: .disconnect)
        case .read(let name):
            return .arrow(from: lane(name.description), to: client(name), label: step.event, lost: false, fault: nil)
        case .hash:
            return .arrow(
                from: lane("hasher"), to: lane("gate"), label: words(after: "← hasher: "), lost: false, fault: nil)
        case .tick(let name):
            return .mark(on: lane(name.description), label: "tick", fault: nil)
        case .hangUp(let number, _):
            return .mark(on: lane("c\(number)"), label: step.event, fault: .disconnect)
        case .connect(let number), .type(let number, _), .stopReading(let number), .resumeReading(let number):
            return .mark(on: lane("c\(number)"), label: step.event, fault: nil)
        case .advanceClock:
            return .band(label: "clock \(step.event)", fault: .clockJump)
        case .storeFailing:
            return .mark(on: lane("store"), label: step.event, fault: .storeFailure)
        }
    }

    /// A planted bug's fixture replays green outside the tests (the broken actor lives
    /// only there), so its page marks the step the fixture recorded as broken instead,
    /// and says so: "room-delivery at step 46: ..." from the fixture's `violation`.
    static func markPlantedBreak(_ fixture: Fixture, in rows: inout [Row]) {
        guard let plant = fixture.plant, !rows.contains(where: { $0.broken != nil }),
            let recorded = fixture.violation, let at = recorded.range(of: " at step "),
            let colon = recorded[at.upperBound...].firstIndex(of: ":"),
            let step = Int(recorded[at.upperBound..<colon]),
            let index = rows.firstIndex(where: { $0.number == step })
        else { return }
        let invariant = recorded[..<at.lowerBound]
        let message = recorded[recorded.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        rows[index].broken =
            "\(invariant): \(message) (with the planted \(plant), which lives in the tests; production's actors hold here)"
    }

    /// A core fixture's replay as a diagram.
    public init(fixture: Fixture, file: String, result: ReplayResult, verdict: String) {
        let steps = result.timeline ?? []
        var lifelines = Self.lifelines(for: steps, clients: fixture.world.clients)
        var rows = Self.rows(for: steps, lifelines: &lifelines)
        Self.markPlantedBreak(fixture, in: &rows)
        let world = fixture.world
        let plant = fixture.plant.map { " · planted: \($0)" } ?? ""
        self.init(
            title: "parley replay \(file)",
            facts: [
                fixture.summary,
                "seed \(fixture.seed) · \(fixture.options.scheduler.rawValue) scheduler · faults \(fixture.options.faults ? "on" : "off") · \(world.clients) clients · accounts \(world.accounts.joined(separator: " ")) · rooms \(world.roomNames.joined(separator: " ")) · \(fixture.decisions.count) decisions (of \(fixture.originalDecisions))\(plant)",
            ],
            lifelines: lifelines, rows: rows, verdict: verdict)
    }
}
