import SLACore

/// The thresholds of the pipeline's `warnings:` key.
public struct WarningThresholds: Sendable {
    /// Share of tickets that may be incomplete before a warning.
    public var incomplete = 0.20
    /// Share of tickets with second opens or events before open (counted as anomalies) before a warning.
    public var anomalies = 0.05

    public init() {}
}

/// How time-only stamps get their date (docs/semantics.md §1, "Time-only stamps").
public struct TimeOnlySettings: Sendable {
    /// A time of day this much earlier than the previous line's is on the next day (default 12 h).
    public var wrap: Milliseconds = 12 * 3_600_000
    /// Take the first date in a file's name (`chat-2026-03-02.log`) as its first day.
    public var dateFromFileName = true

    public init() {}

    /// The instant of a time-only stamp read after `lastTimeOfDay` on local `day` (both updated:
    /// a time more than `wrap` earlier than the last one is on the next day).
    public func instant(timeOfDay: Int64, day: inout Int64, lastTimeOfDay: inout Int64?, zone: ZoneRules) -> Instant {
        if let last = lastTimeOfDay, timeOfDay < last - wrap { day += 1 }
        lastTimeOfDay = timeOfDay
        return Instant(milliseconds: zone.utc(fromLocal: day * 86_400_000 + timeOfDay))
    }

    /// The local day of the first `YYYY-MM-DD`, `YYYY_MM_DD` or `YYYYMMDD` date in a path's file name.
    public static func day(inFileName path: String) -> Int64? {
        let name = Array((path.split(separator: "/").last.map(String.init) ?? path).utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= name.count else { return nil }
            var value = 0
            for b in name[from..<(from + count)] {
                guard (0x30...0x39).contains(b) else { return nil }
                value = value * 10 + Int(b - 0x30)
            }
            return value
        }
        var i = 0
        while i + 8 <= name.count {
            defer { i += 1 }
            if i > 0 && (0x30...0x39).contains(name[i - 1]) { continue }
            guard let year = number(i, 4), (1970...2999).contains(year) else { continue }
            var month: Int?, dayOfMonth: Int?, end = 0
            if i + 10 <= name.count, [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")].contains(name[i + 4]),
                name[i + 7] == name[i + 4]
            {
                month = number(i + 5, 2); dayOfMonth = number(i + 8, 2); end = i + 10
            } else {
                month = number(i + 4, 2); dayOfMonth = number(i + 6, 2); end = i + 8
            }
            guard let month, let dayOfMonth, (1...12).contains(month), dayOfMonth >= 1,
                dayOfMonth <= CivilDate.daysInMonth(year: year, month: month), end == name.count || !(0x30...0x39).contains(name[end])
            else { continue }
            return Int64(CivilDate(year: year, month: month, day: dayOfMonth).daysSinceEpoch)
        }
        return nil
    }
}
