import ChatCore
import Glibc
import ParleyStore
import ParleyTLS

/// `parley admin`: account changes made straight in a data directory's database, beside a
/// running server or without one. It goes through the same `ParleyStore` (so the same
/// migrations) with a busy timeout, so it waits its turn behind the storage thread's
/// commits. The server reads an account when it logs in, so a change made here takes
/// effect at that account's next login; the chat commands act at once.
public final class AccountAdministration {
    private let database: ParleyDatabase
    /// Who made the changes, for the audit log (`uid 1000 (alice)`).
    private let actor: String
    private let hasher: PasswordHasher

    /// Opens the database of an existing data directory. Refuses a directory that is a
    /// symbolic link or is writable by others, as the server does, and never makes one.
    public init(
        dataDirectory: String, cost: ScryptCost = .owaspDefault, busyTimeoutMilliseconds: Int32 = 5_000
    )
        throws
    {
        var info = stat()
        guard lstat(dataDirectory, &info) == 0 else {
            throw ServerError("cannot read the data directory \(dataDirectory): \(errnoText(errno))")
        }
        try DataDirectory.check(info, path: dataDirectory)
        let path = dataDirectory + "/parley.sqlite3"
        guard access(path, F_OK) == 0 else {
            throw ServerError("no database in \(dataDirectory); start parley serve --data-dir \(dataDirectory) once")
        }
        try DataDirectory.checkEntry(path)
        database = try ParleyDatabase.open(
            path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, refuseSymlinks: true)
        let uid = getuid()
        actor = "uid \(uid)" + (getpwuid(uid).map { " (\(String(cString: $0.pointee.pw_name)))" } ?? "")
        hasher = PasswordHasher(cost: cost)
    }

    /// Every account, by name.
    public func accounts() throws -> [StoredAccount] { try database.allAccounts() }

    public func setOperator(_ name: String, _ isOperator: Bool) throws {
        let key = try existing(name)
        try audited(isOperator ? "admin-grant-operator" : "admin-revoke-operator", name) {
            _ = try database.setOperator(nameKey: key, isOperator)
        }
    }

    public func setBanned(_ name: String, _ isBanned: Bool) throws {
        let key = try existing(name)
        try audited(isBanned ? "admin-ban" : "admin-unban", name) { _ = try database.setBanned(nameKey: key, isBanned) }
    }

    /// Sets a new password: `password`, or a random one, which is returned to be printed once.
    /// - Returns: The password set.
    public func resetPassword(_ name: String, to password: String?) throws -> String {
        let key = try existing(name)
        let secret = try password ?? AccountAdministration.randomPassword()
        guard (Password.minBytes...Password.maxBytes).contains(secret.utf8.count),
            !secret.contains(where: { $0 == " " || $0 == "\t" })
        else { throw ServerError("passwords are \(Password.minBytes) to \(Password.maxBytes) bytes with no spaces") }
        let hash = try hasher.hash(password: secret)
        try audited("admin-reset-password", name) { _ = try database.updatePasswordHash(nameKey: key, hash: hash) }
        return secret
    }

    /// Deletes an account; its messages stay, and so does its name unless `releaseName`.
    public func delete(_ name: String, releaseName: Bool) throws -> AccountDeletion {
        guard let key = Name(name)?.key else { throw ServerError("\(name) is not a valid account name") }
        let kind = releaseName ? "admin-delete-release-name" : "admin-delete"
        var deletion = AccountDeletion(deletedAccount: false, releasedName: false)
        try audited(kind, name) {
            deletion = try database.deleteAccount(
                nameKey: key, releaseName: releaseName, atMs: AccountAdministration.nowMs)
        }
        guard deletion.deletedAccount || deletion.releasedName else {
            throw ServerError("there is no account \(name)" + (releaseName ? " and no reserved name" : ""))
        }
        return deletion
    }

    /// The name key of an account that exists, or an error naming it.
    private func existing(_ name: String) throws -> String {
        guard let key = Name(name)?.key else { throw ServerError("\(name) is not a valid account name") }
        guard try database.account(nameKey: key) != nil else { throw ServerError("there is no account \(name)") }
        return key
    }

    /// The change and its audit row commit together: no change goes unaudited.
    private func audited(_ kind: String, _ name: String, _ change: () throws -> Void) throws {
        try database.withTransaction {
            try change()
            try database.appendAudit(
                kind: kind, account: name, address: nil, detail: "by parley admin, \(actor)",
                atMs: AccountAdministration.nowMs)
        }
    }

    /// 24 characters of the URL-safe base64 alphabet, 6 random bits each: 144 bits, no spaces.
    private static func randomPassword() throws -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String(try SecureRandom.bytes(24).map { alphabet[Int($0 & 63)] })
    }

    private static var nowMs: Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }
}
