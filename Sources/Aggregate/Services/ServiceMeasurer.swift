import SLACore

/// One service in one reporting period (docs/semantics.md §10). Durations in milliseconds.
public struct ServicePeriod: Sendable, Equatable {
    public var service: String
    public var period: String
    public var start: Instant
    public var end: Instant
    /// True when the period ended at or before as_of.
    public var isOver: Bool
    public var scheduled: Milliseconds = 0
    public var up: Milliseconds = 0
    public var down: Milliseconds = 0
    public var unmonitored: Milliseconds = 0
    public var maintenance: Milliseconds = 0
    public var outages = 0
    public var ignoredOutages = 0
    public var outageTotal: Milliseconds = 0
    public var longestOutage: Milliseconds?
    /// up / (up + down) in hundredths of a basis point (100 % = 1_000_000), rounded half up; nil when up + down is 0.
    public var availability: Int?
    public var target: Int?
    public var budget: Milliseconds?
    public var outcome = "unmeasured"
    /// Why it breached, in words.
    public var reasons: [String] = []

    /// Up and down as availability counts them (unmonitored time per the contract).
    public var countedUp: Milliseconds = 0
    public var countedDown: Milliseconds = 0

    public var mttr: Milliseconds? { outages > 0 ? (outageTotal + Int64(outages) / 2) / Int64(outages) : nil }
    public var mtbf: Milliseconds? { outages > 0 ? (countedUp + Int64(outages) / 2) / Int64(outages) : nil }
    public var budgetUsed: Milliseconds { countedDown }
    public var budgetRemaining: Milliseconds? { budget.map { $0 - countedDown } }
}

/// One outage of a service (docs/semantics.md §10).
public struct Outage: Sendable, Equatable {
    public var service: String
    public var start: Instant
    /// nil while ongoing at as_of.
    public var end: Instant?
    /// Down time inside service hours, outside maintenance, monitored (milliseconds).
    public var duration: Milliseconds
    public var wall: Milliseconds
    public var counted: Bool
    /// Why it was ignored or how it was formed (merged downs).
    public var note: String
    public var openSource: SourceLocation
    public var closeSource: SourceLocation?
    /// Down stretches merged into it (merge_gap).
    public var parts: Int
}

/// Measures one service from its records, as of an instant.
public struct ServiceMeasurer {
    public let contract: ServiceContract
    public let asOf: Instant
    /// Share of the budget used from which a running period is `at_risk` (the pipeline's `at_risk`).
    public let atRiskFraction: Double

    public init(contract: ServiceContract, asOf: Instant, atRiskFraction: Double) {
        self.contract = contract; self.asOf = asOf; self.atRiskFraction = atRiskFraction
    }

    enum Health { case unknown, up, down }

    struct Change {
        var time: Int64
        var health: Health
        var source: SourceLocation
    }

    /// A stretch of constant health, monitoring and maintenance.
    struct Segment {
        var start: Int64
        var end: Int64
        var health: Health
        var covered: Bool
        var maintenance: Bool
        /// Down time of an outage ignored as brief: counts as up.
        var forgiven = false
    }

    public func measure(_ unsorted: [ServiceRecord], service: String) -> (periods: [ServicePeriod], outages: [Outage]) {
        let records = unsorted.filter { $0.time <= asOf }.sorted(by: ServiceRecord.order)
        guard let first = records.first else { return ([], []) }
        let end = asOf.milliseconds
        let changes = healthChanges(records)
        let covered = coverage(records, end: end)
        let maintenance = maintenanceWindows(records, end: end)
        // From the start of the first event's period: the time before it is unknown.
        let firstPeriod = contract.period.bounds(ofDay: contract.zone.local(first.time.milliseconds).day).first
        let from = min(contract.zone.utc(fromLocal: firstPeriod * 86_400_000), first.time.milliseconds)
        var segments = self.segments(from: from, to: end, changes: changes, covered: covered, maintenance: maintenance)
        let outages = self.outages(changes: changes, segments: &segments, service: service, end: end)
        return (periods(segments, outages: outages, from: from, service: service), outages.map(\.outage))
    }

