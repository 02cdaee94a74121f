import CPrefetch
import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a summary row is keyed by (docs/semantics.md §6).
public enum GroupDimension: Hashable, Sendable {
    case customer, channel, priority, agent, policy
    /// Local date of the ticket's open in the grouping zone: `2026-03-01`.
    case day
    /// ISO week of the open: `2026-W09`.
    case week
    /// Month of the open: `2026-03`.
    case month
    /// One of the pipeline's own attributes (`attributes:`), by its index in declared order.
    case attribute(index: Int, name: String)

    /// The built-in dimensions.
    public static let allCases: [GroupDimension] = [.customer, .channel, .priority, .agent, .policy, .day, .week, .month]

    /// The column name.
    public var rawValue: String {
        switch self {
        case .customer: "customer"
        case .channel: "channel"
        case .priority: "priority"
        case .agent: "agent"
        case .policy: "policy"
        case .day: "day"
        case .week: "week"
        case .month: "month"
        case let .attribute(_, name): name
        }
    }

    /// A built-in dimension, or one of `attributes` (the pipeline's own, in declared order).
    public init?(rawValue: String, attributes: [String] = []) {
        if let builtIn = Self.allCases.first(where: { $0.rawValue == rawValue }) {
            self = builtIn
        } else if let index = attributes.firstIndex(of: rawValue) {
            self = .attribute(index: index, name: rawValue)
        } else {
            return nil
        }
    }
}

/// Counters and durations of one metric within one group.
public struct MetricStats: Sendable, Equatable {
    // Counters are stored in 32 bits and read as Int: a million groups hold three of these each. Four
    // billion instances in one group is beyond any help desk; past it the run stops (an overflow
    // trap), it never wraps to a wrong figure.
    private var counts: (measured: UInt32, met: UInt32, breached: UInt32, ongoingBreached: UInt32, atRisk: UInt32) = (0, 0, 0, 0, 0)
    public var overTargetTotal: Milliseconds = 0
    /// Values of stopped instances (for mean and percentiles): unsorted while adding, ascending in `takeRows`' rows.
    public var durations: [Milliseconds] = []

    public var measured: Int {
        get { Int(counts.measured) }
        set { counts.measured = UInt32(newValue) }
    }
    public var met: Int {
        get { Int(counts.met) }
        set { counts.met = UInt32(newValue) }
    }
    public var breached: Int {
        get { Int(counts.breached) }
        set { counts.breached = UInt32(newValue) }
    }
    public var ongoingBreached: Int {
        get { Int(counts.ongoingBreached) }
        set { counts.ongoingBreached = UInt32(newValue) }
    }
    public var atRisk: Int {
        get { Int(counts.atRisk) }
        set { counts.atRisk = UInt32(newValue) }
    }

    public init() {}

    public static func == (a: MetricStats, b: MetricStats) -> Bool {
        a.counts == b.counts && a.overTargetTotal == b.overTargetTotal && a.durations == b.durations
    }

    /// Adds another group's counters and durations.
    public mutating func merge(_ other: MetricStats) {
        counts.measured += other.counts.measured; counts.met += other.counts.met; counts.breached += other.counts.breached
        counts.ongoingBreached += other.counts.ongoingBreached; counts.atRisk += other.counts.atRisk
        overTargetTotal += other.overTargetTotal
        // Exactly the room needed: merged lists are the largest a run holds (millions of values).
        durations.reserveCapacity(durations.count + other.durations.count)
        durations += other.durations
    }

    mutating func add(_ instance: MetricInstance) {
        if instance.outcome.isMeasured { counts.measured += 1 }
        switch instance.outcome {
        case .met: counts.met += 1
        case .breached: counts.breached += 1
        case .ongoingBreach: counts.breached += 1; counts.ongoingBreached += 1
        case .atRisk: counts.atRisk += 1
        case .running, .unmeasured: break
        }
        if let over = instance.overTarget { overTargetTotal += over }
        if instance.isStoppedDuration { durations.append(instance.value) }
    }

