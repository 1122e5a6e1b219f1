import ChatCore
import Foundation
import Glibc
import ParleyServer
import ParleyTLS
import Testing

/// IRC over real loopback sockets: the plain port (`--irc-plain-port`) and the TLS one.
@Suite("IRC listeners: registration, channels and messages over real sockets")
struct IRCServerTests {
    static func ircServer() throws -> TestServer {
        try TestServer {
            $0.ircPlainPort = 0
            $0.ircPort = 0
        }
    }

    @Test("a whole IRC conversation over the plain port follows RFC 1459's numerics")
    func conversation() throws {
        let server = try IRCServerTests.ircServer()
        defer { server.stop() }
        let port = try #require(server.server.ircPlainPort)
        let alice = try PlainIRCClient(port: port)
        try alice.send("CAP LS 302", "NICK alice", "USER alice 0 * :Alice", "REGISTER alice * correct-horse", "CAP END")
        #expect(alice.expect(" CAP * LS ")?.contains("sasl=PLAIN") == true)
        #expect(alice.expect(" REGISTER SUCCESS alice") != nil)
        #expect(alice.expect(" 001 alice ") != nil)
        #expect(alice.expect(" 005 alice ")?.contains("CHANTYPES=# CASEMAPPING=ascii NICKLEN=32") == true)
        #expect(alice.expect(" 422 alice ") != nil)
        #expect(alice.expect(":alice!alice@parley JOIN") == ":alice!alice@parley JOIN :#global")
        #expect(alice.expect(" 353 ") == ":parley 353 alice = #global :alice")
        #expect(alice.expect(" 366 ") == ":parley 366 alice #global :End of /NAMES list")

        // bob already has an account (made with Parley's protocol) and logs in with SASL PLAIN.
        let parleyBob = try LineClient.registered("bob", port: server.port, password: "battery-staple")
        try parleyBob.send("/quit")
        #expect(parleyBob.waitForClose())
        let bob = try PlainIRCClient(port: port)
        try bob.send("CAP LS 302", "NICK bob", "USER bob 0 * :Bob", "CAP REQ :sasl", "AUTHENTICATE PLAIN")
        #expect(bob.expect("AUTHENTICATE") == "AUTHENTICATE :+")
        try bob.send("AUTHENTICATE " + Data("\0bob\0battery-staple".utf8).base64EncodedString())
        #expect(bob.expect(" 900 bob ") != nil)
        #expect(bob.expect(" 903 bob ") == ":parley 903 bob :SASL authentication successful")
        try bob.send("CAP END")
        #expect(bob.expect(" 001 bob ") != nil)
        #expect(bob.expect(" 353 ") == ":parley 353 bob = #global :alice bob")
        #expect(alice.expect(":bob!bob@parley JOIN") == ":bob!bob@parley JOIN :#global")

        try alice.send("PRIVMSG #global :hello bob")
        #expect(bob.expect(":alice!alice@parley PRIVMSG") == ":alice!alice@parley PRIVMSG #global :hello bob")
        try bob.send("PRIVMSG alice :psst")
        #expect(alice.expect(":bob!bob@parley PRIVMSG") == ":bob!bob@parley PRIVMSG alice :psst")
        try bob.send("PRIVMSG carol :anyone?")
        #expect(bob.expect(" 401 ")?.hasPrefix(":parley 401 bob carol :") == true)

        try alice.send("JOIN #lounge")
        #expect(
            alice.expect(":alice!alice@parley PART")
                == ":alice!alice@parley PART #global :one room at a time: to #lounge")
        #expect(alice.expect(":alice!alice@parley JOIN") == ":alice!alice@parley JOIN :#lounge")
        #expect(alice.expect(" 366 ") == ":parley 366 alice #lounge :End of /NAMES list")
        try bob.send("LIST")
        #expect(bob.expect(" 321 ") != nil)
        #expect(bob.expect(" 322 ") == ":parley 322 bob #global 0 :")
        #expect(bob.expect(" 322 ") == ":parley 322 bob #lounge 0 :")
        #expect(bob.expect(" 323 ") == ":parley 323 bob :End of /LIST")
        try bob.send("JOIN #lounge", "NAMES #lounge")
        #expect(bob.expect(" 353 ") == ":parley 353 bob = #lounge :alice bob")
        #expect(bob.expect(" 353 ") == ":parley 353 bob = #lounge :alice bob")
        #expect(bob.expect(" 366 ") != nil)

