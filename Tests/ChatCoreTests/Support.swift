import ChatCore

let t0 = Instant(nanoseconds: 1_000_000_000)

func name(_ text: String) -> Name { Name(text)! }

func bytes(_ line: String) -> [UInt8] { Array((line + "\n").utf8) }

extension Array where Element == SessionEffect {
    /// The mail among the effects.
    var mail: [SessionMail] {
        compactMap { if case .send(let mail) = $0 { return mail } else { return nil } }
    }

    /// The lines written among the effects.
    var written: [ServerLine] {
        compactMap { if case .write(let line) = $0 { return line } else { return nil } }
    }
}

extension Array where Element == GateEffect {
    var mail: [Mail] { map(\.mail) }
}

extension Array where Element == LobbyEffect {
    /// The mail among the outputs (a spawn is not mail).
    var mail: [Mail] { compactMap(\.mail) }
}

extension Array where Element == RoomEffect {
    /// The mail among the outputs (the retirement is not mail).
    var mail: [Mail] { compactMap(\.mail) }
}
