import ChatCore

let t0 = Instant(nanoseconds: 1_000_000_000)

func name(_ text: String) -> Name { Name(text)! }

func bytes(_ line: String) -> [UInt8] { Array((line + "\n").utf8) }

extension Array where Element == Effect {
    /// The mail among the effects.
    var mail: [Mail] {
        compactMap { if case .send(let mail) = $0 { return mail } else { return nil } }
    }

    /// The lines written among the effects.
    var written: [ServerLine] {
        compactMap { if case .write(_, let line) = $0 { return line } else { return nil } }
    }
}
