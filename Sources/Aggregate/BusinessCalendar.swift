import SLACore

/// Which time counts toward a metric (docs/semantics.md §4): all of it (`24x7`),
/// or weekly business hours in a time zone minus holidays.
///
/// Durations are the overlap of `[start, stop)` with the business
/// intervals, computed per local day by interval arithmetic, never by
/// stepping minutes. Local times become UTC through the zone's own offset
/// table, so a 09:00–17:00 day is 8 hours on DST days too (unless the jump
/// falls inside the hours). Spans longer than three weeks cost O(weeks-free
/// arithmetic + offset changes + holidays), not O(days): whole days away from
/// any offset change are summed per weekday in closed form.
public final class BusinessCalendar: Sendable {
    public let name: String
    /// nil for `24x7`.
    public let zone: ZoneRules?
    /// Business intervals per ISO weekday (index 1 = Monday … 7 = Sunday),
    /// in milliseconds from local midnight, sorted and non-overlapping.
    public let hours: [[LocalInterval]]
    /// Local dates with no business hours.
    public let holidays: Set<CivilDate>

    /// A `[start, end)` span of local time of day, in milliseconds; `end` may be 24:00.
    public struct LocalInterval: Sendable, Equatable {
        public var start: Int64
        public var end: Int64
        public init(start: Int64, end: Int64) { self.start = start; self.end = end }
    }

    /// The calendar where every millisecond counts.
    public static let alwaysOpen = BusinessCalendar(name: "24x7", zone: nil, hours: [], holidays: [])

    /// Local business milliseconds per ISO weekday (index 1…7) and in a whole week.
    private let dayTotals: [Int64]
    private let weekTotal: Int64
    /// Holidays as local day numbers (days since 1970-01-01), ascending.
    private let holidayDays: [Int64]

    public init(name: String, zone: ZoneRules?, hours: [[LocalInterval]], holidays: Set<CivilDate>) {
        self.name = name
        self.zone = zone
        self.hours = hours
        self.holidays = holidays
        let totals = hours.map { $0.reduce(Int64(0)) { $0 + $1.end - $1.start } }
        dayTotals = totals
        weekTotal = totals.dropFirst().reduce(0, +)
        holidayDays = holidays.map { Int64($0.daysSinceEpoch) }.sorted()
    }

    private static let day: Int64 = 86_400_000

    /// The same calendar in an object of its own, its zone too (see `PolicySet.copy()`).
    public func copy() -> BusinessCalendar { BusinessCalendar(name: name, zone: zone?.copy(), hours: hours, holidays: holidays) }

    /// The working hours of one working day, when every working day of the week has the
    /// same total (24 h on 24x7): what a `bd` duration counts. nil when the days differ.
    public var businessDayLength: Milliseconds? {
        if hours.isEmpty { return Self.day }
        let lengths = Set(dayTotals.filter { $0 > 0 })
        return lengths.count == 1 ? lengths.first! : nil
    }

    /// Business time in `[start, stop)`, in milliseconds (0 if `stop <= start`).
    public func duration(from start: Instant, to stop: Instant) -> Milliseconds {
        guard stop > start else { return 0 }
        guard let zone else { return stop.milliseconds - start.milliseconds }
        if stop.milliseconds - start.milliseconds > 21 * Self.day { return longDuration(from: start, to: stop, zone: zone) }
        return walkedDuration(from: start, to: stop, zone: zone)
    }

    /// The day-by-day sum (the definition; used for short spans and as the tests' reference).
    func walkedDuration(from start: Instant, to stop: Instant, zone: ZoneRules) -> Milliseconds {
        var total: Milliseconds = 0
        forEachBusinessInterval(from: start, to: stop, zone: zone) { total += $1 - $0 }
        return total
    }

