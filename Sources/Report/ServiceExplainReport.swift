import Aggregate
import SLACore

/// The audit trail of one service (docs/semantics.md §10) as text, for `slalog explain --service`.
public struct ServiceExplainReport {
    public var service: String
    public var contract: ServiceContract
    public var contractIndex: Int?
    public var records: [ServiceRecord]
    public var periods: [ServicePeriod]
    public var outages: [Outage]
    public var asOf: Instant
    public var asOfSource: String
    public var inputs: [String]

    public init(
        service: String, contract: ServiceContract, contractIndex: Int?, records: [ServiceRecord], periods: [ServicePeriod],
        outages: [Outage], asOf: Instant, asOfSource: String, inputs: [String]
    ) {
        self.service = service; self.contract = contract; self.contractIndex = contractIndex; self.records = records
        self.periods = periods; self.outages = outages; self.asOf = asOf; self.asOfSource = asOfSource; self.inputs = inputs
    }

    func place(_ source: SourceLocation) -> String { "\(inputs[Int(source.file)]):\(source.line)" }

    public var text: String {
        var out = "Service \(service)\n"
        out += "  as of \(asOf.iso8601) (\(asOfSource)); events after it are ignored\n"
        let c = contract
        var terms = ["calendar \(c.calendar.name)", "period \(c.period.rawValue) in \(c.zone.identifier)"]
        if let target = c.availabilityTarget { terms.append("availability ≥ \(ServiceMeasurer.percent(target)) %") }
        if let n = c.maxOutages { terms.append("at most \(n) outages") }
        if let d = c.maxOutage { terms.append("no outage over \(formatSeconds(d)) s") }
        terms.append(
            "min_outage \(formatSeconds(c.minOutage)) s, merge_gap \(formatSeconds(c.mergeGap)) s, fail_threshold \(c.failThreshold)")
        terms.append(c.staleAfter.map { "stale_after \(formatSeconds($0)) s" } ?? "no stale_after")
        terms.append("unmonitored: \(c.unmonitored.rawValue)")
        out +=
            "  contract: " + (contractIndex.map { "services[\($0)] (name \(c.name.text))" } ?? "none names it: 24x7, monthly, no targets")
            + "\n"
        out += "    " + terms.joined(separator: " · ") + "\n\n"
        out += "Timeline (time order; equal times in input order)\n"
        for record in records {
            let what: String
            switch record.kind {
            case .down: what = "down"
            case .up: what = "up"
            case .maintenanceStart: what = "maintenance starts"
            case .maintenanceEnd: what = "maintenance ends"
            case let .checks(ok, count):
                what =
                    "\(count) check\(count == 1 ? "" : "s") \(ok ? "ok" : "FAILED")"
                    + (count > 1 ? " until \(record.end.iso8601) (\(place(record.endSource)))" : "")
            }
            out += "  \(record.time.iso8601)  \(what)  \(place(record.source))\n"
        }
        out += "\nOutages (down stretches; duration = down time in service hours, monitored, outside maintenance)\n"
        if outages.isEmpty { out += "  none\n" }
        for o in outages {
            out += "  \(o.start.iso8601) → \(o.end?.iso8601 ?? "as_of (ongoing)")  \(formatSeconds(o.duration)) s "
            out += o.counted ? "COUNTED" : "ignored"
            out += "  (opened \(place(o.openSource))" + (o.closeSource.map { ", closed \(place($0))" } ?? "") + ")"
            if !o.note.isEmpty { out += "\n      \(o.note)" }
            out += "\n"
        }
        out += "\nPeriods\n"
        for p in periods {
            out += "  \(p.period) (\(p.start.iso8601) → \(p.end.iso8601), \(p.isOver ? "over" : "running at as_of"))\n"
            out += "    service hours \(formatSeconds(p.scheduled + p.maintenance)) s − maintenance \(formatSeconds(p.maintenance)) s"
            out += " = scheduled \(formatSeconds(p.scheduled)) s\n"
            out += "    up \(formatSeconds(p.up)) s, down \(formatSeconds(p.down)) s, unmonitored \(formatSeconds(p.unmonitored)) s"
            out += " (counted as \(c.unmonitored.rawValue == "exclude" ? "neither" : c.unmonitored.rawValue))\n"
            if let availability = p.availability {
                out +=
                    "    availability = \(formatSeconds(p.countedUp)) / (\(formatSeconds(p.countedUp)) + \(formatSeconds(p.countedDown)))"
                out += " = \(ServiceMeasurer.percent(availability)) %"
                out += (p.target.map { " (target \(ServiceMeasurer.percent($0)) %)" } ?? "") + "\n"
            }
            if let budget = p.budget, let target = p.target {
                out +=
                    "    budget = \(ServiceMeasurer.percent(1_000_000 - target)) % × \(formatSeconds(p.scheduled)) s = \(formatSeconds(budget)) s;"
                out += " used \(formatSeconds(p.budgetUsed)) s; remaining \(formatSeconds(budget - p.budgetUsed)) s\n"
            }
            out += "    outages \(p.outages) (ignored \(p.ignoredOutages))"
            if let mttr = p.mttr, let mtbf = p.mtbf { out += ", MTTR \(formatSeconds(mttr)) s, MTBF \(formatSeconds(mtbf)) s" }
            if let longest = p.longestOutage { out += ", longest \(formatSeconds(longest)) s" }
            out += "\n    outcome \(p.outcome.uppercased())" + (p.reasons.isEmpty ? "" : ": " + p.reasons.joined(separator: "; ")) + "\n"
        }
        return out
    }
}
