/// One hazard a configuration of the simulator is meant to reach: a campaign of at
/// least `within` runs that never meets it fails (FoundationDB's rare code probes). A
/// checker whose hazard never happens tests nothing, so this is a failure, not a note.
public struct CoverageProbe<H: RawRepresentable & Hashable & Sendable>: Sendable where H.RawValue == String {
    public let hazard: H
    /// Runs within which the hazard must have been met at least once.
    public let within: Int

    public init(_ hazard: H, within: Int) {
        precondition(within > 0, "a probe needs a number of runs")
        self.hazard = hazard
        self.within = within
    }
}

/// What a campaign's hazard counts say against its probes.
public struct CoverageVerdict: Sendable {
    public let configuration: String
    /// Probes the campaign was long enough for, and those of them never met.
    public let checked: Int
    public let missed: [String]
    /// Probes the campaign was too short for.
    public let tooShort: Int

    public var passed: Bool { missed.isEmpty }

    /// One line: which probes held, or which hazards were never met.
    public var report: String {
        let short = tooShort > 0 ? " (\(tooShort) more need a longer campaign)" : ""
        guard passed else {
            return
                "COVERAGE FAILED (\(configuration)): never met \(missed.joined(separator: ", ")): the checker of a hazard that never happens tests nothing\(short)"
        }
        return "coverage (\(configuration)): \(checked) required hazards met\(short)"
    }

    /// Checks counts against probes: a probe counts once the campaign has run `within` runs.
    public static func check<H>(
        _ probes: [CoverageProbe<H>], runs: Int, configuration: String, count: (H) -> Int
    ) -> CoverageVerdict {
        let due = probes.filter { runs >= $0.within }
        let missed = due.filter { count($0.hazard) == 0 }.map {
            "\($0.hazard.rawValue) (required within \($0.within) runs)"
        }
        return CoverageVerdict(
            configuration: configuration, checked: due.count, missed: missed, tooShort: probes.count - due.count)
    }
}

/// The hazards each configuration of the core simulator must reach: the data behind
/// the coverage check of `parley sim --seeds` and `parley sim --exhaustive`.
public enum HazardCoverage {
    /// The swarm's configurations (clients drawn per seed), random and PCT alike. `within`
    /// is about six times the mean gap between seeds that met the hazard over 2,000 seeds
    /// of each scheduler (README, "Coverage"), so a miss by bad luck is about e^-6 (0.25%)
    /// and a miss is most likely a change that stopped the race from happening.
    static func core(_ scheduler: SimulationOptions.SchedulerKind, faults: Bool) -> [CoverageProbe<Hazard>] {
        let always: [CoverageProbe<Hazard>] = [
            CoverageProbe(.joinRacingLastLeave, within: 300),
            // Rarer under PCT since the swarm mixes in IRC clients: 31 seeds in 4,000 (random: 5 in 300).
            CoverageProbe(.createRacingCreate, within: scheduler == .pct ? 800 : 300),
            CoverageProbe(.secondLogin, within: 20),
            CoverageProbe(.logoutRacingLogin, within: 20),
            CoverageProbe(.messageAfterLeaving, within: 100),
            CoverageProbe(.whisperTargetLeft, within: 150),
            CoverageProbe(.loginThrottled, within: 20),
            CoverageProbe(.registrationThrottled, within: 150),
            CoverageProbe(.loginQueued, within: 20),
            CoverageProbe(.guessWindowReopened, within: 50),
            // A /history out at its member's leave: 124 and 143 seeds in 3,000 (random, PCT).
            CoverageProbe(.historyOutAtLeave, within: 150),
            // IRC clients' races (the swarm mixes IRC and Parley clients in nine seeds in ten);
            // measured over 10,000 seeds of each scheduler (README, "IRC and Parley clients").
            CoverageProbe(.ircSecondJoinInFlight, within: 100),
            CoverageProbe(.ircWhisperAbsentNick, within: 400),
            CoverageProbe(.ircJoinWhileInRoom, within: 500),
            // A PART's race needs a chatty temporary room: random 3 to 5 in 10,000 seeds, PCT 0 to 1.
            CoverageProbe(.ircPartRacingMessage, within: scheduler == .pct ? 80_000 : 10_000),
            // A QUIT's race is rarer under PCT (3 in 10,000 seeds; random: 19).
            CoverageProbe(.ircQuitRacingMessage, within: scheduler == .pct ? 20_000 : 3_500),
            // Messages in flight behind a PART or JOIN: 183 and 182 seeds in 3,000 (PCT, random).
            CoverageProbe(.ircMoveBehindMessages, within: 100),
            // A lifted ban meeting the account's next login: 16 and 29 seeds in 10,000 (random, PCT).
            CoverageProbe(.loginAfterUnban, within: 4_000),
        ]
        guard faults else { return always }
        return always + [
            CoverageProbe(.disconnectMidMove, within: 60),
            CoverageProbe(.storeFailure, within: 50),
            CoverageProbe(.slowReader, within: 150),
            CoverageProbe(.flood, within: 1_000),
            CoverageProbe(.loginAbandoned, within: 50),
            // A connection ending behind a /leave: 61 and 28 seeds in 5,000 (random, PCT).
            CoverageProbe(.leaveRacingQuit, within: scheduler == .pct ? 1_100 : 500),
            // An outbox filled to exactly its limit, or a line one byte over: 28 and 35 in 10,000.
            CoverageProbe(.outboxEdge, within: 2_500),
            // A history read the store failed: 570 seeds in 2,000 (random); an arrival whose
            // failed read had missed messages, 14 and 17 in 4,000 (random, PCT).
            CoverageProbe(.historyReadFailed, within: 25),
            CoverageProbe(.missedLiveAfterFailedRead, within: 1_500),
        ]
    }

    /// An exhaustive scope must reach every hazard its bounds allow: every sequence of
    /// the scope is run, so one that is never met is never possible there.
    static func exhaustive(_ scope: ExhaustiveScope) -> [CoverageProbe<Hazard>] {
        var hazards: [Hazard] = []
        if scope.clients >= 2, scope.commands >= 1 { hazards += [.createRacingCreate] }
        if scope.clients >= 2, scope.commands >= 2 { hazards += [.joinRacingLastLeave, .messageAfterLeaving] }
        // A login is a move a hang-up can meet; a store write needs a room and a message.
        if scope.faults >= 1 { hazards += [.disconnectMidMove] }
        if scope.faults >= 1, scope.commands >= 2 { hazards += [.storeFailure] }
        return hazards.map { CoverageProbe($0, within: 1) }
    }

    /// Checks a core campaign's counts. Requirements are written for the swarm as it
    /// draws clients; a campaign with `--clients` or `--irc-clients` fixed is reported, not judged.
    public static func check(_ counts: [Hazard: Int], runs: Int, options: SimulationOptions) -> CoverageVerdict {
        let name = "core \(options.scheduler.rawValue)\(options.faults ? "" : ", no faults")"
        let drawn = options.clients == nil && options.ircClients == nil
        let probes = drawn ? core(options.scheduler, faults: options.faults) : []
        return CoverageVerdict.check(probes, runs: runs, configuration: name) { counts[$0] ?? 0 }
    }

    public static func check(_ counts: [Hazard: Int], runs: Int, scope: ExhaustiveScope) -> CoverageVerdict {
        CoverageVerdict.check(exhaustive(scope), runs: runs, configuration: "exhaustive") { counts[$0] ?? 0 }
    }
}
