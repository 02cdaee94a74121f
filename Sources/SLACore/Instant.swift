/// A point in time: milliseconds since 1970-01-01T00:00:00Z (UTC).
///
/// slalog keeps every instant at millisecond precision (docs/semantics.md §1) in a
/// plain `Int64`, so events stay compact and comparisons are integer compares.
public struct Instant: Hashable, Comparable, Sendable {
    /// Milliseconds since the Unix epoch, UTC.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func < (a: Instant, b: Instant) -> Bool { a.milliseconds < b.milliseconds }

    /// Builds an instant from a proleptic Gregorian UTC date and time.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        let days = CivilDate.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.milliseconds = seconds * 1000 + Int64(millisecond)
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-03-01T09:15:02.123Z` (docs/semantics.md §7).
    public var iso8601: String {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let date = CivilDate(daysSinceEpoch: Int(days))
        let ms = Int(msOfDay)
        let h = ms / 3_600_000, m = ms / 60_000 % 60, s = ms / 1000 % 60, f = ms % 1000
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }
}

/// A span of time in milliseconds (may be business time on a calendar).
public typealias Milliseconds = Int64

extension Int64 {
    /// Floor division with a non-negative remainder (for instants before 1970).
    @inlinable
    public func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 { q -= 1; r += divisor }
        return (q, r)
    }
}

/// Formats a duration in seconds with millisecond precision: `3600.250` (docs/semantics.md §7).
public func formatSeconds(_ ms: Milliseconds) -> String {
    let negative = ms < 0
    let magnitude = negative ? -ms : ms
    return "\(negative ? "-" : "")\(magnitude / 1000).\(pad(Int(magnitude % 1000), 3))"
}

/// `HH:MM` for a time of day given in milliseconds since midnight (`24:00` allowed).
public func clockText(_ millisecondOfDay: Int64) -> String {
    let minutes = Int(millisecondOfDay / 60_000)
    return "\(pad(minutes / 60, 2)):\(pad(minutes % 60, 2))"
}

@usableFromInline
func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// A date in the proleptic Gregorian calendar, with the day-count
/// conversions of Howard Hinnant's `days_from_civil` / `civil_from_days`.
public struct CivilDate: Hashable, Comparable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year; self.month = month; self.day = day
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01 of this date.
    public var daysSinceEpoch: Int { Self.daysFromCivil(year: year, month: month, day: day) }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int {
        let d = daysSinceEpoch
        // 1970-01-01 was a Thursday (4).
        return ((d % 7) + 7 + 3) % 7 + 1
    }

    public static func daysFromCivil(year y0: Int, month m: Int, day d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `Mon` … `Sun`.
    public var weekdayAbbreviation: String { ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][isoWeekday - 1] }

    /// `YYYY-MM-DD`.
    public var description: String { "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }
}

extension Instant {
    /// Time-only stamps (`14:05:09`) travel from the workers to the merger as a time of day in
    /// this reserved range; the merger gives them their date (docs/semantics.md §1) before any
    /// other stage sees them.
    static let timeOnlyBase = Int64.min / 2

    public init(timeOfDay milliseconds: Int64) { self.milliseconds = Self.timeOnlyBase + milliseconds }

    /// The time of day of a time-only stamp, nil for a full instant.
    public var timeOfDay: Int64? {
        let offset = milliseconds &- Self.timeOnlyBase
        return offset >= 0 && offset < 86_400_000 ? offset : nil
    }
}
