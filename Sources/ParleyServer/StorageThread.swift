import ChatCore
import Logging
import ParleyPlatform
import ParleyStore

/// The one thread that writes the database. It serves the Store's requests in the
/// order they were posted, in batches: everything waiting when it wakes goes into one
/// transaction (group commit), each request in its own savepoint so one failure does
/// not undo the others. Replies are sent only after the commit: a message is durable
/// before any room delivers it.
final class StorageThread<P: Platform>: @unchecked Sendable {
    private let database: ParleyDatabase
    private let router: Router<P>
    private let platform: P
    private let logger: Logger

    init(database: ParleyDatabase, router: Router<P>, logger: Logger) {
        self.database = database
        self.router = router
        self.platform = router.platform
        self.logger = logger
    }

    /// Group commit, paced by the backlog. A batch waits out the rest of `window` after
    /// the previous batch began only when requests were already queued as that previous
    /// batch finished (the thread is not keeping up on its own): then the commit, and each
    /// member's write of the fan-out after it, carry several messages (one TLS record and
    /// one send per member per batch; those system calls are most of what a delivery
    /// costs). When nothing was queued behind the last batch, whatever comes next (a quiet
    /// room's line, say) is committed at once. The measure is the queue itself, at the
    /// moment it matters: not a CPU share averaged over time, which once high held every
    /// room's lines, busy or not, for as long as it stayed high.
    func start(window: Duration) -> Bool {
        platform.spawnThread(name: "parley-store", stackSize: 1 << 20) { [self] in
            var previousStart: Instant?
            while true {
                let (taken, wasQueued) = router.store.takeAllNotingBacklog()
                var batch = taken
                if batch.isEmpty { return }
                if wasQueued, let previousStart, window > .zero {
                    let wait = window - (platform.now() - previousStart)
                    if wait > .zero {
                        platform.sleep(for: wait)
                        batch += router.store.takeAvailable()
                    }
                }
                previousStart = platform.now()
                serve(batch)
            }
        }
    }

    private func serve(_ batch: [StorageInbox<P>]) {
        var replies: [Mail] = []
        var barriers: [Barrier<P>] = []
        let requests = batch.compactMap { item -> StoreRequest? in
            switch item {
            case .request(let request): return request
            case .barrier(let barrier):
                barriers.append(barrier)
                return nil
            }
        }
        do {
            // A batch of barriers alone needs no transaction (and must not wait for a lock).
            if !requests.isEmpty {
                try database.withTransaction {
                    for request in requests {
                        if let reply = execute(request) { replies.append(reply) }
                    }
                }
            }
        } catch {
            // The commit itself failed: nothing of this batch is durable, so nothing
            // of it may be acknowledged.
            logger.error("store commit failed; \(requests.count) requests refused", metadata: ["error": "\(error)"])
            replies = requests.compactMap(StorageThread.failure)
        }
        router.deliverStoreReplies(replies)
        // Replies run here may have posted more for the store (audits): a barrier waits
        // behind them, so it is signalled only when everything before it is committed.
        if router.store.isEmpty {
            for barrier in barriers { barrier.signal() }
        } else {
            for barrier in barriers { router.store.post(.barrier(barrier)) }
        }
    }

    /// One request in its own savepoint; a failure is logged and answered, never dropped.
    private func execute(_ request: StoreRequest) -> Mail? {
        do {
            return try database.withSavepoint { try perform(request) }
        } catch {
            logger.error("store request failed", metadata: ["request": "\(request.kind)", "error": "\(error)"])
            return StorageThread.failure(request)
        }
    }

    private func perform(_ request: StoreRequest) throws -> Mail? {
        switch request {
        case .createAccount(let ticket, let name, let hash, let at, let replyTo):
            let created = try database.createAccount(
                name: name.text, nameKey: name.key, passwordHash: hash.encoded, atMs: platform.epochMilliseconds(at))
            return Mail.storeReply(
                to: replyTo, created == .created ? .accountCreated(ticket, name) : .accountNameTaken(ticket))
        case .fetchAccount(let ticket, let name, let replyTo):
            guard let account = try database.account(nameKey: name.key), let stored = Name(account.name) else {
                return Mail.storeReply(to: replyTo, .accountMissing(ticket))
            }
            if account.isBanned { return Mail.storeReply(to: replyTo, .accountBanned(ticket)) }
            let found = StoreReply.accountFound(
                ticket, stored, PasswordHash(account.passwordHash), isOperator: account.isOperator)
            return Mail.storeReply(to: replyTo, found)
        case .updatePasswordHash(let name, let hash):
            _ = try database.updatePasswordHash(nameKey: name.key, hash: hash.encoded)
            return nil
        case .setBanned(let ticket, let name, let banned, let replyTo):
            let found = try database.setBanned(nameKey: name.key, banned)
            return Mail.storeReply(to: replyTo, found ? .banChanged(ticket) : .accountMissing(ticket))
        case .appendMessage(let ticket, let record, let replyTo):
            _ = try database.appendMessage(
                room: record.room.text, life: Int64(record.life.rawValue), sender: record.sender.text,
                recipient: record.recipient?.text, body: record.text, atMs: platform.epochMilliseconds(record.at),
                isAction: record.isAction)
            return Mail.storeReply(to: replyTo, .messageStored(ticket))
        case .readHistory(let ticket, let room, let limit, let replyTo):
            return Mail.storeReply(to: replyTo, .history(ticket, try history(room, limit: limit)))
        case .audit(let entry):
            try database.appendAudit(
                kind: entry.kind.rawValue, account: entry.account?.text, address: entry.address,
                detail: entry.detail, atMs: platform.epochMilliseconds(entry.at))
            // A granted login is audited once, so its audit row also dates the account's last login.
            if entry.kind == .login, let account = entry.account {
                try database.recordLogin(nameKey: account.key, atMs: platform.epochMilliseconds(entry.at))
            }
            return nil
        }
    }

    /// A room life's newest messages, read inside the batch's transaction: every message
    /// asked for before the read (this batch's included) is in it, none asked for after.
    private func history(_ room: RoomID, limit: Int) throws -> [HistoryEntry] {
        try database.history(life: Int64(room.rawValue), limit: limit).compactMap { row in
            guard let sender = Name(row.sender) else { return nil }  // Only rooms write here.
            return HistoryEntry(
                sender: sender, text: row.body, at: StoredTime(millisecondsSinceEpoch: row.sentAtMs))
        }
    }

    private static func failure(_ request: StoreRequest) -> Mail? {
        let ticket: Ticket
        switch request {
        case .createAccount(let t, _, _, _, _), .fetchAccount(let t, _, _), .appendMessage(let t, _, _),
            .setBanned(let t, _, _, _), .readHistory(let t, _, _, _):
            ticket = t
        case .updatePasswordHash, .audit: return nil
        }
        return request.replyTo.flatMap { Mail.storeReply(to: $0, .failed(ticket)) }
    }
}

extension StoreRequest {
    /// A name for logs that carries no user data.
    var kind: String {
        switch self {
        case .createAccount: return "create-account"
        case .fetchAccount: return "fetch-account"
        case .updatePasswordHash: return "update-password-hash"
        case .setBanned: return "set-banned"
        case .appendMessage: return "append-message"
        case .readHistory: return "read-history"
        case .audit: return "audit"
        }
    }
}
