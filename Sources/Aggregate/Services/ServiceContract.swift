import SLACore

/// The reporting period of a service agreement, in the service's zone.
public enum ReportPeriod: String, CaseIterable, Sendable {
    case day, week, month, quarter

    /// The period holding the local day `day` (days since 1970-01-01): its first local day and the next period's.
    public func bounds(ofDay day: Int64) -> (first: Int64, next: Int64) {
        let date = CivilDate(daysSinceEpoch: Int(day))
        switch self {
        case .day:
            return (day, day + 1)
        case .week:
            let monday = day - Int64(date.isoWeekday - 1)
            return (monday, monday + 7)
        case .month, .quarter:
            let months = self == .month ? 1 : 3
            let firstMonth = self == .month ? date.month : (date.month - 1) / 3 * 3 + 1
            let first = CivilDate.daysFromCivil(year: date.year, month: firstMonth, day: 1)
            let nextMonth = firstMonth + months
            let next =
                nextMonth > 12
                ? CivilDate.daysFromCivil(year: date.year + 1, month: nextMonth - 12, day: 1)
                : CivilDate.daysFromCivil(year: date.year, month: nextMonth, day: 1)
            return (Int64(first), Int64(next))
        }
    }

    /// `2026-03-02`, `2026-W10`, `2026-03`, `2026-Q1` for the period starting on local day `first`.
    public func label(first: Int64) -> String {
        let date = CivilDate(daysSinceEpoch: Int(first))
        switch self {
        case .day: return date.description
        case .week: return Summarizer.isoWeek(date)
        case .month: return String(date.description.prefix(7))
        case .quarter: return "\(date.year)-Q\((date.month - 1) / 3 + 1)"
        }
    }
}

/// How unmonitored time counts in availability (docs/semantics.md §10).
public enum UnmonitoredTime: String, Sendable {
    case exclude, down, up
}

/// A service agreement from the pipeline's `services:` (docs/semantics.md §10).
public struct ServiceContract: Sendable {
    /// The services it covers: a glob over service names from the logs.
    public var name: GlobPattern
    public var customers: [GlobPattern]
    public var calendar: BusinessCalendar
    /// Zone of the periods: the calendar's, else the pipeline's, else UTC.
    public var zone: ZoneRules
    public var period = ReportPeriod.month
    /// Availability target in hundredths of a basis point (99.9 % = 999_000), nil: none.
    public var availabilityTarget: Int?
    public var maxOutages: Int?
    public var maxOutage: Milliseconds?
    public var minOutage: Milliseconds = 0
    public var mergeGap: Milliseconds = 0
    public var failThreshold = 1
    public var staleAfter: Milliseconds?
    public var unmonitored = UnmonitoredTime.exclude
    public var assumeInitialUp = false

    public init(name: GlobPattern, customers: [GlobPattern] = [], calendar: BusinessCalendar = .alwaysOpen, zone: ZoneRules = .utc) {
        self.name = name; self.customers = customers; self.calendar = calendar; self.zone = zone
    }

    /// The contract for services no `services:` entry names: 24x7, monthly, no targets.
    public static let unnamed = ServiceContract(name: GlobPattern("*"))

    public var hasTargets: Bool { availabilityTarget != nil || maxOutages != nil || maxOutage != nil }
}
