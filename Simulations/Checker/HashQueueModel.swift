import ChatCore

/// The checker's own model of the Gate's hashing queue, from what it saw the Gate do: a
/// job waits from the step the store's answer left the Gate with nothing to say to the
/// session (a login's verify, a registration's hash) until the Gate sends it to the pool
/// or drops it for a session that abandoned its login. The documented order: the next job
/// comes from the address served least recently, an address that has had nothing waiting
/// or at the pool since starting afresh, ties going to the address that began waiting
/// first; an address with a job at the pool (unless exempt), or whose waiting jobs are all
/// checks of accounts already at the pool, is not in line.
struct HashQueueModel: Hashable, Sendable {
    struct Waiting: Hashable, Sendable {
        /// The exact address's number and, for a login's check, the account's (LoginLedger).
        let address: Int
        let account: Int?
    }

    private(set) var waiting: [Ticket: Waiting] = [:]
    /// Per address in line: when it was last served (a serial number) and when it began
    /// waiting (another); absent: never since it was idle, and not waiting.
    private var lastServed: [Int: Int] = [:]
    private var began: [Int: Int] = [:]
    private var serial = 0

    mutating func enter(_ ticket: Ticket, _ job: Waiting) {
        if began[job.address] == nil {
            serial += 1
            began[job.address] = serial
        }
        waiting[ticket] = job
    }

    /// Where an address stands in line: smaller goes first.
    func turn(of address: Int) -> (served: Int, began: Int) {
        (lastServed[address] ?? 0, began[address] ?? Int.max)
    }

    /// The job left the queue for the pool.
    mutating func served(_ ticket: Ticket, from address: Int) {
        waiting[ticket] = nil
        serial += 1
        lastServed[address] = serial
        if !waiting.values.contains(where: { $0.address == address }) { began[address] = nil }
    }

    /// The job left the queue unserved (its session abandoned the login).
    mutating func dropped(_ ticket: Ticket, atPool: Bool) {
        guard let job = waiting.removeValue(forKey: ticket) else { return }
        if !waiting.values.contains(where: { $0.address == job.address }) {
            began[job.address] = nil
            if !atPool { lastServed[job.address] = nil }
        }
    }

    /// The pool answered a job of `address`: with nothing else there or waiting, the
    /// address starts afresh.
    mutating func answered(from address: Int, stillAtPool: Bool) {
        guard !stillAtPool, !waiting.values.contains(where: { $0.address == address }) else { return }
        lastServed[address] = nil
        began[address] = nil
    }
}