    /// met / measured × 100 in hundredths of a percent, rounded half up; nil when nothing was measured.
    public var complianceHundredths: Int? {
        guard measured > 0 else { return nil }
        return (met * 20_000 + measured) / (2 * measured)
    }

    /// Mean over_target of breaches, rounded to the millisecond; nil without breaches.
    public var meanOverTarget: Milliseconds? { Self.mean(total: overTargetTotal, count: breached) }

    public var mean: Milliseconds? { Self.mean(total: durations.reduce(0, +), count: durations.count) }

    /// Nearest-rank percentile: the value at rank ceil(p/100 × n) in ascending order.
    public func percentile(_ p: Int, sorted: [Milliseconds]) -> Milliseconds? {
        guard !sorted.isEmpty else { return nil }
        let rank = (p * sorted.count + 99) / 100
        return sorted[max(rank, 1) - 1]
    }

    static func mean(total: Milliseconds, count: Int) -> Milliseconds? {
        guard count > 0 else { return nil }
        let n = Int64(count)
        return total >= 0 ? (total + n / 2) / n : -((-total + n / 2) / n)
    }
}

/// One row of the summary: a group's ticket counts and metric statistics.
public struct GroupSummary: Sendable {
    /// One value per grouping dimension (empty string: attribute absent).
    public var key: [String]
    /// Ticket counts, in 32 bits (as `MetricStats`' counters), read as Int.
    private var counts: (tickets: UInt32, resolved: UInt32, openAtAsOf: UInt32, incomplete: UInt32, ticketsBreached: UInt32) = (
        0, 0, 0, 0, 0
    )
    public var tickets: Int {
        get { Int(counts.tickets) }
        set { counts.tickets = UInt32(newValue) }
    }
    public var resolved: Int {
        get { Int(counts.resolved) }
        set { counts.resolved = UInt32(newValue) }
    }
    public var openAtAsOf: Int {
        get { Int(counts.openAtAsOf) }
        set { counts.openAtAsOf = UInt32(newValue) }
    }
    public var incomplete: Int {
        get { Int(counts.incomplete) }
        set { counts.incomplete = UInt32(newValue) }
    }
    public var ticketsBreached: Int {
        get { Int(counts.ticketsBreached) }
        set { counts.ticketsBreached = UInt32(newValue) }
    }
    /// Statistics per metric: three fields, not an array of three, so that adding an instance
    /// checks the uniqueness of one duration list only (this is done per instance of every ticket).
    var firstResponse = MetricStats(), nextReply = MetricStats(), resolution = MetricStats()

    public init(key: [String]) { self.key = key }

    public subscript(metric: Metric) -> MetricStats {
        switch metric {
        case .firstResponse: firstResponse
        case .nextReply: nextReply
        case .resolution: resolution
        }
    }

    mutating func add(_ ticket: TicketResult) {
        counts.tickets += 1
        switch ticket.state {
        case .incomplete: counts.incomplete += 1
        case .resolved: counts.resolved += 1
        case .active, .waiting: counts.openAtAsOf += 1
        }
        if ticket.isBreached { counts.ticketsBreached += 1 }
        ticket.forEachInstance { instance in
            switch instance.metric {
            case .firstResponse: firstResponse.add(instance)
            case .nextReply: nextReply.add(instance)
            case .resolution: resolution.add(instance)
            }
        }
    }

    /// Asks for the cache lines `add` reads first: each duration list's header (its count). A hint only
    /// (a prefetch never faults and changes nothing): with thousands of groups these lines are rarely in
    /// cache, and `add` would wait on each in turn. Mutating only so that it is called on the group in
    /// place: a copy of the group would retain and release its four arrays per ticket.
    mutating func prefetchStatistics() {
        Self.prefetch(&firstResponse.durations)
        Self.prefetch(&nextReply.durations)
        Self.prefetch(&resolution.durations)
    }

