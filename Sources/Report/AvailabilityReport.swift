import Aggregate
import SLACore

/// A customer's availability in one period: the services serving it (docs/semantics.md §10).
public struct CustomerPeriod: Sendable {
    public var customer: String
    public var period: String
    public var services: [ServicePeriod]
    /// Breached ticket metric instances of the customer that stopped in the period (ongoing: at as_of).
    public var ticketBreaches = 0
    /// The customer's violations per period, averaged over all its periods of the run.
    public var averageViolations: Double = 0

    public init(customer: String, period: String, services: [ServicePeriod]) {
        self.customer = customer; self.period = period; self.services = services
    }

    /// Breached service targets (one per breached service period) plus breached ticket metric instances.
    public var serviceBreaches: Int { services.filter { $0.outcome == "breached" }.count }
    public var violations: Int { serviceBreaches + ticketBreaches }

    /// Σ up / Σ (up + down) over the services, in hundredths of a basis point.
    public var availability: Int? {
        let up = services.reduce(0) { $0 + $1.countedUp }, down = services.reduce(0) { $0 + $1.countedDown }
        return up + down > 0 ? Int((up * 2_000_000 + up + down) / (2 * (up + down))) : nil
    }

    /// The service with the lowest availability (ties: name order).
    public var worst: ServicePeriod? {
        services.filter { $0.availability != nil }.min { ($0.availability!, $0.service) < ($1.availability!, $1.service) }
    }
}

/// `availability.csv`: one row per service × period, then one per customer × period.
public enum AvailabilityReport {
    public static let header = [
        "scope", "service", "customer", "period", "period_start", "period_end", "period_over", "scheduled_s", "up_s", "down_s",
        "unmonitored_s", "maintenance_s", "availability_pct", "target_pct", "outages", "ignored_outages", "mttr_s", "mtbf_s",
        "longest_outage_s", "budget_s", "budget_used_s", "budget_remaining_s", "outcome", "worst_service", "worst_availability_pct",
        "breaches", "ticket_breaches", "service_breaches", "violations", "average_violations",
    ]

    public static func csv(services: [ServicePeriod], customers: [CustomerPeriod], context: ReportContext) -> [UInt8] {
        var csv = CSVWriter(neutralizeFormulas: context.neutralizeFormulas)
        csv.header(header)
        for p in services {
            csv.raw("service")
            csv.text(p.service)
            csv.empty()
            csv.text(p.period)
            csv.instant(p.start)
            csv.instant(p.end)
            csv.raw(p.isOver ? "yes" : "no")
            for value in [p.scheduled, p.up, p.down, p.unmonitored, p.maintenance] { csv.seconds(value) }
            csv.text(p.availability.map(ServiceMeasurer.percent) ?? "")
            csv.text(p.target.map(ServiceMeasurer.percent) ?? "")
            csv.integer(p.outages)
            csv.integer(p.ignoredOutages)
            csv.seconds(p.mttr)
            csv.seconds(p.mtbf)
            csv.seconds(p.longestOutage)
            csv.seconds(p.budget)
            csv.seconds(p.budget == nil ? nil : p.budgetUsed)
            csv.seconds(p.budgetRemaining)
            csv.raw(p.outcome)
            csv.empty()
            csv.empty()
            csv.text(p.reasons.joined(separator: "; "))
            for _ in 0..<4 { csv.empty() }
            csv.endRow()
        }
        for c in customers {
            csv.raw("customer")
            csv.text(c.services.map(\.service).joined(separator: " "))
            csv.text(c.customer)
            csv.text(c.period)
            csv.instant(c.services.map(\.start).min())
            csv.instant(c.services.map(\.end).max())
            csv.raw(c.services.allSatisfy(\.isOver) ? "yes" : "no")
            for keyPath in [\ServicePeriod.scheduled, \.up, \.down, \.unmonitored, \.maintenance] {
                csv.seconds(c.services.reduce(0) { $0 + $1[keyPath: keyPath] })
            }
            csv.text(c.availability.map(ServiceMeasurer.percent) ?? "")
            csv.empty()
            csv.integer(c.services.reduce(0) { $0 + $1.outages })
            csv.integer(c.services.reduce(0) { $0 + $1.ignoredOutages })
            for _ in 0..<6 { csv.empty() }
            let outcomes = Set(c.services.map(\.outcome))
            csv.raw(["breached", "at_risk", "running", "met"].first { outcomes.contains($0) } ?? "unmeasured")
            csv.text(c.worst?.service ?? "")
            csv.text(c.worst?.availability.map(ServiceMeasurer.percent) ?? "")
            csv.text(
                c.services.filter { $0.outcome == "breached" }.map { "\($0.service): \($0.reasons.joined(separator: ", "))" }.joined(
                    separator: "; "))
            csv.integer(c.ticketBreaches)
            csv.integer(c.serviceBreaches)
            csv.integer(c.violations)
            csv.raw(format2(c.averageViolations))
            csv.endRow()
        }
        return csv.bytes
    }
}

/// Two decimals, half away from zero (non-negative values).
func format2(_ value: Double) -> String {
    let hundredths = Int64((value * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}

/// `outages.csv`: every outage, counted or ignored and why, with the lines that opened and closed it.
public enum OutagesReport {
    public static let header = [
        "service", "start", "end", "ongoing", "duration_s", "wall_s", "counted", "note", "open_source", "close_source",
    ]

    public static func csv(_ outages: [Outage], context: ReportContext) -> [UInt8] {
        var csv = CSVWriter(neutralizeFormulas: context.neutralizeFormulas)
        csv.header(header)
        for o in outages {
            csv.text(o.service)
            csv.instant(o.start)
            csv.instant(o.end)
            csv.raw(o.end == nil ? "yes" : "no")
            csv.seconds(o.duration)
            csv.seconds(o.wall)
            csv.raw(o.counted ? "yes" : "no")
            csv.text(o.note)
            csv.source((context.inputs[Int(o.openSource.file)], o.openSource.line))
            csv.source(o.closeSource.map { (context.inputs[Int($0.file)], $0.line) })
            csv.endRow()
        }
        return csv.bytes
    }
}
