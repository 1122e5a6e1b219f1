import ChatCore
import Testing

/// The network delivers partial writes: a line may arrive in any number of pieces, cut
/// anywhere, inside a multi-byte character too. What a session does must not depend on
/// where the cuts fall.
@Suite("Session: input split anywhere")
struct SplitInputTests {
    static let lines = [
        "caf\u{E9}\tna\u{EF}ve \u{1F469}\u{200D}\u{1F4BB}", "/whisper Bob \u{4E16}\u{754C}", "/users",
        "look\u{200B}here", "\t tabbed", "/join Den",
    ]

    func session() -> Session {
        var limits = Limits.standard
        limits.rate = nil
        var session = Session(id: SessionID(3), address: "192.0.2.3", limits: limits, now: t0)
        _ = session.opened(now: t0)
        _ = session.bytesReceived(bytes("/login alice hunter22"), now: t0)
        _ = session.receive(.loggedIn(name("alice"), registered: false), now: t0)
        _ = session.receive(.entered(.global), now: t0)
        return session
    }

    func effects(of stream: [UInt8], cutAt cuts: [Int]) -> [SessionEffect] {
        var session = session()
        var effects: [SessionEffect] = []
        var start = 0
        for cut in cuts + [stream.count] where cut > start {
            effects += session.bytesReceived(stream[start..<cut], now: t0)
            start = cut
        }
        return effects
    }

    @Test("lines cut in two at every byte get the same effects as the lines whole")
    func everyCut() {
        let stream = SplitInputTests.lines.flatMap(bytes)
        let whole = effects(of: stream, cutAt: [])
        #expect(whole.count == SplitInputTests.lines.count)
        for cut in 1..<stream.count {
            #expect(effects(of: stream, cutAt: [cut]) == whole, "cut at byte \(cut)")
        }
    }

    @Test("lines at the length limit and one past it, a byte at a time, get the same effects as whole")
    func byteAtATime() {
        let atLimit = "m " + String(repeating: "\u{E9}", count: (Limits.maxLineBytes - 2) / 2)
        let pastLimit = atLimit + "x"
        #expect(atLimit.utf8.count == Limits.maxLineBytes)
        let stream = [atLimit, pastLimit, "after"].flatMap(bytes)
        let whole = effects(of: stream, cutAt: [])
        #expect(whole.contains(.write(CommandError.lineTooLong.serverLine)))
        #expect(effects(of: stream, cutAt: Array(1..<stream.count)) == whole)
    }
}
