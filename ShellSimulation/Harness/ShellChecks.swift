import ChatCore

// Once faults stop: let everything drain, then check what must hold when nothing is left
// to happen; then shut the shell down and check that too.
extension ShellWorld {
    /// How long (simulated) an owed answer may wait with nothing but timeouts to bring it.
    static let stallLimit: Duration = .milliseconds(1500)

    /// Faults stop (the store recovers, every client reads and sends what it typed), then
    /// threads run (picked from the seed's settling stream) and the clock moves to the next
    /// deadline whenever nothing can run, until every open connection has its answers.
    /// Not recorded: it is a function of the seed and what came before.
    public func settle(picker: inout ThreadPicker, maxSlices: Int = 60_000) {
        guard violation == nil else { return }
        settling = true
        if storeFailing { apply(.storeFailing(false)) }
        for client in clients where !client.reading { apply(.resumeReading(client: client.number)) }
        var lastProgress = platform.now()
        var budget = maxSlices
        while violation == nil {
            let (progress, acted) = clientsAct()
            if progress { lastProgress = platform.now() }
            if violation != nil { return }
            let ready = scheduler.runnable
            if !ready.isEmpty {
                guard budget > 0 else {
                    return scheduler.fail(
                        .liveness,
                        "still busy \(maxSlices) slices after faults stopped; every thread: \(scheduler.waitsReport)")
                }
                budget -= 1
                scheduler.run(picker.pick(from: ready))
                continue
            }
            if acted { continue }
            let owed = owedAnswers
            checkTimersKept()
            if violation != nil { return }
            // An actor's thread that sleeps (the storage thread's commit window) still has
            // work in hand: quiescence is after it, not during it.
            if owed.isEmpty, !shutdownBegun || shutdownFinished, !actorThreadSleeps { break }
            guard let next = scheduler.earliestDeadline else {
                scheduler.checkDeadlock()
                if violation == nil {
                    scheduler.fail(
                        owed.isEmpty ? .deadlock : .liveness,
                        "nothing can run and nothing waits for a time\(owed.isEmpty ? "" : " while \(owed.joined(separator: "; "))"); every thread: \(scheduler.waitsReport)"
                    )
                }
                return
            }
            if !owed.isEmpty, next - lastProgress > ShellWorld.stallLimit {
                return scheduler.fail(
                    .stall,
                    "\(owed.joined(separator: "; ")), and for \(ShellWorld.stallLimit) nothing has come but timeouts: an event waits for a thread; every thread: \(scheduler.waitsReport)"
                )
            }
            if shutdownBegun, !shutdownFinished, next - lastProgress > .seconds(30) {
                return scheduler.fail(
                    .shutdown,
                    "the shutdown has not finished 30 s after the last client read; every thread: \(scheduler.waitsReport)"
                )
            }
            scheduler.advanceClock(to: next)
        }
    }

    /// How late a woken timer may be: a thread without a waker looks every 50 ms.
    static let timerSlack: Duration = .milliseconds(100)

    /// Before the clock moves with nothing runnable, and at quiescence: every session's
    /// timer has a thread that will wake for it.
    func checkTimersKept() {
        guard violation == nil, !shutdownBegun, scheduler.runnable.isEmpty,
            let lost = timerNobodyWakesFor(next: scheduler.earliestMeantDeadline)
        else { return }
        scheduler.fail(.lostTimer, "\(lost); every thread: \(scheduler.waitsReport)")
    }

    /// With nothing runnable: a session's timer (a stranger's login deadline) that no
    /// thread waits for, its own (running) or the parking lot's (parked): the earliest
    /// wait, as its thread meant it (a preemption between reading the clock and waiting
    /// makes any timeout late, and is not the shell's fault), ends after the timer is due,
    /// or none ends at all. Nothing will tick it then, so the deadline is not kept, whatever
    /// else happens to wake the session later.
    private func timerNobodyWakesFor(next: Instant?) -> String? {
        let now = platform.now()
        for (index, timer) in (shell?.sessionTimers ?? []).enumerated() {
            guard let timer else { continue }
            let due = max(timer, now)
            guard let next else {
                return "live session \(index + 1) has a timer due in \(timer - now), and no thread waits for a time"
            }
            if next > due + ShellWorld.timerSlack {
                return
                    "live session \(index + 1) has a timer due in \(timer - now), but no thread wakes for \(next - now)"
            }
        }
        return nil
    }

