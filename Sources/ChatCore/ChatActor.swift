/// The contract every ChatCore actor keeps, whoever drives it (production's threads, the
/// simulator's world, a test): one message at a time, with the time as an input, and
/// outputs of the actor's own type appended to the caller's buffer. An actor's output
/// type names only what that actor may ask for, so an effect it cannot produce does not
/// compile, and each shell carries outputs out in one exhaustive `switch`.
public protocol ChatActor: Sendable {
    associatedtype Message: Sendable
    associatedtype Output: Equatable, Sendable
    mutating func receive(_ message: Message, now: Instant, into outputs: inout [Output])
}

extension ChatActor {
    /// The same, into a new buffer: for tests and for paths where no buffer is reused.
    public mutating func receive(_ message: Message, now: Instant) -> [Output] {
        var outputs: [Output] = []
        receive(message, now: now, into: &outputs)
        return outputs
    }
}
