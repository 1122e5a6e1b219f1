import ParleyClient
import Testing

@Suite("HOST[:PORT]")
struct EndpointTests {
    @Test("a name, an IPv4 address and a bracketed IPv6 address parse, with the default port 7878")
    func parsesForms() throws {
        #expect(try Endpoint.parse("example.org").get() == Endpoint(host: "example.org", port: 7878))
        #expect(try Endpoint.parse("example.org:9000").get() == Endpoint(host: "example.org", port: 9000))
        #expect(try Endpoint.parse("127.0.0.1:7999").get() == Endpoint(host: "127.0.0.1", port: 7999))
        #expect(try Endpoint.parse("[::1]:7878").get() == Endpoint(host: "::1", port: 7878))
        #expect(try Endpoint.parse("[::1]").get() == Endpoint(host: "::1", port: 7878))
        #expect(try Endpoint.parse("::1").get() == Endpoint(host: "::1", port: 7878))
    }

    @Test("bad ports, unclosed brackets and strange hosts are refused with a sentence")
    func refusesBadInput() {
        #expect(Endpoint.parse("") == .failure(.empty))
        #expect(Endpoint.parse("host:0") == .failure(.badPort("0")))
        #expect(Endpoint.parse("host:65536") == .failure(.badPort("65536")))
        #expect(Endpoint.parse("host:") == .failure(.badPort("")))
        #expect(Endpoint.parse("host:12ab") == .failure(.badPort("12ab")))
        #expect(Endpoint.parse("[::1:7878") == .failure(.unclosedBracket("[::1:7878")))
        #expect(Endpoint.parse("bad host") == .failure(.badHost("bad host")))
        #expect(Endpoint.parse("\u{1B}[2J") == .failure(.badHost("\u{1B}[2J")))
        #expect(Endpoint.ParseError.badPort("x").description.contains("1 to 65535"))
    }

    @Test("the known_servers key brackets IPv6 and folds names to lower case")
    func keys() throws {
        #expect(try Endpoint.parse("[::1]:7000").get().knownServersKey == "[::1]:7000")
        #expect(try Endpoint.parse("Chat.Example.ORG").get().knownServersKey == "chat.example.org:7878")
        #expect(try Endpoint.parse("[::1]:7000").get().description == "[::1]:7000")
    }
}