    private static func prefetch(_ durations: inout [Milliseconds]) {
        durations.withUnsafeBufferPointer { values in
            guard let base = values.baseAddress else { return }
            // The array's header (reference count, count, capacity) lies just before its elements. Only
            // the header: finding where the next value goes would read the count, i.e. wait for the line.
            slalog_prefetch(UnsafeRawPointer(base) - 24)
        }
    }

    public mutating func merge(_ other: GroupSummary) {
        counts.tickets += other.counts.tickets; counts.resolved += other.counts.resolved; counts.openAtAsOf += other.counts.openAtAsOf
        counts.incomplete += other.counts.incomplete; counts.ticketsBreached += other.counts.ticketsBreached
        firstResponse.merge(other.firstResponse); nextReply.merge(other.nextReply); resolution.merge(other.resolution)
    }
}

/// Groups ticket results and accumulates their statistics.
public struct Summarizer: Sendable {
    public let dimensions: [GroupDimension]
    public let zone: ZoneRules
    public let policyNames: [String]
    /// Groups in first-seen order; `index` finds a group by its key.
    private var groups: [GroupSummary] = []
    private var index: [[GroupValue]: Int] = [:]
    /// The same index for the common one-dimension case, keyed by the value
    /// alone (no array to build and hash per ticket).
    private var singleIndex: [GroupValue: Int] = [:]

    public init(dimensions: [GroupDimension] = [.customer], zone: ZoneRules = .utc, policyNames: [String]) {
        self.dimensions = dimensions
        self.zone = zone
        self.policyNames = policyNames
    }

    public mutating func add(_ ticket: TicketResult) {
        // Groups are mutated in place: copying one out and back would copy its duration lists every time.
        groups[groupIndex(for: ticket, create: true)!].add(ticket)
    }

    /// The group `add(_:toGroup:)` will add `ticket` to: its own if here, a new one if fewer than
    /// `groupLimit` groups are, else nil (lets each thread keep a summary of bounded size and hand the
    /// rest on). Its statistics' cache lines are requested meanwhile: the caller has other work for
    /// the ticket (its row) while they load.
    public mutating func prepare(_ ticket: TicketResult, groupLimit: Int) -> Int? {
        guard let found = groupIndex(for: ticket, create: groups.count < groupLimit) else { return nil }
        groups[found].prefetchStatistics()
        return found
    }

    /// Adds `ticket` to the group `prepare` gave for it.
    public mutating func add(_ ticket: TicketResult, toGroup group: Int) { groups[group].add(ticket) }

    /// The index of the ticket's group; a new group when there is none and `create`, else nil.
    private mutating func groupIndex(for ticket: TicketResult, create: Bool) -> Int? {
        guard dimensions.count == 1 else { return groupIndex(forKey: dimensions.map { value(of: $0, for: ticket) }, create: create) }
        // One dimension, the common case: keyed by the value alone (no array to build and hash per ticket).
        let single = GroupValue(value(of: dimensions[0], for: ticket))
        if let found = singleIndex[single] { return found }
        guard create else { return nil }
        singleIndex[single] = groups.count
        groups.append(GroupSummary(key: [single.text]))
        return groups.count - 1
    }

    private mutating func groupIndex(forKey key: [String], create: Bool) -> Int? {
        let values = key.map(GroupValue.init)
        if let found = dimensions.count == 1 ? singleIndex[values[0]] : index[values] { return found }
        guard create else { return nil }
        if dimensions.count == 1 { singleIndex[values[0]] = groups.count } else { index[values] = groups.count }
        groups.append(GroupSummary(key: key))
        return groups.count - 1
    }

    /// Adds the groups of another summarizer (same dimensions).
    public mutating func merge(_ other: Summarizer) {
        for theirs in other.groups { groups[groupIndex(forKey: theirs.key, create: true)!].merge(theirs) }
    }