    /// Every client sends what it typed and reads what came, in client order.
    private func clientsAct() -> (progress: Bool, acted: Bool) {
        var progress = false, acted = false
        for client in clients {
            while apply(.send(client: client.number, bytes: Int.max)) { acted = true }
            while apply(.read(client: client.number, bytes: Int.max)) {
                progress = true
                acted = true
            }
        }
        return (progress, acted)
    }

    /// "c2.1 is owed 1 answer (to /join den)", for each open connection still owed.
    var owedAnswers: [String] {
        var owed: [String] = []
        for client in clients {
            for connection in client.connections
            where connection.isOpen && !connection.stream.serverClosed && connection.outstanding > 0 {
                let waiting = connection.sent.suffix(connection.outstanding).joined(separator: ", ")
                owed.append(
                    "\(connection.name) is owed \(connection.outstanding) answer\(connection.outstanding == 1 ? "" : "s") (to \(waiting))"
                )
            }
        }
        return owed
    }

    /// Quiescence: every answer came, every member present throughout read each message
    /// of its room, every whisper acknowledged reached its target, nothing refused was
    /// delivered or kept, every actor waits on an empty mailbox.
    public func checkQuiescence() {
        guard violation == nil else { return }
        let connections = clients.flatMap(\.connections)
        // First: texts stored out of order also leave an echo unpaired, hence owed.
        checkSendersOrder(connections)
        if violation != nil { return }
        if let owed = owedAnswers.first { return scheduler.fail(.liveness, owed) }
        for tag in messages.keys.sorted() {
            let message = messages[tag]!
            if message.failed {
                if !message.targetLeft, row(for: tag) != nil {
                    return scheduler.fail(
                        .storeBeforeDeliver, "\(tag) was refused to its sender, yet the store keeps it")
                }
                continue
            }
            guard let sentAt = message.sentAt, let acknowledgedAt = message.acknowledgedAt else { continue }
            if let room = message.room {
                for member in connections
                where member.name != message.connection && member.isOpen && member.room == room
                    && member.enteredAt < sentAt && (member.leavingSince.map { $0 > acknowledgedAt } ?? true)
                {
                    guard member.read.contains(tag) else {
                        return scheduler.fail(
                            .roomDelivery,
                            "\(member.name) was in \(room) from before \(tag) was sent until after its sender read it, and never got it"
                        )
                    }
                }
            } else if let target = message.whisperTo, message.deliveries.isEmpty {
                if let holder = connections.first(where: {
                    $0.isOpen && $0.account == target && $0.enteredAt < sentAt && $0.leavingSince == nil
                }) {
                    return scheduler.fail(
                        .whisperOutcome,
                        "\(tag) to \(target) was acknowledged, but \(holder.name), logged in as \(target) throughout, never got it"
                    )
                }
            }
            if message.deliveries.count > 1, message.room == nil {
                return scheduler.fail(
                    .whisperOutcome, "\(tag) reached \(message.deliveries.joined(separator: " and "))")
            }
        }
        checkMailboxesDrained()
    }

    /// Each connection's texts are stored in the order it typed them, room by room: its
    /// mail keeps its order on every channel, whichever thread runs the room's step (its
    /// own, the room's, the storage thread's).
    private func checkSendersOrder(_ connections: [ClientConnection]) {
        for connection in connections {
            var last: [String: (tag: String, id: Int64)] = [:]
            for line in connection.sent {
                guard case .text(let tag) = LineKind(line), let message = messages[tag],
                    message.connection == connection.name, !message.failed, let row = row(for: tag)
                else { continue }
                if let previous = last[row.room], previous.id > row.id {
                    return scheduler.fail(
                        .roomOrder,
                        "\(connection.name) typed \(previous.tag) before \(tag), yet \(row.room) stored \(tag) first (row \(row.id), then \(previous.id))"
                    )
                }
                last[row.room] = (tag, row.id)
            }
        }
    }

    /// The threads that serve a mailbox: the Gate's, the Lobby's, the rooms', the storage
    /// thread, the hashing pool's.
    static func servesMailbox(_ role: String) -> Bool {
        ["gate", "lobby", "storage"].contains(role) || role.hasPrefix("room") || role.hasPrefix("hash")
    }

    private var actorThreadSleeps: Bool {
        scheduler.liveThreads.contains { thread in
            guard ShellWorld.servesMailbox(thread.name), case .time = thread.wait else { return false }
            return true
        }
    }

