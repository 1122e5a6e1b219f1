import ChatCore

/// The ChatCore actors that a thread of their own serves.
protocol HostedActor: Sendable {
    associatedtype Message: Sendable
    mutating func receive(_ message: Message, now: Instant) -> [Effect]
}

extension Gate: HostedActor {}
extension Lobby: HostedActor {}
extension Room: HostedActor {}

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
    /// Carried out under the lock before the effects go out (the Lobby starts rooms here).
    private let prepare: ([Effect]) -> Void
    // Guarded by `lock`.
    private var actor: Actor

    init(_ actor: Actor, router: Router, clock: ServerClock, prepare: @escaping ([Effect]) -> Void = { _ in }) {
        self.actor = actor
        self.router = router
        self.clock = clock
        self.prepare = prepare
    }

    /// Runs the actor over the messages and carries out what it asks; returns whether
    /// `done` holds for the actor afterwards.
    @discardableResult
    func run(_ messages: some Collection<Actor.Message>, done: (Actor) -> Bool = { _ in false }) -> Bool {
        lock.withLock {
            var effects: [Effect] = []
            for message in messages { effects += actor.receive(message, now: clock.now()) }
            prepare(effects)
            router.deliver(effects)
            return done(actor)
        }
    }

    /// The actor's own thread: serves the mailbox until `done` holds (or it is closed).
    func serveMailbox(done: (Actor) -> Bool = { _ in false }) {
        while true {
            let batch = mailbox.takeAll()
            if run(batch, done: done) || batch.isEmpty { return }
        }
    }
}
