import SLACore

/// What a service's events come down to after reading: state changes and
/// maintenance marks as they were, and check results as *runs* (consecutive
/// equal results of one file without a gap longer than `stale_after`), so
/// memory grows with state changes, not with check lines (a check every 10 s
/// for 30 days is one run while nothing changes).
public struct ServiceRecord: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case down, up, maintenanceStart, maintenanceEnd
        /// `count` check results, all ok or all failed, from `time` to `end`.
        case checks(ok: Bool, count: Int)
    }

    public var kind: Kind
    public var time: Instant
    /// The last check of a run (= `time` for other kinds).
    public var end: Instant
    public var source: SourceLocation
    public var endSource: SourceLocation
    /// The `customer` captured on the line, if any.
    public var customer: Symbol

    public init(
        kind: Kind, time: Instant, end: Instant? = nil, source: SourceLocation, endSource: SourceLocation? = nil, customer: Symbol = .none
    ) {
        self.kind = kind; self.time = time; self.end = end ?? time; self.source = source; self.endSource = endSource ?? source
        self.customer = customer
    }

    /// Timeline order: time, then input order.
    public static func order(_ a: ServiceRecord, _ b: ServiceRecord) -> Bool {
        a.time != b.time ? a.time < b.time : a.source < b.source
    }
}

/// Collects service events in arrival order (per file, line order) and
/// compresses check results into runs.
public struct ServiceLog: Sendable {
    /// Records per service symbol.
    public private(set) var records: [Symbol: [ServiceRecord]] = [:]
    /// The open check runs, indexed by the service symbol's raw value: one per
    /// file the service's checks come from (usually one). An array, not a
    /// dictionary: this is the serial merger's per-line work on check logs.
    private var open: [[ServiceRecord]] = []
    /// Check lines read, for the run statistics.
    public private(set) var checks = 0

    public init() {}

    /// Everything the log holds before `finish`: what the event store keeps between runs.
    public struct Snapshot: Sendable {
        public var records: [Symbol: [ServiceRecord]] = [:]
        public var open: [[ServiceRecord]] = []
        public var checks = 0
        public init() {}
    }

    public var snapshot: Snapshot {
        var snapshot = Snapshot()
        snapshot.records = records; snapshot.open = open; snapshot.checks = checks
        return snapshot
    }

    public init(_ snapshot: Snapshot) {
        records = snapshot.records; open = snapshot.open; checks = snapshot.checks
    }

    /// Adds one service event (`event.ticket` is the service); `staleAfter` is its service's
    /// `stale_after` (a gap longer than it between two checks ends a run).
    /// `continuing`: the event closes a stretch of `dropped` + 1 checks that were already known to
    /// continue the service's open run (a waiting batch compressed them, see `MergedEvents`), so it
    /// extends that run whatever the gap; `dropped` checks between are counted, not seen.
    /// `customer`: the customer named on the event's line, if any.
    public mutating func add(
        _ event: Event, customer: Symbol = .none, staleAfter: Milliseconds?, continuing: Bool = false, dropped: Int = 0
    ) {
        let service = event.ticket
        let kind: ServiceRecord.Kind
        if let ok = Self.checkResult(event.kind) {
            kind = .checks(ok: ok, count: 1)
        } else {
            switch event.kind {
            case .serviceDown: kind = .down
            case .serviceUp: kind = .up
            case .maintenanceStart: kind = .maintenanceStart
            case .maintenanceEnd: kind = .maintenanceEnd
            default: return
            }
        }
        let record = ServiceRecord(kind: kind, time: event.time, source: event.source, customer: customer)
        guard case let .checks(ok, _) = kind else {
            records[service, default: []].append(record)
            return
        }
        checks += 1 + dropped
        let slot = Int(service.rawValue)
        if slot >= open.count { open.append(contentsOf: repeatElement([], count: slot + 1 - open.count)) }
        guard let index = open[slot].firstIndex(where: { $0.source.file == event.source.file }) else {
            var first = record
            first.kind = .checks(ok: ok, count: 1 + dropped)
            open[slot].append(first)
            return
        }
        let run = open[slot][index]
        // A continuing check was already found to extend the run while it waited: no gap limit then.
        if case let .checks(runOK, count) = run.kind,
            Self.extendsRun(
                ok: ok, customer: customer, time: event.time, runOK: runOK, runCustomer: run.customer, runEnd: run.end,
                staleAfter: continuing ? nil : staleAfter)
        {
            open[slot][index].kind = .checks(ok: ok, count: count + 1 + dropped)
            open[slot][index].end = event.time
            open[slot][index].endSource = event.source
            return
        }
        records[service, default: []].append(run)
        open[slot][index] = record
    }

    /// Whether a check result extends a run of checks: the same result and customer, not earlier
    /// than the run's last check, and no gap longer than `stale_after` (the one rule for runs,
    /// also used while a compressed unit's checks wait for its checksum).
    public static func extendsRun(
        ok: Bool, customer: Symbol, time: Instant, runOK: Bool, runCustomer: Symbol, runEnd: Instant, staleAfter: Milliseconds?
    ) -> Bool {
        ok == runOK && customer == runCustomer && time >= runEnd
            && (staleAfter.map { time.milliseconds - runEnd.milliseconds <= $0 } ?? true)
    }

    /// The result a check event reports (heartbeats are ok), nil for other kinds.
    public static func checkResult(_ kind: EventKind) -> Bool? {
        switch kind {
        case .checkOK, .heartbeat: true
        case .checkFail: false
        default: nil
        }
    }

    /// Closes the open runs (per service, in file order); call once after the last event.
    public mutating func finish() {
        for (slot, runs) in open.enumerated() where !runs.isEmpty {
            records[Symbol(rawValue: UInt32(slot)), default: []].append(contentsOf: runs.sorted { $0.source.file < $1.source.file })
        }
        open = []
    }

    /// Records held (state changes, maintenance marks and check runs): what memory grows with.
    public var recordCount: Int { records.values.reduce(0) { $0 + $1.count } }
}
