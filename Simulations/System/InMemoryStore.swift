import ChatCore

/// The store as the simulator and the test driver keep it: the same requests and
/// replies as the SQLite storage thread, with the same rules (names unique without
/// regard to case, one reply per ticketed request, in order), held in arrays.
public struct InMemoryStore: Hashable, Sendable {
    public struct Account: Hashable, Sendable {
        public var name: Name
        public var hash: PasswordHash
    }

    public private(set) var accounts: [String: Account] = [:]
    public private(set) var messages: [ChatRecord] = []
    public private(set) var audit: [AuditRecord] = []
    /// Name keys of banned accounts: a fetch for a login answers `accountBanned`.
    public private(set) var banned: Set<String> = []
    /// When true, every write fails (a full disk, a read-only file).
    public var failingWrites = false
    /// When true, every history read fails as well.
    public var failingReads = false

    public init() {}

    /// Name keys of operators: a fetch tells the Gate so.
    public private(set) var operators: Set<String> = []

    /// Bans an account, as `parley admin ban` does to the database.
    public mutating func ban(_ name: Name) { banned.insert(name.key) }
    /// Makes an account an operator, as `parley admin grant-operator` does.
    public mutating func grantOperator(_ name: Name) { operators.insert(name.key) }

    /// Carries out one request; returns the reply mail, if the request has one.
    public mutating func handle(_ request: StoreRequest) -> Mail? {
        guard let reply = reply(to: request), let address = request.replyTo else { return nil }
        return Mail.storeReply(to: address, reply)
    }

    /// A room life's newest `limit` room messages, oldest first; never whispers nor `/me`
    /// actions (the SQLite read keeps `kind = 'message'` only).
    public func history(of room: RoomID, limit: Int) -> [HistoryEntry] {
        var entries: [HistoryEntry] = []
        for record in messages.reversed() where entries.count < limit {
            guard record.life == room, record.recipient == nil, !record.isAction else { continue }
            let at = StoredTime(millisecondsSinceEpoch: record.at.milliseconds)
            entries.append(HistoryEntry(sender: record.sender, text: record.text, at: at))
        }
        return entries.reversed()
    }

    private mutating func reply(to request: StoreRequest) -> StoreReply? {
        switch request {
        case .createAccount(let ticket, let name, let hash, _, _):
            if failingWrites { return .failed(ticket) }
            guard accounts[name.key] == nil else { return .accountNameTaken(ticket) }
            accounts[name.key] = Account(name: name, hash: hash)
            return .accountCreated(ticket, name)
        case .fetchAccount(let ticket, let name, _):
            guard let account = accounts[name.key] else { return .accountMissing(ticket) }
            if banned.contains(name.key) { return .accountBanned(ticket) }
            return .accountFound(ticket, account.name, account.hash, isOperator: operators.contains(name.key))
        case .updatePasswordHash(let name, let hash):
            if !failingWrites { accounts[name.key]?.hash = hash }
            return nil
        case .setBanned(let ticket, let name, let banning, _):
            if failingWrites { return .failed(ticket) }
            guard accounts[name.key] != nil else { return .accountMissing(ticket) }
            if banning { banned.insert(name.key) } else { banned.remove(name.key) }
            return .banChanged(ticket)
        case .appendMessage(let ticket, let record, _):
            if failingWrites { return .failed(ticket) }
            messages.append(record)
            return .messageStored(ticket)
        case .audit(let record):
            if !failingWrites { audit.append(record) }
            return nil
        case .readHistory(let ticket, let room, let limit, _):
            // A read, like `fetchAccount`, works while writes fail, unless reads fail too.
            if failingReads { return .failed(ticket) }
            return .history(ticket, history(of: room, limit: limit))
        }
    }
}