    /// At quiescence each actor's thread waits on its mailbox's condition (an empty one:
    /// a post signals it). One waiting for anything else has work it cannot get to.
    private func checkMailboxesDrained() {
        // Mail posted quietly for a sender to run, and never run, owes no answer (a leave
        // at a hang-up): only the mailbox itself shows it.
        if !shutdownBegun, let waiting = shell?.actorsWithMailWaiting, !waiting.isEmpty {
            return scheduler.fail(
                .mailboxDrains,
                "at quiescence mail waits in the mailbox of \(waiting.joined(separator: ", ")), and nobody will take it"
            )
        }
        for thread in scheduler.liveThreads {
            let role = thread.name
            guard ShellWorld.servesMailbox(role) else { continue }
            switch thread.wait {
            case .signal(let condition, _) where condition.role.contains("mailbox") || condition.role.contains("hash"):
                continue
            case .signal:
                continue
            default:
                return scheduler.fail(
                    .mailboxDrains,
                    "at quiescence \(role) waits for \(thread.wait.describe(now: platform.now())), not for mail")
            }
        }
    }

    /// Stops the shell (if shutdown has not begun already), lets it finish with every
    /// client reading, and checks that every connection got its goodbye and was closed.
    public func shutDown(picker: inout ThreadPicker) {
        guard violation == nil else { return }
        let openAtShutdown = Set(
            clients.flatMap(\.connections).filter { $0.isOpen && !$0.stream.serverClosed }.map(\.name))
        if !shutdownBegun { apply(.shutdown) }
        settle(picker: &picker)
        guard violation == nil else { return }
        guard shutdownFinished else {
            return scheduler.fail(.shutdown, "stop() never returned; every thread: \(scheduler.waitsReport)")
        }
        // stop() returns once every session has retired; a retired session's connection
        // thread may still be in its close grace (a parked one resumed to close). They have
        // that long to close their streams, as the process would let them; every other
        // thread ends as its mailbox closes.
        finishThreads(picker: &picker)
        guard violation == nil else { return }
        // A stop that ran out of time (a starved schedule) leaves the actors' threads up for
        // what is still in flight, as it must; one that completed leaves nothing behind.
        if stopCompleted.value, let lingering = scheduler.liveThreads.first {
            return scheduler.fail(
                .shutdown,
                "\(lingering.name) still runs \(ShellWorld.closeGrace) after stop() returned, waiting for \(lingering.wait.describe(now: platform.now()))"
            )
        }
        // What was posted before stop() returned was handled: mail left in the Gate's, the
        // Lobby's or the store's mailbox once their threads ended (a logout's audit posted
        // after the store's last batch) is work the shutdown dropped.
        if stopCompleted.value, let waiting = shell?.actorsWithMailWaiting, !waiting.isEmpty {
            return scheduler.fail(
                .shutdown,
                "after stop() returned, mail waits in the mailbox of \(waiting.joined(separator: ", ")), whose thread has ended"
            )
        }
        for connection in clients.flatMap(\.connections) {
            guard connection.stream.serverClosed || connection.hungUp else {
                return scheduler.fail(.shutdown, "\(connection.name) is still open after stop()")
            }
            if openAtShutdown.contains(connection.name), !connection.hungUp, connection.sawBye == nil {
                return scheduler.fail(.shutdown, "\(connection.name) was closed without a BYE")
            }
        }
        for tag in messages.keys.sorted() where messages[tag]!.acknowledgedAt != nil && !messages[tag]!.failed {
            guard row(for: tag) != nil else {
                return scheduler.fail(
                    .storeBeforeDeliver, "\(tag) was acknowledged, but after stop() the store does not hold it")
            }
        }
    }

    /// After stop(): runs the threads still alive, clients reading, for up to the close
    /// grace (and a little) of simulated time, until no thread is left.
    private func finishThreads(picker: inout ThreadPicker) {
        let limit = platform.now() + ShellWorld.closeGrace + .milliseconds(100)
        var budget = 60_000
        while violation == nil, budget > 0, !scheduler.liveThreads.isEmpty {
            _ = clientsAct()
            if let next = scheduler.runnable.first.map({ _ in picker.pick(from: scheduler.runnable) }) {
                budget -= 1
                scheduler.run(next)
                continue
            }
            guard let deadline = scheduler.earliestDeadline, deadline <= limit else { return }
            scheduler.advanceClock(to: deadline)
        }
    }

    /// `ServerConfiguration.closeGrace`, which the harness leaves at its default.
    static let closeGrace: Duration = .seconds(2)
}
