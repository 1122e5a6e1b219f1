/// The text a sender sends: `L <sender> <nanoseconds> xxxx…`, padded to the configured
/// size. Receivers find the marker in any protocol's line and compute the latency.
enum LoadMessage {
    static func text(sender: Int, sentAt nanoseconds: Int64, size: Int) -> [UInt8] {
        var bytes = Array("L \(sender) \(nanoseconds) ".utf8)
        if bytes.count < size { bytes += repeatElement(UInt8(ascii: "x"), count: size - bytes.count) }
        return bytes
    }

    /// The sender and send time in a delivered line, if it carries a load message.
    static func parse(_ line: ArraySlice<UInt8>) -> (sender: Int, sentAt: Int64)? {
        var index = line.startIndex
        while index + 2 < line.endIndex {
            if line[index] == UInt8(ascii: "L"), line[index + 1] == 0x20, index > line.startIndex,
                line[index - 1] == 0x20 || line[index - 1] == UInt8(ascii: ":")
            {
                var cursor = index + 2
                guard let sender = number(line, &cursor), let sentAt = number(line, &cursor) else { return nil }
                return (Int(sender), sentAt)
            }
            index += 1
        }
        return nil
    }

    private static func number(_ line: ArraySlice<UInt8>, _ cursor: inout Int) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        while cursor < line.endIndex, (0x30...0x39).contains(line[cursor]) {
            value = value * 10 + Int64(line[cursor] - 0x30)
            digits += 1
            cursor += 1
        }
        if cursor < line.endIndex, line[cursor] == 0x20 { cursor += 1 }
        return digits > 0 ? value : nil
    }
}
