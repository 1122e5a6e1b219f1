import ChatCore
import Foundation
import ParleyServer
import ParleyStore
import ParleyTLS
import Testing

@Suite("Moderation and /passwd over real sockets", .serialized)
struct ModerationTests {
    /// Registers `name`, makes it an operator with `parley admin`'s code, and logs it in again.
    func operatorSession(_ name: String, _ server: TestServer) throws -> LineClient {
        let first = try LineClient.registered(name, port: server.port)
        try first.send("/quit")
        #expect(first.waitForClose())
        try AccountAdministration(dataDirectory: server.directory, cost: .testing).setOperator(name, true)
        let client = try LineClient(port: server.port)
        try client.send("/login \(name) password1")
        #expect(client.expect("OK logged in") != nil)
        return client
    }

    /// `owner` creates `room`; `member` joins it.
    func room(_ room: String, owner: LineClient, member: LineClient) {
        try? owner.send("/createchatroom \(room)")
        #expect(owner.expect("OK created") != nil)
        try? member.send("/join \(room)")
        #expect(member.expect("OK joined") != nil)
        #expect(owner.expect("EVENT \(room)") != nil)
    }

    @Test("the owner kicks a member, who is told why and lands in global, and the room hears it")
    func ownerKicks() throws {
        let server = try TestServer()
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)
        room("lounge", owner: alice, member: bob)
        try alice.send("/kick bob too loud")
        #expect(alice.expect("EVENT lounge") == "EVENT lounge bob was kicked by alice: too loud")
        #expect(alice.expect("OK") == "OK kicked bob")
        #expect(
            bob.expect("EVENT lounge")
                == "EVENT lounge you were kicked from lounge by alice: too loud; you are in global")
        try bob.send("/users")
        #expect(bob.expect("USERS") == "USERS global bob")
        try alice.send("still here")
        try bob.send("back in global")
        #expect(bob.expect("MSG") == "MSG global bob back in global")
    }

    @Test("a member who does not own the room cannot kick: ERR not-owner")
    func notOwner() throws {
        let server = try TestServer()
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)
        room("lounge", owner: alice, member: bob)
        try bob.send("/kick alice")
        #expect(bob.expect("ERR") == "ERR not-owner only the owner of lounge or an operator can kick here")
        try alice.send("/kick carol")
        #expect(alice.expect("ERR") == "ERR no-such-user carol is not in lounge")
    }

    @Test("when the owner leaves, the member there longest owns the room and the room is told")
    func ownershipPasses() throws {
        let server = try TestServer()
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)
        let carol = try LineClient.registered("carol", port: server.port)
        room("lounge", owner: alice, member: bob)
        try carol.send("/join lounge")
        #expect(carol.expect("OK joined") != nil)
        try alice.send("/leave")
        #expect(bob.expect("EVENT lounge bob now owns") == "EVENT lounge bob now owns lounge")
        #expect(carol.expect("EVENT lounge bob now owns") == "EVENT lounge bob now owns lounge")
        try bob.send("/help")
        #expect(bob.expect("OK")?.contains("/kick NAME [REASON]") == true)
        try bob.send("/kick carol")
        #expect(bob.expect("OK") == "OK kicked carol")
    }

    @Test("an operator kicks someone out of global, who is disconnected with BYE kicked; others cannot")
    func operatorKicksFromGlobal() throws {
        let server = try TestServer()
        defer { server.stop() }
        let admin = try operatorSession("root", server)
        let bob = try LineClient.registered("bob", port: server.port)
        try bob.send("/kick root")
        #expect(bob.expect("ERR") == "ERR not-operator only an operator can kick in global")
        try admin.send("/kick bob spam")
        #expect(admin.expect("OK") == "OK kicked bob")
        #expect(bob.expect("BYE") == "BYE kicked you were kicked from global")
        #expect(bob.waitForClose())
    }

    @Test("an operator's ban ends the live session with BYE banned, refuses its next login, and survives a restart")
    func operatorBans() throws {
        let server = try TestServer()
        let admin = try operatorSession("root", server)
        let mallory = try LineClient.registered("mallory", port: server.port)
        try mallory.send("/ban root")
        #expect(mallory.expect("ERR") == "ERR not-operator only an operator can /ban")
        try admin.send("/ban mallory spam")
        #expect(admin.expect("OK") == "OK banned mallory")
        #expect(mallory.expect("BYE") == "BYE banned an operator banned mallory")
        #expect(mallory.waitForClose())
        let again = try LineClient(port: server.port)
        try again.send("/login mallory password1")
        #expect(again.expect("ERR") == "ERR banned mallory is banned from this server")
        server.stop()

        let restarted = try TestServer(directory: server.directory)
        defer { restarted.stop() }
        let refused = try LineClient(port: restarted.port)
        try refused.send("/login mallory password1")
        #expect(refused.expect("ERR") == "ERR banned mallory is banned from this server")
        let root = try LineClient(port: restarted.port)
        try root.send("/login root password1")
        #expect(root.expect("OK logged in") != nil)
        try root.send("/unban mallory")
        #expect(root.expect("OK") == "OK unbanned mallory")
        try refused.send("/login mallory password1")
        #expect(refused.expect("OK") == "OK logged in as mallory; you are in global")
        restarted.stop()
        let database = try ParleyDatabase.open(path: server.directory + "/parley.sqlite3", access: .readOnly)
        let ban = try #require(try database.auditEntries().first { $0.kind == "ban" })
        #expect(ban.account == "root" && ban.detail == "mallory because spam")
        #expect(try database.auditEntries().contains { $0.kind == "unban" && $0.detail == "mallory" })
    }

    @Test("/passwd with the right old password changes it: the old one stops working, the new one logs in")
    func changePassword() throws {
        let server = try TestServer()
        defer { server.stop() }
        let bob = try LineClient.registered("bob", port: server.port)
        try bob.send("/passwd wrong-pass1 newsecret9")
        #expect(bob.expect("ERR") == "ERR wrong-credentials wrong password; it is unchanged")
        try bob.send("/passwd password1 newsecret9")
        #expect(bob.expect("OK") == "OK password changed")
        try bob.send("/quit")
        #expect(bob.waitForClose())
        let old = try LineClient(port: server.port)
        try old.send("/login bob password1")
        #expect(old.expect("ERR")?.hasPrefix("ERR wrong-credentials") == true)
        try old.send("/login bob newsecret9")
        #expect(old.expect("OK") == "OK logged in as bob; you are in global")
    }
}
