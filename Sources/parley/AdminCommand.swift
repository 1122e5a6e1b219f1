import ArgumentParser
import Foundation
import ParleyServer
import ParleyStore

/// `parley admin`: accounts, operators and bans, straight in the data directory's database.
struct Admin: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts in a data directory, with or without a running server.",
        discussion: """
            Works on the database of --data-dir while parley serve runs (it waits for the
            server's commits through SQLite's busy timeout, and applies the same migrations).
            Every change is written to the audit log with the user who made it.

            A change made here takes effect at the account's next login: a session that is
            logged in keeps what it had. For an immediate effect, use the chat commands
            (an operator's /ban closes the live session; /kick, /unban).

            Examples:
              parley admin --data-dir ./parley-data accounts
              parley admin --data-dir ./parley-data grant-operator alice
              parley admin --data-dir ./parley-data ban mallory
              parley admin --data-dir ./parley-data reset-password bob
              printf 'a-new-secret\\n' | parley admin --data-dir ./parley-data reset-password bob --stdin
              parley admin --data-dir ./parley-data delete carol --release-name

            Exit status: 0 on success, 1 when the change could not be made (no such account,
            a data directory that is refused), 2 for a bad command line.
            """,
        subcommands: [
            Accounts.self, GrantOperator.self, RevokeOperator.self, ResetPassword.self, Ban.self, Unban.self,
            Delete.self,
        ]
    )

    @OptionGroup var location: Location

    struct Location: ParsableArguments {
        @Option(name: .customLong("data-dir"), help: "The server's data directory.")
        var dataDirectory = "./parley-data"

        func open() throws -> AccountAdministration {
            do { return try AccountAdministration(dataDirectory: dataDirectory) } catch { throw Admin.fail(error) }
        }
    }

    /// One line on stderr, exit 1.
    static func fail(_ error: any Error) -> ExitCode {
        FileHandle.standardError.write(Data("parley: \(error)\n".utf8))
        return ExitCode(1)
    }

    /// Runs a change, turning its error into one line and exit 1.
    static func change(_ location: Location, _ body: (AccountAdministration) throws -> Void) throws {
        let administration = try location.open()
        do { try body(administration) } catch { throw fail(error) }
    }

    struct Accounts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List accounts: created, last login (UTC), operator, banned.")
        @ParentCommand var admin: Admin

        func run() throws {
            try Admin.change(admin.location) { administration in
                print(AccountTable.render(try administration.accounts()), terminator: "")
            }
        }
    }

    struct GrantOperator: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an account an operator (at its next login).")
        @ParentCommand var admin: Admin
        @Argument(help: "The account.") var name: String

        func run() throws {
            try Admin.change(admin.location) { try $0.setOperator(name, true) }
            print("\(name) is an operator from its next login")
        }
    }

    struct RevokeOperator: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an operator an ordinary account again.")
        @ParentCommand var admin: Admin
        @Argument(help: "The account.") var name: String

        func run() throws {
            try Admin.change(admin.location) { try $0.setOperator(name, false) }
            print("\(name) is no operator from its next login")
        }
    }

    struct ResetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a new password: a random one, printed once, or one read from standard input.")
        @ParentCommand var admin: Admin
        @Argument(help: "The account.") var name: String
        @Flag(help: "Read the new password from the first line of standard input instead.") var stdin = false

        func run() throws {
            var given: String?
            if stdin {
                guard let line = readLine(strippingNewline: true) else {
                    throw Admin.fail(AdminError("no password on standard input"))
                }
                given = line
            }
            var password = ""
            try Admin.change(admin.location) { password = try $0.resetPassword(name, to: given) }
            if given == nil { print(password) } else { print("the password of \(name) is changed") }
        }
    }

    struct Ban: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ban an account: its logins are refused (ERR banned); its name stays its own.")
        @ParentCommand var admin: Admin
        @Argument(help: "The account.") var name: String

        func run() throws {
            try Admin.change(admin.location) { try $0.setBanned(name, true) }
            print("\(name) is banned from its next login; a session logged in now goes on")
        }
    }

    struct Unban: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift an account's ban.")
        @ParentCommand var admin: Admin
        @Argument(help: "The account.") var name: String

        func run() throws {
            try Admin.change(admin.location) { try $0.setBanned(name, false) }
            print("\(name) may log in again")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an account; its messages stay, and its name stays reserved unless --release-name.")
        @ParentCommand var admin: Admin
        @Argument(help: "The account (or, with --release-name, a reserved name).") var name: String
        @Flag(help: "Let anyone register the name again.") var releaseName = false

        func run() throws {
            var deletion = AccountDeletion(deletedAccount: false, releasedName: false)
            try Admin.change(admin.location) { deletion = try $0.delete(name, releaseName: releaseName) }
            let what = deletion.deletedAccount ? "\(name) is deleted" : "\(name) had no account"
            print(what + (releaseName ? "; the name is free" : "; the name stays reserved"))
        }
    }
}

struct AdminError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `parley admin accounts` as a table a person reads and `awk` splits.
enum AccountTable {
    static func render(_ accounts: [StoredAccount]) -> String {
        var rows = [["NAME", "CREATED", "LAST-LOGIN", "OPERATOR", "BANNED"]]
        for account in accounts {
            rows.append([
                account.name, time(account.createdAtMs), account.lastLoginMs.map(time) ?? "never",
                account.isOperator ? "yes" : "no", account.isBanned ? "yes" : "no",
            ])
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingSuffix() + "\n"
        }.joined()
    }

    private static func time(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1_000))
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        String(self[..<(lastIndex { $0 != " " }.map { index(after: $0) } ?? startIndex)])
    }
}
