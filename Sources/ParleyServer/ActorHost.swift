import ChatCore
import Synchronization

/// The ChatCore actors that a thread of their own serves.
protocol HostedActor: Sendable {
    associatedtype Message: Sendable
    mutating func receive(_ message: Message, now: Instant) -> [Effect]
    /// Whether the message is a store reply (whose order the storage thread keeps).
    static func isStoreReply(_ message: Message) -> Bool
}

extension Gate: HostedActor {
    static func isStoreReply(_ message: GateMessage) -> Bool {
        if case .store = message { return true } else { return false }
    }
}

extension Lobby: HostedActor {
    static func isStoreReply(_ message: LobbyMessage) -> Bool {
        if case .store = message { return true } else { return false }
    }
}

extension Room: HostedActor {
    static func isStoreReply(_ message: RoomMessage) -> Bool {
        if case .store = message { return true } else { return false }
    }
}

/// An actor, its mailbox and its lock. Its own thread drains the mailbox; the storage
/// thread runs the store's replies directly, under the same lock, right after its
/// commit, which spares a message one thread hand-off between being stored and being
/// delivered. Effects are carried out before the lock is released, so the mail the actor
/// sends keeps its order on every channel whichever thread ran it. Lock order: an
/// actor's lock, then sessions' locks (fan-out); nothing takes an actor's lock while
/// holding a session's, and actors mail each other through mailboxes only.
final class ActorHost<Actor: HostedActor>: @unchecked Sendable {
    let mailbox = BlockingMailbox<Actor.Message>()
    private let lock = Lock()
    private let router: Router
    private let clock: ServerClock
    /// Carried out under the lock before the effects go out (the Lobby registers rooms here).
    private let prepare: ([Effect]) -> Void
    /// Carried out after the lock is released (the Lobby starts rooms' threads here: that
    /// may have to wait, and nothing may wait while holding an actor's lock).
    private let finish: ([Effect]) -> Void
    /// How many sessions a run may fan out to (members), read without the lock.
    private let reach: (Actor) -> Int
    private let lastReach = Atomic<Int>(0)
    /// Store replies posted to the mailbox and not yet run.
    private let repliesWaiting = Atomic<Int>(0)
    // Guarded by `lock`.
    private var actor: Actor

    init(_ actor: Actor, router: Router, clock: ServerClock, reach: @escaping (Actor) -> Int = { _ in 1 },
         prepare: @escaping ([Effect]) -> Void = { _ in }, finish: @escaping ([Effect]) -> Void = { _ in }) {
        self.actor = actor
        self.router = router
        self.clock = clock
        self.reach = reach
        self.prepare = prepare
        self.finish = finish
    }

    /// Fan-outs up to this many sessions may be run by the storage thread itself.
    static var inlineReach: Int { 128 }

    /// Whether the storage thread may run a reply here now: the fan-out is small (one big
    /// room must not hold up the next commit and every other room), and no reply posted
    /// to the mailbox earlier is still waiting (the store's order on this channel).
    var runsInline: Bool {
        lastReach.load(ordering: .relaxed) <= ActorHost.inlineReach && repliesWaiting.load(ordering: .acquiring) == 0
    }

    /// Store replies for the actor's own thread to run, counted so none is overtaken.
    func postReplies(_ replies: [Actor.Message]) {
        repliesWaiting.add(replies.count, ordering: .releasing)
        mailbox.post(contentsOf: replies)
    }

    /// Runs the actor over the messages and carries out what it asks; returns whether
    /// `done` holds for the actor afterwards.
    @discardableResult
    func run(_ messages: some Collection<Actor.Message>, done: (Actor) -> Bool = { _ in false }) -> Bool {
        let (effects, isDone) = lock.withLock {
            var effects: [Effect] = []
            for message in messages { effects += actor.receive(message, now: clock.now()) }
            prepare(effects)
            router.deliver(effects)
            lastReach.store(reach(actor), ordering: .relaxed)
            return (effects, done(actor))
        }
        finish(effects)
        return isDone
    }

    /// The actor's own thread: serves the mailbox until `done` holds (or it is closed).
    func serveMailbox(done: (Actor) -> Bool = { _ in false }) {
        while true {
            let batch = mailbox.takeAll()
            let finished = run(batch, done: done)
            // Only now may the storage thread run the next reply itself.
            let replies = batch.reduce(0) { $0 + (Actor.isStoreReply($1) ? 1 : 0) }
            if replies > 0 { repliesWaiting.subtract(replies, ordering: .releasing) }
            if finished || batch.isEmpty { return }
        }
    }
}