    /// Rows ordered by key (byte order of the UTF-8 values), so output never depends on threads,
    /// each metric's durations sorted ascending. Takes the groups out (in place: no second copy of a
    /// million groups).
    public mutating func takeRows() -> [GroupSummary] {
        var order = sortedOrder()
        // Apply the permutation in place, cycle by cycle.
        for start in order.indices where order[start] != start {
            var current = start
            while order[current] != start {
                let next = order[current]
                groups.swapAt(current, next)
                order[current] = current
                current = next
            }
            order[current] = current
        }
        index = [:]
        singleIndex = [:]
        var rows: [GroupSummary] = []
        swap(&rows, &groups)
        for i in rows.indices {
            rows[i].firstResponse.durations.sort()
            rows[i].nextReply.durations.sort()
            rows[i].resolution.durations.sort()
        }
        return rows
    }

    /// `takeRows` without taking: for tests and small summaries.
    public func rows() -> [GroupSummary] {
        var copy = self
        return copy.takeRows()
    }

    /// Group indices in key order.
    private func sortedOrder() -> [Int] {
        // Each key once as order-preserving bytes (a value's bytes, 0 as 0 FF, then 0 0), compared
        // with memcmp: sorting a million groups moves indices, not summaries.
        var bytes: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(groups.count)
        for group in groups {
            for value in group.key {
                for byte in value.utf8 {
                    bytes.append(byte)
                    if byte == 0 { bytes.append(0xFF) }
                }
                bytes.append(0); bytes.append(0)
            }
            ends.append(bytes.count)
        }
        return bytes.withUnsafeBufferPointer { buffer in
            groups.indices.sorted { a, b in
                let x = a == 0 ? 0 : ends[a - 1], y = b == 0 ? 0 : ends[b - 1]
                let m = ends[a] - x, n = ends[b] - y
                let c = memcmp(buffer.baseAddress! + x, buffer.baseAddress! + y, min(m, n))
                return c != 0 ? c < 0 : m < n
            }
        }
    }

    func value(of dimension: GroupDimension, for ticket: TicketResult) -> String {
        switch dimension {
        case .customer: return ticket.customer ?? ""
        case .channel: return ticket.channel ?? ""
        case .priority: return ticket.priority ?? ""
        case .agent: return ticket.agent ?? ""
        case let .attribute(index, _): return ticket.extra(index) ?? ""
        case .policy: return ticket.policy.map { policyNames[$0] } ?? "none"
        case .day, .week, .month:
            guard let opened = ticket.openedAt else { return "" }
            let date = CivilDate(daysSinceEpoch: Int(zone.local(opened.milliseconds).day))
            switch dimension {
            case .day: return date.description
            case .month: return String(date.description.prefix(7))
            default: return Self.isoWeek(date)
            }
        }
    }

    /// ISO 8601 week label (`2026-W09`): weeks start Monday; week 1 holds the year's first Thursday.
    static func isoWeek(_ date: CivilDate) -> String {
        let thursday = date.daysSinceEpoch - date.isoWeekday + 4
        let weekYear = CivilDate(daysSinceEpoch: thursday).year
        let firstDay = CivilDate.daysFromCivil(year: weekYear, month: 1, day: 1)
        let week = (thursday - firstDay) / 7 + 1
        return "\(weekYear)-W\(week < 10 ? "0" : "")\(week)"
    }
}

/// A group key value compared and hashed by its UTF-8 bytes (`String` equality would merge
/// canonically equivalent spellings that are different values in the log: docs/semantics.md §6).
public struct GroupValue: Hashable, Sendable {
    public let text: String

    public init(_ text: String) { self.text = text }

    public static func == (a: GroupValue, b: GroupValue) -> Bool {
        // Native strings compare their UTF-8 storage at once (the generic element-by-element walk over
        // two UTF-8 views cost as much as the rest of a summary lookup).
        let equal: Bool?? = a.text.utf8.withContiguousStorageIfAvailable { x in
            b.text.utf8.withContiguousStorageIfAvailable { y in
                x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
            }
        }
        if let equal = equal ?? nil { return equal }
        return a.text.utf8.elementsEqual(b.text.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil { for byte in text.utf8 { hasher.combine(byte) } }
    }
}
