import ChatCore
import Foundation
import ParleyServer
import ParleyStore
import ParleyTLS
import Testing

@Suite("parley admin beside a running server", .serialized)
struct AdministrationTests {
    /// The administration of a test server's data directory, at the tests' cheap scrypt cost.
    func admin(_ server: TestServer) throws -> AccountAdministration {
        try AccountAdministration(dataDirectory: server.directory, cost: .testing)
    }

    func login(_ name: String, _ password: String, port: UInt16) throws -> LineClient {
        let client = try LineClient(port: port)
        try client.send("/login \(name) \(password)")
        return client
    }

    @Test("an account banned by admin is refused ERR banned at its next login, and unbanned may log in again")
    func banTakesEffectAtNextLogin() throws {
        let server = try TestServer()
        defer { server.stop() }
        let mallory = try LineClient.registered("mallory", port: server.port)
        try admin(server).setBanned("mallory", true)
        try mallory.send("still here")
        #expect(mallory.expect("MSG global") == "MSG global mallory still here")
        try mallory.send("/quit")
        #expect(mallory.waitForClose())
        let refused = try login("mallory", "password1", port: server.port)
        #expect(refused.expect("ERR") == "ERR banned mallory is banned from this server")
        try admin(server).setBanned("mallory", false)
        let again = try login("mallory", "password1", port: server.port)
        #expect(again.expect("OK") == "OK logged in as mallory; you are in global")
    }

    @Test("a banned account's name cannot be registered by someone else")
    func bannedNameStaysReserved() throws {
        let server = try TestServer()
        defer { server.stop() }
        _ = try LineClient.registered("mallory", port: server.port)
        try admin(server).setBanned("mallory", true)
        let other = try LineClient(port: server.port)
        try other.send("/register MALLORY password2")
        #expect(other.expect("ERR")?.hasPrefix("ERR name-taken") == true)
    }

    @Test("a reset password works at the next login and the old one stops working")
    func resetPassword() throws {
        let server = try TestServer()
        defer { server.stop() }
        let bob = try LineClient.registered("bob", port: server.port)
        try bob.send("/quit")
        #expect(bob.waitForClose())
        let generated = try admin(server).resetPassword("bob", to: nil)
        #expect(generated.count == 24)
        #expect(
            try login("bob", "password1", port: server.port).expect("ERR")?.hasPrefix("ERR wrong-credentials") == true)
        #expect(try login("bob", generated, port: server.port).expect("OK")?.hasPrefix("OK logged in as bob") == true)
    }

    @Test("a deleted account cannot log in, its messages stay, and its name is reserved unless released")
    func delete() throws {
        let server = try TestServer()
        defer { server.stop() }
        let carol = try LineClient.registered("carol", port: server.port)
        try carol.send("remember me")
        #expect(carol.expect("MSG global") != nil)
        try carol.send("/quit")
        #expect(carol.waitForClose())
        #expect(try admin(server).delete("carol", releaseName: false).deletedAccount)
        #expect(
            try login("carol", "password1", port: server.port).expect("ERR")?.hasPrefix("ERR wrong-credentials") == true
        )
        let squatter = try LineClient(port: server.port)
        try squatter.send("/register carol password2")
        #expect(squatter.expect("ERR")?.hasPrefix("ERR name-taken") == true)
        #expect(try admin(server).delete("carol", releaseName: true).releasedName)
        try squatter.send("/register carol password2")
        #expect(squatter.expect("OK")?.hasPrefix("OK registered carol") == true)
        server.stop()
        let database = try ParleyDatabase.open(path: server.directory + "/parley.sqlite3")
        #expect(try database.messages(room: "global").map(\.sender) == ["carol"])
    }

    @Test("accounts lists operators, bans and last logins; every change is audited with who made it")
    func accountsAndAudit() throws {
        let server = try TestServer()
        defer { server.stop() }
        _ = try LineClient.registered("alice", port: server.port)
        let administration = try admin(server)
        try administration.setOperator("alice", true)
        #expect(throws: ServerError.self) { try administration.setOperator("nobody", true) }
        let alice = try #require(try administration.accounts().first)
        #expect(alice.name == "alice" && alice.isOperator && !alice.isBanned && alice.lastLoginMs == nil)
        _ = try login("alice", "password1", port: server.port).expect("OK")
        server.stop()
        let database = try ParleyDatabase.open(path: server.directory + "/parley.sqlite3")
        #expect(try database.account(nameKey: "alice")?.lastLoginMs != nil)
        let grant = try #require(try database.auditEntries().first { $0.kind == "admin-grant-operator" })
        #expect(grant.account == "alice" && grant.detail?.hasPrefix("by parley admin, uid \(getuid())") == true)
    }
}
