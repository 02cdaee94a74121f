import SLACore

/// Which time counts toward a metric (SEMANTICS.md §4): all of it (`24x7`),
/// or weekly business hours in a time zone minus holidays.
///
/// Durations are the overlap of `[start, stop)` with the business
/// intervals, computed per local day by interval arithmetic, never by
/// stepping minutes. Local times become UTC through the zone's own offset
/// table, so a 09:00–17:00 day is 8 hours on DST days too (unless the jump
/// falls inside the hours).
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

    public init(name: String, zone: ZoneRules?, hours: [[LocalInterval]], holidays: Set<CivilDate>) {
        self.name = name
        self.zone = zone
        self.hours = hours
        self.holidays = holidays
    }

    /// Business time in `[start, stop)`, in milliseconds (0 if `stop <= start`).
    public func duration(from start: Instant, to stop: Instant) -> Milliseconds {
        guard stop > start else { return 0 }
        guard let zone else { return stop.milliseconds - start.milliseconds }
        var total: Milliseconds = 0
        forEachBusinessInterval(from: start, to: stop, zone: zone) { total += $1 - $0 }
        return total
    }

    /// Calls `body(utcStart, utcEnd)` for each business interval clipped to `[start, stop)`, in order.
    public func forEachBusinessInterval(from start: Instant, to stop: Instant, _ body: (Int64, Int64) -> Void) {
        guard stop > start else { return }
        guard let zone else { body(start.milliseconds, stop.milliseconds); return }
        forEachBusinessInterval(from: start, to: stop, zone: zone, body)
    }

    private func forEachBusinessInterval(from start: Instant, to stop: Instant, zone: ZoneRules, _ body: (Int64, Int64) -> Void) {
        let day: Int64 = 86_400_000
        // Local days that can overlap [start, stop): offsets are within ±18 h.
        let firstDay = zone.local(start.milliseconds).day - 1
        let lastDay = zone.local(stop.milliseconds).day + 1
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