    /// Health over time from the records: explicit states and check streaks.
    func healthChanges(_ records: [ServiceRecord]) -> [Change] {
        var changes: [Change] = []
        var health = contract.assumeInitialUp ? Health.up : .unknown
        var streak = 0
        var streakStart = (Int64(0), SourceLocation(file: 0, line: 0))
        func set(_ new: Health, at time: Int64, _ source: SourceLocation) {
            guard new != health else { return }
            health = new
            changes.append(Change(time: time, health: new, source: source))
        }
        for record in records {
            switch record.kind {
            case .down: streak = 0; set(.down, at: record.time.milliseconds, record.source)
            case .up: streak = 0; set(.up, at: record.time.milliseconds, record.source)
            case .checks(ok: true, _): streak = 0; set(.up, at: record.time.milliseconds, record.source)
            case let .checks(ok: false, count):
                if streak == 0 { streakStart = (record.time.milliseconds, record.source) }
                streak += count
                if streak >= contract.failThreshold { set(.down, at: streakStart.0, streakStart.1) }
            case .maintenanceStart, .maintenanceEnd: break
            }
        }
        return changes
    }

    /// Monitored intervals: every record covers [time, end + stale_after); without stale_after, all from the first
    /// record (from the start with `assume_initial: up`).
    func coverage(_ records: [ServiceRecord], end: Int64) -> [(Int64, Int64)] {
        // `assume_initial: up`: the time before the first record is up and monitored.
        let first = contract.assumeInitialUp ? Int64.min : records[0].time.milliseconds
        guard let stale = contract.staleAfter else { return [(first, Int64.max)] }
        var intervals = records.map { ($0.time.milliseconds, $0.end.milliseconds + stale) }
        if contract.assumeInitialUp { intervals.append((Int64.min, records[0].time.milliseconds)) }
        intervals.sort { $0.0 < $1.0 }
        var merged: [(Int64, Int64)] = []
        for interval in intervals {
            if let last = merged.last, interval.0 <= last.1 {
                merged[merged.count - 1].1 = max(last.1, interval.1)
            } else {
                merged.append(interval)
            }
        }
        return merged
    }

    /// Maintenance windows: start…end, overlapping windows united, an open one until as_of.
    func maintenanceWindows(_ records: [ServiceRecord], end: Int64) -> [(Int64, Int64)] {
        var windows: [(Int64, Int64)] = []
        var depth = 0
        var start: Int64 = 0
        for record in records {
            switch record.kind {
            case .maintenanceStart:
                if depth == 0 { start = record.time.milliseconds }
                depth += 1
            case .maintenanceEnd:
                guard depth > 0 else { continue }  // an end without a start is ignored
                depth -= 1
                if depth == 0 { windows.append((start, record.time.milliseconds)) }
            default: break
            }
        }
        if depth > 0 { windows.append((start, end)) }
        return windows
    }