        try alice.send("PART #lounge")
        #expect(alice.expect(":alice!alice@parley PART") == ":alice!alice@parley PART #lounge :back to #global")
        #expect(bob.expect(":alice!alice@parley PART") == ":alice!alice@parley PART :#lounge")
        try bob.send("QUIT :bye")
        #expect(bob.expect("ERROR") == "ERROR :Closing link: see you")
        #expect(bob.waitForClose())
    }

    @Test("an IRC user over TLS and a Parley user talk in global")
    func mixedOverTLS() throws {
        let server = try IRCServerTests.ircServer()
        defer { server.stop() }
        let carol = try LineClient.registered("carol", port: server.port)
        let dave = try LineClient(port: try #require(server.server.ircPort))
        try dave.send("NICK dave\r\nUSER dave 0 * :Dave\r\nREGISTER dave * password1")
        #expect(dave.expect(":dave!dave@parley JOIN") != nil)
        #expect(carol.expect("EVENT global") == "EVENT global dave joined")
        try carol.send("hi dave")
        #expect(dave.expect(":carol!carol@parley PRIVMSG")?.hasSuffix("PRIVMSG #global :hi dave\r") == true)
        try dave.send("PRIVMSG #global :hi carol")
        #expect(carol.expect("MSG global dave") == "MSG global dave hi carol")
    }

    @Test("a wrong PASS is 464 and ERROR, and the connection closes")
    func wrongPassword() throws {
        let server = try IRCServerTests.ircServer()
        defer { server.stop() }
        _ = try LineClient.registered("erin", port: server.port)
        let erin = try PlainIRCClient(port: try #require(server.server.ircPlainPort))
        try erin.send("PASS erin:not-the-one", "NICK erin", "USER erin 0 * :Erin")
        #expect(erin.expect(" 464 ")?.hasPrefix(":parley 464 erin :Password incorrect") == true)
        #expect(erin.expect("ERROR") != nil)
        #expect(erin.waitForClose())
    }

    @Test("the plain IRC port refuses to listen anywhere but loopback")
    func plainPortIsLoopbackOnly() {
        #expect(throws: ServerError.self) {
            _ = try TestServer {
                $0.host = "0.0.0.0"
                $0.ircPlainPort = 0
            }
        }
    }
}

/// An IRC client over plain TCP, with timeouts so a broken server fails the test.
final class PlainIRCClient {
    private let socket: Int32
    private var buffer: [UInt8] = []
    private(set) var closed = false

    init(port: UInt16) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw ServerError("cannot connect to 127.0.0.1:\(port)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(socket) }

    func send(_ lines: String...) throws {
        let bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
        guard
            bytes.withUnsafeBytes({ Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
        else { throw ServerError("send failed") }
    }

    /// The next line without its CRLF, or nil on timeout or close.
    func nextLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                var line = buffer[..<newline]
                if line.last == 0x0D { line = line.dropLast() }
                buffer.removeFirst(newline + 1)
                return String(decoding: line, as: UTF8.self)
            }
            guard !closed else { return nil }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk[..<count]
            } else if count == 0 {
                closed = true
            } else {
                return nil
            }
        }
    }

    /// Reads lines until one contains `part`; returns it, or nil.
    func expect(_ part: String) -> String? {
        while let line = nextLine() {
            if line.contains(part) { return line }
        }
        return nil
    }

    func waitForClose() -> Bool {
        while nextLine() != nil {}
        return closed
    }
}
