/// Text rules between IRC and Parley: formatting codes, long lines, SASL's base64, and
/// the `server-time` stamp. Pure functions, no state.
enum IRCText {
    /// Strips IRC formatting: bold (0x02), colour (0x03 with up to two digits, a comma and
    /// two more), hex colour (0x04 with six hex digits), reset (0x0F), monospace (0x11),
    /// reverse (0x16), italic (0x1D), strike-through (0x1E), underline (0x1F). Parley
    /// passes no control character to a terminal, so these are removed rather than
    /// refused: a line someone wrote in colour still arrives, in plain text. Any other
    /// control character is left for Parley's own rule to refuse.
    static func strippingFormatting(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 }) else { return text }
        var scalars = Array(text.unicodeScalars)[...]
        var result = String.UnicodeScalarView()
        while let scalar = scalars.popFirst() {
            switch scalar.value {
            case 0x02, 0x0F, 0x11, 0x16, 0x1D, 0x1E, 0x1F:
                continue
            case 0x03:
                dropDigits(&scalars, upTo: 2)
                if scalars.first == ",", scalars.dropFirst().first.map(isDigit) == true {
                    scalars.removeFirst()
                    dropDigits(&scalars, upTo: 2)
                }
            case 0x04:
                var taken = 0
                while taken < 6, let next = scalars.first, next.properties.isASCIIHexDigit {
                    scalars.removeFirst()
                    taken += 1
                }
            default:
                result.append(scalar)
            }
        }
        return String(result)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    private static func dropDigits(_ scalars: inout ArraySlice<Unicode.Scalar>, upTo count: Int) {
        var taken = 0
        while taken < count, let next = scalars.first, isDigit(next) {
            scalars.removeFirst()
            taken += 1
        }
    }

    /// Cuts a text into pieces of at most `maxBytes` UTF-8 bytes, never inside a character:
    /// a Parley message may be 4,096 bytes, an IRC line only 512.
    static func pieces(_ text: String, maxBytes: Int) -> [String] {
        guard text.utf8.count > maxBytes else { return [text] }
        var pieces: [String] = []
        var current = ""
        var currentBytes = 0
        for character in text {
            let size = character.utf8.count
            if currentBytes + size > maxBytes, !current.isEmpty {
                pieces.append(current)
                current = ""
                currentBytes = 0
            }
            current.append(character)
            currentBytes += size
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// Standard base64 (RFC 4648, with padding), as SASL's AUTHENTICATE carries it; nil if
    /// it is not well formed.
    static func base64Decoded(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 4 * 3)
        var index = 0
        while index < bytes.count {
            var values: [UInt8] = []
            var padding = 0
            for byte in bytes[index..<index + 4] {
                if byte == UInt8(ascii: "=") {
                    padding += 1
                    values.append(0)
                } else if padding > 0 {
                    return nil
                } else if let value = base64Value(byte) {
                    values.append(value)
                } else {
                    return nil
                }
            }
            guard padding <= 2, padding == 0 || index + 4 == bytes.count else { return nil }
            let triple = UInt32(values[0]) << 18 | UInt32(values[1]) << 12 | UInt32(values[2]) << 6 | UInt32(values[3])
            output.append(UInt8(triple >> 16 & 0xFF))
            if padding < 2 { output.append(UInt8(triple >> 8 & 0xFF)) }
            if padding < 1 { output.append(UInt8(triple & 0xFF)) }
            index += 4
        }
        return output
    }

    private static func base64Value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// `2026-12-02T03:04:05.678Z` for milliseconds since the Unix epoch: the `server-time`
    /// tag. Days to a civil date by the usual era arithmetic (proleptic Gregorian).
    static func timestamp(unixMilliseconds: Int64) -> String {
        let millis = ((unixMilliseconds % 1000) + 1000) % 1000
        let seconds = (unixMilliseconds - millis) / 1000
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let days = (seconds - secondOfDay) / 86_400 + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T\(padded(secondOfDay / 3600, 2)):"
            + "\(padded(secondOfDay / 60 % 60, 2)):\(padded(secondOfDay % 60, 2)).\(padded(millis, 3))Z"
    }
}
