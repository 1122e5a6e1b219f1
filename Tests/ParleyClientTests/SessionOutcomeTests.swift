import ParleyClient
import Testing

@Suite("How a session ends")
struct SessionOutcomeTests {
    let endpoint = Endpoint(host: "127.0.0.1", port: 7999)

    @Test("BYE goodbye, or a close after the person quit, is a normal end")
    func normal() {
        var outcome = SessionOutcome()
        outcome.observe("BYE goodbye see you")
        #expect(outcome.error(endpoint: endpoint) == nil)
        #expect(SessionOutcome(userQuit: true).error(endpoint: endpoint) == nil)
    }

    @Test("any other BYE, a silent close or a broken connection is an error with one line")
    func abnormal() throws {
        var outcome = SessionOutcome(userQuit: true)
        outcome.observe("BYE shutdown the server is shutting down")
        let bye = try #require(outcome.error(endpoint: endpoint))
        #expect(bye.message == "disconnected by 127.0.0.1:7999: the server is shutting down (shutdown)")
        #expect(bye.exitCode == 1)
        let silent = try #require(SessionOutcome().error(endpoint: endpoint))
        #expect(silent.kind == .serverGone && silent.message.contains("without a goodbye"))
        let broken = try #require(
            SessionOutcome(userQuit: true, transportFailure: "TLS read failed").error(endpoint: endpoint))
        #expect(broken.message == "connection to 127.0.0.1:7999 failed: TLS read failed")
    }

    @Test("every line sent is settled by exactly one answer addressed to its sender")
    func pendingReplies() {
        var replies = PendingReplies()
        for line in ["/register alice password1", "hello", "", "  ", "/users", "/whisper bob hi"] { replies.sent(line) }
        #expect(replies.outstanding == 4)
        replies.observe("OK registered alice; you are in global", me: nil)
        replies.observe("EVENT global bob joined", me: "alice")
        replies.observe("MSG global bob hi", me: "alice")
        replies.observe("WHISPER bob alice psst", me: "alice")
        #expect(replies.outstanding == 3)
        replies.observe("MSG global Alice hello", me: "alice")
        replies.observe("USERS global alice bob", me: "alice")
        #expect(!replies.settled)
        replies.observe("ERR no-such-user nobody called bob here", me: "alice")
        #expect(replies.settled)
        replies.observe("OK extra", me: "alice")
        #expect(replies.outstanding == 0)
    }

    @Test("the server's stream is cut into lines, CR LF included, and an endless line is cut")
    func splitting() {
        var splitter = LineSplitter(maxBytes: 8)
        #expect(splitter.append(Array("OK a\r\nOK ".utf8)) == ["OK a"])
        #expect(splitter.append(Array("b\n".utf8)) == ["OK b"])
        #expect(splitter.append(Array("0123456789".utf8)) == ["01234567"])
        #expect(splitter.finish() == "89")
        #expect(splitter.finish() == nil)
        var fresh = LineSplitter()
        #expect(fresh.append([0x4F, 0xFF, 0x0A]) == ["O\u{FFFD}"])
    }
}