    func segments(from: Int64, to end: Int64, changes: [Change], covered: [(Int64, Int64)], maintenance: [(Int64, Int64)]) -> [Segment] {
        var points = Set([from, end])
        for change in changes where change.time > from && change.time < end { points.insert(change.time) }
        for interval in covered + maintenance {
            for point in [interval.0, interval.1] where point > from && point < end { points.insert(point) }
        }
        let sorted = points.sorted()
        var result: [Segment] = []
        var changeIndex = 0, coverIndex = 0, maintenanceIndex = 0
        var health = contract.assumeInitialUp ? Health.up : .unknown
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            while changeIndex < changes.count && changes[changeIndex].time <= a {
                health = changes[changeIndex].health
                changeIndex += 1
            }
            while coverIndex < covered.count && covered[coverIndex].1 <= a { coverIndex += 1 }
            while maintenanceIndex < maintenance.count && maintenance[maintenanceIndex].1 <= a { maintenanceIndex += 1 }
            let isCovered = coverIndex < covered.count && covered[coverIndex].0 <= a
            let inMaintenance = maintenanceIndex < maintenance.count && maintenance[maintenanceIndex].0 <= a
            result.append(Segment(start: a, end: b, health: health, covered: isCovered, maintenance: inMaintenance))
        }
        return result
    }

    /// Service-hours duration of [a, b).
    func business(_ a: Int64, _ b: Int64) -> Milliseconds {
        contract.calendar.duration(from: Instant(milliseconds: a), to: Instant(milliseconds: b))
    }

    /// Counted down time of a segment clipped to [a, b): down, monitored, outside maintenance, inside service hours.
    func countedDown(_ segment: Segment, _ a: Int64, _ b: Int64) -> Milliseconds {
        guard segment.health == .down, segment.covered, !segment.maintenance else { return 0 }
        return business(max(a, segment.start), min(b, segment.end))
    }

    struct MeasuredOutage {
        var outage: Outage
        /// Wall-time down stretches of the outage.
        var stretches: [(Int64, Int64)]
    }

    /// Down stretches → outages (merge_gap), durations, ignored ones marked (their segments forgiven).
    func outages(changes: [Change], segments: inout [Segment], service: String, end: Int64) -> [MeasuredOutage] {
        var stretches: [(start: Int64, end: Int64, open: SourceLocation, close: SourceLocation?)] = []
        var downSince: Change?
        for change in changes {
            if change.health == .down {
                if downSince == nil { downSince = change }
            } else if let down = downSince {
                stretches.append((down.time, change.time, down.source, change.source))
                downSince = nil
            }
        }
        if let down = downSince { stretches.append((down.time, end, down.source, nil)) }
        var result: [MeasuredOutage] = []
        for stretch in stretches where stretch.start < end {
            if let last = result.last, stretch.start - (last.outage.end?.milliseconds ?? end) < contract.mergeGap {
                result[result.count - 1].stretches.append((stretch.start, min(stretch.end, end)))
                result[result.count - 1].outage.end = stretch.close == nil ? nil : Instant(milliseconds: stretch.end)
                result[result.count - 1].outage.closeSource = stretch.close
                result[result.count - 1].outage.parts += 1
                continue
            }
            result.append(
                MeasuredOutage(
                    outage: Outage(
                        service: service, start: Instant(milliseconds: stretch.start),
                        end: stretch.close == nil ? nil : Instant(milliseconds: stretch.end), duration: 0, wall: 0, counted: true, note: "",
                        openSource: stretch.open, closeSource: stretch.close, parts: 1),
                    stretches: [(stretch.start, min(stretch.end, end))]))
        }
        for index in result.indices {
            var duration: Milliseconds = 0
            for (a, b) in result[index].stretches {
                for segment in segments where segment.end > a && segment.start < b { duration += countedDown(segment, a, b) }
            }
            let first = result[index].stretches.first!.0, last = result[index].stretches.last!.1
            result[index].outage.duration = duration
            result[index].outage.wall = last - first
            var notes: [String] = []
            if result[index].outage.parts > 1 { notes.append("\(result[index].outage.parts) downs merged (merge_gap)") }
            if duration == 0 {
                result[index].outage.counted = false
                notes.append("ignored: no down time inside service hours, outside maintenance and monitored")
            } else if duration < contract.minOutage {
                result[index].outage.counted = false
                notes.append("ignored: shorter than min_outage \(formatSeconds(contract.minOutage)) s: its down time counts as up")
                for (a, b) in result[index].stretches {
                    for s in segments.indices where segments[s].end > a && segments[s].start < b { segments[s].forgiven = true }
                }
            }
            if result[index].outage.end == nil { notes.append("ongoing at as_of") }
            result[index].outage.note = notes.joined(separator: "; ")
        }
        return result
    }

    /// Sums per period, outage parts per period, availability, budget and outcome.
    func periods(_ segments: [Segment], outages: [MeasuredOutage], from: Int64, service: String) -> [ServicePeriod] {
        let zone = contract.zone
        var result: [ServicePeriod] = []
        var day = zone.local(from).day
        let end = asOf.milliseconds
        while true {
            let bounds = contract.period.bounds(ofDay: day)
            let start = zone.utc(fromLocal: bounds.first * 86_400_000)
            let stop = zone.utc(fromLocal: bounds.next * 86_400_000)
            guard start < end || result.isEmpty else { break }
            var period = ServicePeriod(
                service: service, period: contract.period.label(first: bounds.first), start: Instant(milliseconds: start),
                end: Instant(milliseconds: stop), isOver: stop <= end)
            let a = max(start, from), b = min(stop, end)
            for segment in segments where segment.end > a && segment.start < b {
                let duration = business(max(a, segment.start), min(b, segment.end))
                guard duration > 0 else { continue }
                if segment.maintenance {
                    period.maintenance += duration
                    continue
                }
                period.scheduled += duration
                if !segment.covered || segment.health == .unknown {
                    period.unmonitored += duration
                } else if segment.health == .down && !segment.forgiven {
                    period.down += duration
                } else {
                    period.up += duration
                }
            }
            for outage in outages where outage.outage.counted {
                var part: Milliseconds = 0
                var touches = false
                for (x, y) in outage.stretches where y > a && x < b {
                    touches = true
                    for segment in segments where segment.end > max(a, x) && segment.start < min(b, y) {
                        part += countedDown(segment, max(a, x), min(b, y))
                    }
                }
                guard touches, part > 0 else { continue }
                period.outages += 1
                period.outageTotal += part
                period.longestOutage = max(period.longestOutage ?? 0, part)
            }
            period.ignoredOutages = outages.filter { o in !o.outage.counted && o.stretches.contains { $0.1 > a && $0.0 < b } }.count
            settle(&period)
            result.append(period)
            if stop >= end { break }
            day = bounds.next
        }
        return result
    }

    /// Availability, budget and outcome of a period.
    func settle(_ period: inout ServicePeriod) {
        period.countedUp = period.up + (contract.unmonitored == .up ? period.unmonitored : 0)
        period.countedDown = period.down + (contract.unmonitored == .down ? period.unmonitored : 0)
        let total = period.countedUp + period.countedDown
        if total > 0 { period.availability = Int((period.countedUp * 2_000_000 + total) / (2 * total)) }
        period.target = contract.availabilityTarget
        guard contract.hasTargets else { return }
        if let target = contract.availabilityTarget {
            period.budget = (Int64(1_000_000 - target) * period.scheduled + 500_000) / 1_000_000
            if let availability = period.availability, availability < target {
                period.reasons.append("availability \(Self.percent(availability)) % below \(Self.percent(target)) %")
            }
        }
        if let maxOutages = contract.maxOutages, period.outages > maxOutages {
            period.reasons.append("\(period.outages) outages, more than \(maxOutages)")
        }
        if let maxOutage = contract.maxOutage, let longest = period.longestOutage, longest > maxOutage {
            period.reasons.append("an outage of \(formatSeconds(longest)) s, longer than \(formatSeconds(maxOutage)) s")
        }
        if !period.reasons.isEmpty {
            period.outcome = "breached"
        } else if !period.isOver {
            let budget = period.budget ?? 0
            period.outcome = budget > 0 && Double(period.countedDown) >= atRiskFraction * Double(budget) ? "at_risk" : "running"
        } else {
            period.outcome = "met"
        }
    }

    /// `99.9537` from hundredths of a basis point.
    public static func percent(_ value: Int) -> String {
        let whole = value / 10_000, fraction = value % 10_000
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
