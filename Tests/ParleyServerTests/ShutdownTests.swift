import Foundation
import ParleyStore
import Testing

@Suite("Stopping the server", .serialized)
struct ShutdownTests {
    /// Members in one room, some of them parked (idle past the park delay).
    static let members = 40

    @Test("a stop says BYE shutdown to every member with no leave broadcasts, and audits every logout")
    func everyoneStopsQuietlyAndIsAudited() throws {
        let server = try TestServer(configure: { $0.parkIdleConnectionsAfter = .milliseconds(50) })
        var clients: [LineClient] = []
        for number in 1...ShutdownTests.members {
            clients.append(try LineClient.registered("user\(number)", port: server.port))
        }
        // Everyone has heard everyone arrive; then the connections go quiet and park.
        for client in clients { _ = client.drain(quiet: .milliseconds(20)) }
        Thread.sleep(forTimeInterval: 0.2)

        server.stop()
        for (index, client) in clients.enumerated() {
            var seen: [String] = []
            while let line = client.nextLine(timeout: .seconds(5)) { seen.append(line) }
            #expect(seen == ["BYE shutdown the server is shutting down"], "user\(index + 1) read \(seen)")
            #expect(client.closed, "user\(index + 1) is still connected")
        }

        let database = try ParleyDatabase.open(path: server.directory + "/parley.sqlite3", access: .readOnly)
        let logouts = try database.auditEntries().filter { $0.kind == "logout" }
        #expect(logouts.count == ShutdownTests.members)
        #expect(Set(logouts.compactMap(\.account)).count == ShutdownTests.members)
        #expect(logouts.allSatisfy { $0.detail == "shutdown" })
    }
}
