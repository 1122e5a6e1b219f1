import ChatCore
import ParleyPlatform

/// The ChatCore actors that a thread of their own serves, and how the shell carries out
/// each kind's outputs: one exhaustive `switch` per kind, in `HostedActors.swift`.
protocol HostedActor: ChatActor {
    /// Whether the message is a store reply (whose order the storage thread keeps).
    static func isStoreReply(_ message: Message) -> Bool
    /// Carries out one run's outputs, in order, under the actor's lock.
    static func carryOut<P: Platform>(_ outputs: [Output], of actor: Self, router: Router<P>)
    /// True once the actor has said its last output (`.retire`): it takes no more mail.
    var hasRetired: Bool { get }
}

/// An actor, its mailbox and its lock. Its own thread drains the mailbox; the storage
/// thread runs the store's replies directly, under the same lock, right after its
/// commit, which spares a message one thread hand-off between being stored and being
/// delivered. Outputs are carried out before the lock is released, so the mail the actor
/// sends keeps its order on every channel whichever thread ran it. Lock order: an
/// actor's lock, then sessions' locks (fan-out); nothing takes an actor's lock while
/// holding a session's, and actors mail each other through mailboxes only.
final class ActorHost<Actor: HostedActor, P: Platform>: @unchecked Sendable {
    let mailbox: BlockingMailbox<Actor.Message, P>
    private let lock: P.Lock
    private let platform: P
    private let router: Router<P>
    /// Carried out after the lock is released (the Lobby starts rooms' threads here: that
    /// may have to wait, and nothing may wait while holding an actor's lock).
    private let afterRun: ([Actor.Output]) -> Void
    /// How many sessions a run may fan out to (members), read without the lock.
    private let reach: (Actor) -> Int
    private let lastReach: P.AtomicInt
    /// Store replies posted to the mailbox and not yet run.
    private let repliesWaiting: P.AtomicInt
    /// Senders' threads that have posted mail they have not yet run or handed on
    /// (`beginSenderRun` to the end of `runPostedMail`).
    private let senderRuns: P.AtomicInt
    // Guarded by `lock`.
    private var actor: Actor

    /// `role` names the actor by kind ("gate", "lobby", "room").
    init(
        _ actor: Actor, role: String, platform: P, router: Router<P>, reach: @escaping (Actor) -> Int = { _ in 1 },
        afterRun: @escaping ([Actor.Output]) -> Void = { _ in }
    ) {
        self.actor = actor
        self.platform = platform
        self.router = router
        self.reach = reach
        self.afterRun = afterRun
        mailbox = BlockingMailbox(platform: platform, role: role)
        lock = platform.makeLock(role: role)
        lastReach = platform.makeAtomic(0, role: role + " reach")
        repliesWaiting = platform.makeAtomic(0, role: role + " replies waiting")
        senderRuns = platform.makeAtomic(0, role: role + " sender runs")
    }

    /// Whether the storage thread may run a reply here now: the fan-out is small (one big
    /// room must not hold up the next commit and every other room), and no reply posted
    /// to the mailbox earlier is still waiting (the store's order on this channel).
    var runsInline: Bool {
        lastReach.load() <= router.inlineReach && repliesWaiting.load() == 0
    }

    /// Store replies for the actor's own thread to run, counted so none is overtaken.
    func postReplies(_ replies: [Actor.Message]) {
        repliesWaiting.add(replies.count)
        mailbox.post(contentsOf: replies)
    }

    /// Runs the actor over the messages and carries out what it asks. Mail that reaches a
    /// retired actor (a sender that looked it up just before it retired) is dropped, as
    /// the simulator drops mail for a retired actor.
    func run(_ messages: some Collection<Actor.Message>) {
        afterRun(lock.withLock { runLocked(messages) })
    }

    /// Under the lock.
    private func runLocked(_ messages: some Collection<Actor.Message>) -> [Actor.Output] {
        var outputs: [Actor.Output] = []
        for message in messages where !actor.hasRetired {
            actor.receive(message, now: platform.now(), into: &outputs)
        }
        Actor.carryOut(outputs, of: actor, router: router)
        lastReach.store(reach(actor))
        return outputs
    }

    /// Under the lock: takes what the mailbox holds and runs it. Taking under the lock is
    /// what keeps each channel's order when more than one thread runs the mailbox (the
    /// actor's own, and a sender's through `runPostedMail`): whoever takes, runs, before
    /// anyone can take what was posted after.
    private func takeAndRunLocked() -> [Actor.Output] {
        let batch = mailbox.takeAvailable()
        guard !batch.isEmpty else { return [] }
        let outputs = runLocked(batch)
        // Only now may the storage thread run the next reply itself.
        let replies = batch.reduce(0) { $0 + (Actor.isStoreReply($1) ? 1 : 0) }
        if replies > 0 { repliesWaiting.add(-replies) }
        return outputs
    }

    /// A sender's thread will post mail here (`postForSender`) and then run it
    /// (`runPostedMail`), once per round of its own; until then the actor is not settled.
    func beginSenderRun() {
        senderRuns.add(1)
    }

    /// Mail a session posts from its connection's own thread, under its lock, for that
    /// thread to run once it holds no lock (`runPostedMail`): the room's step then runs
    /// on the sender's thread, with no hand-off to the room's thread.
    func postForSender(_ message: Actor.Message) {
        mailbox.postQuietly(message)
    }

    /// Called holding no lock, after `beginSenderRun` and `postForSender`: runs what the
    /// mailbox holds on this thread if the actor is free, else wakes the actor's thread.
    /// The holder that made the try fail (another sender, the storage thread with a
    /// reply) may have taken its batch before this mail was posted, and would not look at
    /// the mailbox again.
    func runPostedMail() {
        defer { senderRuns.add(-1) }
        guard lock.tryLock() else { return mailbox.wakeTaker() }
        let outputs = takeAndRunLocked()
        lock.unlock()
        afterRun(outputs)
    }

    /// Every message posted so far has been run, by the actor's thread or a sender's (the
    /// shutdown waits for the Gate's and the Lobby's). The mailbox first: a sender's run
    /// that took the last mail is still counted when the mailbox looks settled.
    var isSettled: Bool {
        mailbox.isSettled && senderRuns.load() == 0
    }

    /// The actor's own thread: serves the mailbox until it is closed and drained (a room's
    /// `.retire` closes it; the others' at shutdown).
    func serveMailbox() {
        while mailbox.waitForMail() {
            afterRun(lock.withLock { takeAndRunLocked() })
        }
    }
}
