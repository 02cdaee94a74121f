import CPrefetch
import Dispatch
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

/// A counter stored in 32 bits and read and set as Int: a million groups hold eight of them each
/// (`GroupSummary`, `MetricCounts`). Four billion of anything in one group is beyond any help desk;
/// past it the run stops (an overflow trap), it never wraps to a wrong figure.
@propertyWrapper
public struct Count32: Sendable, Equatable {
    private var value: UInt32

    public init(wrappedValue: Int) { value = UInt32(wrappedValue) }

    public var wrappedValue: Int {
        get { Int(value) }
        set { value = UInt32(newValue) }
    }
}

/// The counters of one metric within one group, as a group stores them (32 bytes); read through
/// `MetricStats`.
public struct MetricCounts: Sendable, Equatable {
    @Count32 public var measured = 0
    @Count32 public var met = 0
    @Count32 public var breached = 0
    @Count32 public var ongoingBreached = 0
    @Count32 public var atRisk = 0
    public var overTargetTotal: Milliseconds = 0

    /// Adds another group's counters.
    mutating func merge(_ other: MetricCounts) {
        measured += other.measured; met += other.met; breached += other.breached
        ongoingBreached += other.ongoingBreached; atRisk += other.atRisk
        overTargetTotal += other.overTargetTotal
    }

    mutating func add(_ instance: MetricInstance) {
        if instance.outcome.isMeasured { measured += 1 }
        switch instance.outcome {
        case .met: met += 1
        case .breached: breached += 1
        case .ongoingBreach: breached += 1; ongoingBreached += 1
        case .atRisk: atRisk += 1
        case .running, .unmeasured: break
        }
        if let over = instance.overTarget { overTargetTotal += over }
    }
}

/// Counters and durations of one metric within one group (`GroupSummary[metric]`): the counters
/// (`measured`, `met`, `breached`, `ongoingBreached`, `atRisk`, `overTargetTotal`) are `MetricCounts`'.
@dynamicMemberLookup
public struct MetricStats: Sendable, Equatable {
    var counts = MetricCounts()
    /// Values of stopped instances (for mean and percentiles), ascending: a slice of the group's one
    /// list of values.
    public var durations: ArraySlice<Milliseconds> = []

    public subscript<Value>(dynamicMember counter: WritableKeyPath<MetricCounts, Value>) -> Value {
        get { counts[keyPath: counter] }
        set { counts[keyPath: counter] = newValue }
    }

    public init() {}

    init(counts: MetricCounts, durations: ArraySlice<Milliseconds>) {
        self.counts = counts
        self.durations = durations
    }

    /// met / measured × 100 in hundredths of a percent, rounded half up; nil when nothing was measured.
    public var complianceHundredths: Int? {
        let measured = counts.measured
        guard measured > 0 else { return nil }
        return (counts.met * 20_000 + measured) / (2 * measured)
    }

    /// Mean over_target of breaches, rounded to the millisecond; nil without breaches.
    public var meanOverTarget: Milliseconds? { Self.mean(total: counts.overTargetTotal, count: counts.breached) }

    public var mean: Milliseconds? { Self.mean(total: durations.reduce(0, +), count: durations.count) }

