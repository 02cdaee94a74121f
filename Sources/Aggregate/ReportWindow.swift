import SLACore

/// Which metric instances a report counts (docs/semantics.md §6, "Report windows"): those that
/// stopped at or after `from`, and those still running at as_of (which is before `to`).
public struct ReportWindow: Sendable, Equatable {
    public var from: Instant?
    public var to: Instant?

    public init(from: Instant?, to: Instant?) { self.from = from; self.to = to }

    /// A named period in `zone`: `2026-03-05`, `2026-W10`, `2026-03`, `2026-Q1` or `2026`; nil if not one.
    public init?(period text: String, zone: ZoneRules) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let year = Int(parts[0]), parts[0].count == 4 else { return nil }
        var first: Int, next: Int  // local days since the epoch
        switch parts.count {
        case 1:
            first = CivilDate.daysFromCivil(year: year, month: 1, day: 1)
            next = CivilDate.daysFromCivil(year: year + 1, month: 1, day: 1)
        case 2 where parts[1].hasPrefix("Q"):
            guard let q = Int(parts[1].dropFirst()), (1...4).contains(q), parts[1].count == 2 else { return nil }
            first = CivilDate.daysFromCivil(year: year, month: 3 * q - 2, day: 1)
            next =
                q == 4
                ? CivilDate.daysFromCivil(year: year + 1, month: 1, day: 1) : CivilDate.daysFromCivil(year: year, month: 3 * q + 1, day: 1)
        case 2 where parts[1].hasPrefix("W"):
            guard let w = Int(parts[1].dropFirst()), parts[1].count == 3, w >= 1 else { return nil }
            // Week 1 holds the year's first Thursday; weeks start on Monday.
            let january4 = CivilDate(year: year, month: 1, day: 4)
            let monday = january4.daysSinceEpoch - (january4.isoWeekday - 1)
            first = monday + 7 * (w - 1)
            next = first + 7
            guard w <= 52 || CivilDate(daysSinceEpoch: first + 3).year == year else { return nil }
        case 2:
            guard let m = Int(parts[1]), parts[1].count == 2, (1...12).contains(m) else { return nil }
            first = CivilDate.daysFromCivil(year: year, month: m, day: 1)
            next =
                m == 12
                ? CivilDate.daysFromCivil(year: year + 1, month: 1, day: 1) : CivilDate.daysFromCivil(year: year, month: m + 1, day: 1)
        case 3:
            guard let m = Int(parts[1]), let d = Int(parts[2]), parts[1].count == 2, parts[2].count == 2, (1...12).contains(m),
                (1...CivilDate.daysInMonth(year: year, month: m)).contains(d)
            else { return nil }
            first = CivilDate.daysFromCivil(year: year, month: m, day: d)
            next = first + 1
        default:
            return nil
        }
        from = Instant(milliseconds: zone.utc(fromLocal: Int64(first) * 86_400_000))
        to = Instant(milliseconds: zone.utc(fromLocal: Int64(next) * 86_400_000))
    }

    /// The as_of a window implies: its last millisecond.
    public var asOf: Instant? { to.map { Instant(milliseconds: $0.milliseconds - 1) } }

    public func counts(_ instance: MetricInstance) -> Bool {
        guard let stop = instance.stop, let from else { return true }
        return stop >= from
    }

    /// The ticket with only the instances that count, nil when none does (the ticket is not in the window).
    public func restrict(_ ticket: TicketResult) -> TicketResult? {
        var result = ticket
        result.firstResponse = ticket.firstResponse.flatMap { counts($0) ? $0 : nil }
        result.nextReplies = ticket.nextReplies.filter(counts)
        result.resolution = ticket.resolution.flatMap { counts($0) ? $0 : nil }
        var any = false
        result.forEachInstance { _ in any = true }
        return any ? result : nil
    }
}