    /// The same sum for long spans: the first and last days are walked; the
    /// whole days between are summed per weekday minus holidays, except the
    /// days around an offset change, which are walked one by one.
    private func longDuration(from start: Instant, to stop: Instant, zone: ZoneRules) -> Milliseconds {
        let firstDay = zone.local(start.milliseconds).day - 1
        let lastDay = zone.local(stop.milliseconds).day + 1
        let middleStart = firstDay + 4, middleEnd = lastDay - 3
        var total: Milliseconds = 0
        func walk(_ days: Range<Int64>) {
            guard !days.isEmpty else { return }
            forEachBusinessInterval(fromDay: days.lowerBound, toDay: days.upperBound - 1, clip: start, stop, zone: zone) {
                total += $1 - $0
            }
        }
        walk(firstDay..<middleStart)
        walk(middleEnd..<(lastDay + 1))
        // Days within two days of an offset change are walked (conversions there depend on the change).
        var cursor = middleStart
        let changes = zone.transitions(from: (middleStart - 3) * Self.day - Self.day, to: (middleEnd + 3) * Self.day + Self.day)
        for change in changes {
            let changeDay = (change + zone.offset(atUTC: change)).floorDivided(by: Self.day).quotient
            let near = max(cursor, changeDay - 2)..<min(middleEnd, changeDay + 3)
            guard !near.isEmpty else { continue }
            total += closedFormDuration(cursor..<near.lowerBound)
            walk(near)
            cursor = near.upperBound
        }
        total += closedFormDuration(cursor..<max(cursor, middleEnd))
        return total
    }

    /// Business time of whole local days with one constant UTC offset: weekday totals minus holidays.
    private func closedFormDuration(_ days: Range<Int64>) -> Milliseconds {
        guard !days.isEmpty else { return 0 }
        let count = days.upperBound - days.lowerBound
        var total = count / 7 * weekTotal
        var day = days.lowerBound + count / 7 * 7
        while day < days.upperBound {
            total += dayTotals[Self.isoWeekday(day)]
            day += 1
        }
        var low = 0, high = holidayDays.count
        while low < high {
            let mid = (low + high) / 2
            if holidayDays[mid] < days.lowerBound { low = mid + 1 } else { high = mid }
        }
        var index = low
        while index < holidayDays.count && holidayDays[index] < days.upperBound {
            total -= dayTotals[Self.isoWeekday(holidayDays[index])]
            index += 1
        }
        return total
    }

    /// ISO weekday (1 = Monday) of a day number; 1970-01-01 was a Thursday.
    private static func isoWeekday(_ day: Int64) -> Int { Int((day + 3).floorDivided(by: 7).remainder) + 1 }

    /// Calls `body(utcStart, utcEnd)` for each business interval clipped to `[start, stop)`, in order.
    public func forEachBusinessInterval(from start: Instant, to stop: Instant, _ body: (Int64, Int64) -> Void) {
        guard stop > start else { return }
        guard let zone else { body(start.milliseconds, stop.milliseconds); return }
        forEachBusinessInterval(from: start, to: stop, zone: zone, body)
    }

    private func forEachBusinessInterval(from start: Instant, to stop: Instant, zone: ZoneRules, _ body: (Int64, Int64) -> Void) {
        // Local days that can overlap [start, stop): offsets are within ±18 h.
        let firstDay = zone.local(start.milliseconds).day - 1
        let lastDay = zone.local(stop.milliseconds).day + 1
        forEachBusinessInterval(fromDay: firstDay, toDay: lastDay, clip: start, stop, zone: zone, body)
    }

    /// Business intervals of local days `firstDay…lastDay` (inclusive), clipped to `[start, stop)`.
    private func forEachBusinessInterval(
        fromDay firstDay: Int64, toDay lastDay: Int64, clip start: Instant, _ stop: Instant, zone: ZoneRules,
        _ body: (Int64, Int64) -> Void
    ) {
        let day = Self.day
        var localDay = firstDay
        while localDay <= lastDay {
            defer { localDay += 1 }
            let date = CivilDate(daysSinceEpoch: Int(localDay))
            if holidays.contains(date) { continue }
            let midnight = localDay * day
            for interval in hours[date.isoWeekday] {
                let utcStart = zone.utc(fromLocal: midnight + interval.start)
                let utcEnd = zone.utc(fromLocal: midnight + interval.end)
                let clippedStart = max(utcStart, start.milliseconds)
                let clippedEnd = min(utcEnd, stop.milliseconds)
                if clippedEnd > clippedStart { body(clippedStart, clippedEnd) }
            }
        }
    }
}