    /// Nearest-rank percentile: the value at rank ceil(p/100 × n) in ascending order.
    public func percentile<Values: RandomAccessCollection<Milliseconds>>(_ p: Int, sorted: Values) -> Milliseconds? {
        guard !sorted.isEmpty else { return nil }
        let rank = (p * sorted.count + 99) / 100
        return sorted[sorted.index(sorted.startIndex, offsetBy: max(rank, 1) - 1)]
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
    @Count32 public var tickets = 0
    @Count32 public var resolved = 0
    @Count32 public var openAtAsOf = 0
    @Count32 public var incomplete = 0
    @Count32 public var ticketsBreached = 0
    /// Statistics per metric: three fields, not an array of three (adding an instance reaches its
    /// metric's counters directly).
    var firstResponse = MetricCounts(), nextReply = MetricCounts(), resolution = MetricCounts()
    /// The stopped instances' values of all three metrics in one list (one heap block per group, not
    /// three: a million groups): while adding, each tagged with its metric (`tagged`), unsorted; in
    /// `takeRows`' rows, plain values sorted by metric, then value, which the metrics' `durations`
    /// are slices of.
    private var durations: [Milliseconds] = []
    /// Where the metrics' values end in `durations` once finished (all zero before).
    private var durationEnds: (UInt32, UInt32, UInt32) = (0, 0, 0)

    /// A value tagged with its metric: metric index in bits 61–62, value + 2⁶⁰ below, so tagged
    /// values are positive and sort by metric, then value (durations lie far inside ±2⁶⁰ ms).
    static func tagged(_ value: Milliseconds, _ metric: Metric) -> Milliseconds {
        Int64(metric.index) << 61 | (value &+ 1 << 60) & (1 << 61 - 1)
    }

    public init(key: [String]) { self.key = key }

    /// A metric's counters and its values (ascending; empty until the group is one of `takeRows`' rows).
    public subscript(metric: Metric) -> MetricStats {
        let (a, b, c) = (Int(durationEnds.0), Int(durationEnds.1), Int(durationEnds.2))
        return switch metric {
        case .firstResponse: MetricStats(counts: firstResponse, durations: durations[0..<a])
        case .nextReply: MetricStats(counts: nextReply, durations: durations[a..<b])
        case .resolution: MetricStats(counts: resolution, durations: durations[b..<c])
        }
    }

    mutating func add(_ ticket: TicketResult) {
        tickets += 1
        switch ticket.state {
        case .incomplete: incomplete += 1
        case .resolved: resolved += 1
        case .active, .waiting: openAtAsOf += 1
        }
        if ticket.isBreached { ticketsBreached += 1 }
        ticket.forEachInstance { instance in
            switch instance.metric {
            case .firstResponse: firstResponse.add(instance)
            case .nextReply: nextReply.add(instance)
            case .resolution: resolution.add(instance)
            }
            if instance.isStoppedDuration { durations.append(Self.tagged(instance.value, instance.metric)) }
        }
    }

    /// Sorts the group's values by metric, then value, untags them, and gives each metric its slice.
    mutating func finishDurations() {
        durations.sort()
        var ends = (0, 0, 0)
        durations.withUnsafeMutableBufferPointer { values in
            for i in values.indices {
                let metric = Int(values[i] >> 61)
                if metric == 0 { ends.0 = i + 1 } else if metric == 1 { ends.1 = i + 1 } else { ends.2 = i + 1 }
                values[i] = (values[i] & (1 << 61 - 1)) &- 1 << 60
            }
        }
        let firstEnd = ends.0, nextEnd = max(ends.1, firstEnd), resolutionEnd = max(ends.2, nextEnd)
        durationEnds = (UInt32(firstEnd), UInt32(nextEnd), UInt32(resolutionEnd))
    }

    /// Asks for the cache lines `add` reads first: each duration list's header (its count). A hint only
    /// (a prefetch never faults and changes nothing): with thousands of groups these lines are rarely in
    /// cache, and `add` would wait on each in turn. Mutating only so that it is called on the group in
    /// place: a copy of the group would retain and release its four arrays per ticket.
    mutating func prefetchStatistics() {
        Self.prefetch(&durations)
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
        tickets += other.tickets; resolved += other.resolved; openAtAsOf += other.openAtAsOf
        incomplete += other.incomplete; ticketsBreached += other.ticketsBreached
        firstResponse.merge(other.firstResponse); nextReply.merge(other.nextReply); resolution.merge(other.resolution)
        // Exactly the room needed: merged lists are the largest a run holds (millions of values).
        durations.reserveCapacity(durations.count + other.durations.count)
        durations += other.durations
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
    /// The same index for the common one-dimension case, keyed by the value alone (no array to build
    /// and hash per ticket), by its bytes (`SingleKeyIndex`).
    private var singleIndex = SingleKeyIndex()

    public init(dimensions: [GroupDimension] = [.customer], zone: ZoneRules = .utc, policyNames: [String]) {
        self.dimensions = dimensions
        self.zone = zone
        self.policyNames = policyNames
    }

    /// Makes room for up to `count` groups at once (at most one per ticket): the group list never
    /// doubles, which would hold the old and the new list together (untouched room costs no memory).
    public mutating func reserveGroups(_ count: Int) {
        groups.reserveCapacity(count)
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
        return singleGroupIndex(value(of: dimensions[0], for: ticket), create: create)
    }

    private mutating func groupIndex(forKey key: [String], create: Bool) -> Int? {
        if dimensions.count == 1 { return singleGroupIndex(key[0], create: create) }
        let values = key.map(GroupValue.init)
        if let found = index[values] { return found }
        guard create else { return nil }
        index[values] = groups.count
        groups.append(GroupSummary(key: key))
        return groups.count - 1
    }

    /// The group of a one-dimension value: found by the value's bytes, compared with each candidate group's key.
    private mutating func singleGroupIndex(_ value: String, create: Bool) -> Int? {
        var value = value
        return value.withUTF8 { bytes -> Int? in
            let key = UnsafeRawBufferPointer(bytes)
            let hash = ByteInterner.hash(key)
            if let found = singleIndex.find(key, hash: hash) { return found }
            guard create else { return nil }
            singleIndex.insert(key, hash: hash, group: groups.count)
            groups.append(GroupSummary(key: [String(decoding: bytes, as: UTF8.self)]))
            return groups.count - 1
        }
    }

    /// Adds the groups of another summarizer (same dimensions).
    public mutating func merge(_ other: Summarizer) {
        for theirs in other.groups { groups[groupIndex(forKey: theirs.key, create: true)!].merge(theirs) }
    }

    /// Rows ordered by key (byte order of the UTF-8 values), so output never depends on threads,
    /// each metric's durations sorted ascending (groups sorted on `threads` threads: sorting every
    /// group's values was a twentieth of a night, all on one thread). Takes the groups out (in place:
    /// no second copy of a million groups).
    public mutating func takeRows(threads: Int = 1) -> [GroupSummary] {
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
        singleIndex = SingleKeyIndex()
        var rows: [GroupSummary] = []
        swap(&rows, &groups)
        let stripes = max(1, min(threads, rows.count / 64))
        if stripes == 1 {
            for i in rows.indices { rows[i].finishDurations() }
        } else {
            rows.withUnsafeMutableBufferPointer { buffer in
                // Each thread sorts every `stripes`-th group (interleaved: big and small groups spread
                // evenly); no two threads touch one group.
                nonisolated(unsafe) let groups = buffer
                DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
                    for i in stride(from: stripe, to: groups.count, by: stripes) { groups[i].finishDurations() }
                }
            }
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

/// Group positions by their one key value's bytes: open addressing on `ByteInterner.hash` of the
/// bytes (the interner's hash of every log string), each slot's hash tag, group and key in one
/// 16-byte entry, the keys' bytes side by side in one buffer. A `Dictionary` keyed by the value
/// hashed it with SipHash and compared it through generic code: 600 instructions a lookup, a
/// twentieth of measuring a ticket. Comparing with the group's own key (a `String` in its own
/// array, in a group of a kilobyte) took two dependent cache misses a ticket.
struct SingleKeyIndex: Sendable {
    private struct Entry {
        /// The hash's high half (its low bits chose the slot).
        var tag: UInt32
        /// The group's position + 1 (0: empty slot).
        var group: UInt32
        /// Where the key is in `keys`: its length and its hash's low half (4 bytes each), then its bytes.
        var key: Int
    }

    private var entries = [Entry](repeating: Entry(tag: 0, group: 0, key: 0), count: 16)
    private var keys: [UInt8] = []
    private var count = 0

    /// The group whose key is `key` (its bytes), else nil; `hash` is `key`'s.
    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        let tag = UInt32(truncatingIfNeeded: hash >> 32)
        return entries.withUnsafeBufferPointer { entries in
            keys.withUnsafeBytes { stored in
                let mask = entries.count - 1
                var i = Int(truncatingIfNeeded: hash) & mask
                while entries[i].group != 0 {
                    if entries[i].tag == tag && Self.same(key, stored, at: entries[i].key) { return Int(entries[i].group) - 1 }
                    i = (i + 1) & mask
                }
                return nil
            }
        }
    }

    @inline(__always)
    private static func same(_ key: UnsafeRawBufferPointer, _ stored: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        let length = Int(UInt32(littleEndian: stored.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard length == key.count else { return false }
        return length == 0 || ByteInterner.sameBytes(stored.baseAddress! + offset + 8, key.baseAddress!, count: length)
    }

    /// Adds `group` for `key` (not present: `find` gave nil).
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, group: Int) {
        if (count + 1) * 2 > entries.count { grow() }
        let offset = keys.count
        withUnsafeBytes(of: UInt32(key.count).littleEndian) { keys.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: hash).littleEndian) { keys.append(contentsOf: $0) }
        keys.append(contentsOf: key)
        place(Entry(tag: UInt32(truncatingIfNeeded: hash >> 32), group: UInt32(group + 1), key: offset), hash: hash)
        count += 1
    }

    private mutating func place(_ entry: Entry, hash: UInt64) {
        let mask = entries.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while entries[i].group != 0 { i = (i + 1) & mask }
        entries[i] = entry
    }

    /// Twice the slots; each entry is placed again by its hash (its halves in the entry and with the key).
    private mutating func grow() {
        let old = entries.filter { $0.group != 0 }
        entries = Array(repeating: Entry(tag: 0, group: 0, key: 0), count: entries.count * 2)
        for entry in old {
            let low = keys.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: entry.key + 4, as: UInt32.self) }
            place(entry, hash: UInt64(entry.tag) << 32 | UInt64(UInt32(littleEndian: low)))
        }
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

extension Metric {
    /// 0, 1, 2 in report order (the tag of a group's durations).
    var index: Int {
        switch self {
        case .firstResponse: 0
        case .nextReply: 1
        case .resolution: 2
        }
    }
}
