import Testing

@testable import ChatCore

@Suite("IRCMessage and IRCText: IRC's framing, tags, formatting and SASL's base64")
struct IRCMessageTests {
    func parse(_ line: String) -> Result<IRCMessage, IRCMessage.ParseError>? { IRCMessage.parse(Array(line.utf8)) }

    func parsed(_ line: String) -> IRCMessage? { try? parse(line)?.get() }

    @Test("a line's tags, source, command, middle and trailing parameters are read")
    func parsesEveryPart() throws {
        let message = try #require(parsed("@time=12:00;+draft/x :alice!a@h privmsg #global :hello  there"))
        #expect(message.tags.map { $0.key } == ["time", "+draft/x"])
        #expect(message.tags.map { $0.value } == ["12:00", ""])
        #expect(message.source == "alice!a@h")
        #expect(message.command == "PRIVMSG")
        #expect(message.parameters == ["#global", "hello  there"])
    }

    @Test("tag values are unescaped when read and escaped when written")
    func tagEscapes() throws {
        let message = try #require(parsed(#"@k=a\:b\sc\\d CMD"#))
        #expect(message.tags.first?.value == #"a;b c\d"#)
        #expect(message.rendered == "@k=a\\:b\\sc\\\\d CMD\r\n")
    }

    @Test("more than 512 bytes after the tags is too long; tags do not count toward it")
    func bodyLimit() {
        let text = String(repeating: "x", count: 512 - 2 - "PRIVMSG #a :".utf8.count)
        #expect(parsed("PRIVMSG #a :" + text) != nil)
        #expect(parse("PRIVMSG #a :" + text + "y") == .failure(.tooLong))
        #expect(parsed("@k=" + String(repeating: "t", count: 3000) + " PRIVMSG #a :" + text) != nil)
    }

    @Test("a blank line is nothing, invalid UTF-8 and a lone prefix are errors")
    func badLines() {
        #expect(parse("   ") == nil)
        #expect(IRCMessage.parse([0x50, 0xFF, 0x20]) == .failure(.invalidUTF8))
        #expect(parse(":alice") == .failure(.noCommand))
    }

    @Test("rendering ends in CRLF and sends the last parameter as a trailing one")
    func rendering() {
        let message = IRCMessage(source: "parley", "001", ["alice", "Welcome to Parley"])
        #expect(message.rendered == ":parley 001 alice :Welcome to Parley\r\n")
        #expect(IRCMessage("PING", ["parley"]).rendered == "PING :parley\r\n")
    }

    @Test("formatting codes are stripped, colour digits with them, other text kept")
    func stripsFormatting() {
        #expect(IRCText.strippingFormatting("\u{2}bold\u{2} \u{3}4,12red\u{3} \u{1D}it\u{F}") == "bold red it")
        #expect(IRCText.strippingFormatting("\u{3}12,x") == ",x")
        #expect(IRCText.strippingFormatting("tab\tbell\u{7}") == "tab\tbell\u{7}")
    }

    @Test("a long text is cut into pieces within the limit, never inside a character")
    func pieces() {
        let text = String(repeating: "é", count: 300)
        let pieces = IRCText.pieces(text, maxBytes: 101)
        #expect(pieces.allSatisfy { $0.utf8.count <= 101 })
        #expect(pieces.joined() == text)
        #expect(IRCText.pieces("short", maxBytes: 100) == ["short"])
    }

    @Test("SASL PLAIN's base64 decodes, and malformed base64 does not")
    func base64() {
        #expect(IRCText.base64Decoded("AGFsaWNlAGh1bnRlcjIy") == Array("\0alice\0hunter22".utf8))
        #expect(IRCText.base64Decoded("YQ==") == Array("a".utf8))
        #expect(IRCText.base64Decoded("YQ=") == nil)
        #expect(IRCText.base64Decoded("Y=Q=") == nil)
        #expect(IRCText.base64Decoded("!!!!") == nil)
    }

    @Test("server-time stamps are UTC with milliseconds")
    func timestamps() {
        #expect(IRCText.timestamp(unixMilliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(IRCText.timestamp(unixMilliseconds: 1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(IRCText.timestamp(unixMilliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
    }
}
