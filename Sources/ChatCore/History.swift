/// A message as a room's history gives it back: who said what, and when the store kept it.
/// Whispers are never part of a room's history.
public struct HistoryEntry: Hashable, Sendable {
    public let sender: Name
    public let text: String
    public let at: StoredTime

    public init(sender: Name, text: String, at: StoredTime) {
        self.sender = sender
        self.text = text
        self.at = at
    }
}

extension Limits {
    /// The most lines one `/history N` reads back.
    public static let maxHistoryLines = 500
    /// What `/history` without a number reads back.
    public static let defaultHistoryCommandLines = 100
}

/// A wall-clock time as the store keeps it: milliseconds since the Unix epoch, in UTC.
/// ChatCore never reads a clock; this only carries what the store wrote, and spells it
/// (`2026-12-02T03:04:05.123Z`) for history lines.
public struct StoredTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public static func < (lhs: StoredTime, rhs: StoredTime) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// ISO 8601 in UTC with milliseconds, always 24 characters for the years 0000 to 9999.
    public var description: String {
        let ms = millisecondsSinceEpoch
        let days = ms.floorDivided(by: 86_400_000)
        let inDay = ms - days * 86_400_000
        let (year, month, day) = StoredTime.civil(fromDays: days)
        let seconds = inDay / 1000
        return "\(StoredTime.pad(year, 4))-\(StoredTime.pad(month, 2))-\(StoredTime.pad(day, 2))"
            + "T\(StoredTime.pad(seconds / 3600, 2)):\(StoredTime.pad(seconds / 60 % 60, 2))"
            + ":\(StoredTime.pad(seconds % 60, 2)).\(StoredTime.pad(inDay % 1000, 3))Z"
    }

    /// Reads exactly what `description` writes; nil for anything else.
    public init?(parsing text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58,
            bytes[16] == 58, bytes[19] == 46, bytes[23] == 90
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let milli = number(20..<23), (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = StoredTime.days(year: year, month: month, day: day)
        guard (1...31).contains(day), StoredTime.civil(fromDays: days) == (year, month, day) else { return nil }
        self.init(millisecondsSinceEpoch: days * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + milli)
    }

    // Days and civil dates both ways, after Howard Hinnant's `days_from_civil` / `civil_from_days`.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }
}
