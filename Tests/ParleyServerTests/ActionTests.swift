import Foundation
import ParleyStore
import Testing

@Suite("/me over real TLS sockets", .serialized)
struct ActionTests {
    @Test("a /me line reaches everyone in the room as ACTION and is stored as an action")
    func actionReachesRoomAndStore() throws {
        let server = try TestServer()
        defer { server.stop() }
        let alice = try LineClient.registered("alice", port: server.port)
        let bob = try LineClient.registered("bob", port: server.port)
        try alice.send("/me waves")
        for client in [alice, bob] { #expect(client.expect("ACTION") == "ACTION global alice waves") }
        try alice.send("/me")
        #expect(alice.expect("ERR") == "ERR bad-command /me needs ACTION")
        server.stop()
        let database = try ParleyDatabase.open(path: server.directory + "/parley.sqlite3")
        #expect(try database.messages(room: "global").map(\.body) == ["waves"])
    }
}
