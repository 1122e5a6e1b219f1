import ChatCore
import Testing

@Suite("AddressKey: what the per-address caps count under")
struct AddressKeyTests {
    @Test("IPv6 addresses in one /64 share a key, and another /64 has its own")
    func ipv6SlashSixtyFour() {
        let one = AddressKey.of("2001:db8:1:2::1")
        #expect(one == AddressKey.of("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        #expect(one == AddressKey.of("2001:db8:1:2:abcd::7"))
        #expect(one == "2001:db8:1:2::/64")
        #expect(AddressKey.of("2001:db8:1:3::1") != one)
    }

    @Test("IPv4, IPv4-mapped, loopback and text that is no IPv6 address keep their text")
    func otherAddresses() {
        for host in ["198.51.100.7", "::ffff:198.51.100.7", "::1", "127.0.0.1", "not:an:address:zz"] {
            #expect(AddressKey.of(host) == host)
        }
    }
}

@Suite("ConnectionAdmission: caps on handshakes and strangers")
struct ConnectionAdmissionTests {
    static let caps = ConnectionAdmission.Caps(
        connectionsPerAddress: 20, handshakes: 3, handshakesPerAddress: 2, strangers: 4, strangersPerAddress: 3)

    @Test("an address past its handshake cap is refused until one of its handshakes ends")
    func handshakesPerAddress() {
        var admission = ConnectionAdmission(caps: Self.caps)
        let answers = (1...3).map { admission.admit($0, host: "198.51.100.7") }
        #expect(answers == [nil, nil, .addressHandshakesFull])
        admission.handshakeCompleted(1)
        #expect(admission.admit(4, host: "198.51.100.7") == nil)
    }

    @Test("the server's handshake cap holds across addresses, loopback included")
    func handshakesServerWide() {
        var admission = ConnectionAdmission(caps: Self.caps)
        let answers = [
            admission.admit(1, host: "127.0.0.1"), admission.admit(2, host: "127.0.0.1"),
            admission.admit(3, host: "198.51.100.7"), admission.admit(4, host: "198.51.100.8"),
        ]
        #expect(answers == [nil, nil, nil, .handshakesFull])
        #expect(admission.handshaking == 3)
    }

    @Test("strangers past their handshake still count until they log in or leave")
    func strangers() {
        var admission = ConnectionAdmission(caps: Self.caps)
        for id in UInt64(1)...3 {
            #expect(admission.admit(id, host: "198.51.100.7") == nil)
            admission.handshakeCompleted(id)
        }
        // Three strangers from one address: the fourth is refused though no handshake runs.
        #expect(admission.admit(4, host: "198.51.100.7") == .addressStrangersFull)
        admission.loggedIn(1)
        #expect(admission.admit(5, host: "198.51.100.7") == nil)
        #expect(admission.strangersWaiting == 3)
    }

    @Test("the server's stranger cap refuses a new address while the others wait to log in")
    func strangersServerWide() {
        var admission = ConnectionAdmission(caps: Self.caps)
        for id in UInt64(1)...4 {
            #expect(admission.admit(id, host: "198.51.100.\(id)") == nil)
            admission.handshakeCompleted(id)
        }
        #expect(admission.admit(5, host: "198.51.100.9") == .strangersFull)
        admission.closed(2)
        #expect(admission.admit(6, host: "198.51.100.9") == nil)
    }

    @Test("a closed connection gives back every place it held, at whatever stage, once")
    func closedGivesBack() {
        var admission = ConnectionAdmission(caps: Self.caps)
        _ = admission.admit(1, host: "198.51.100.7")
        _ = admission.admit(2, host: "198.51.100.7")
        admission.handshakeCompleted(2)
        admission.closed(1)
        admission.closed(2)
        admission.closed(2)
        admission.loggedIn(2)
        #expect(admission.handshaking == 0)
        #expect(admission.strangersWaiting == 0)
    }

    @Test("members count only against the connection quota, and one /64 is one address")
    func membersAndPrefixes() {
        var caps = Self.caps
        caps.connectionsPerAddress = 2
        var admission = ConnectionAdmission(caps: caps)
        #expect(admission.admit(1, host: "2001:db8:0:1::a") == nil)
        admission.loggedIn(1)
        #expect(admission.admit(2, host: "2001:db8:0:1::b") == nil)
        admission.loggedIn(2)
        #expect(admission.admit(3, host: "2001:db8:0:1::c") == .addressFull)
        #expect(admission.admit(4, host: "2001:db8:0:2::c") == nil)
    }
}
