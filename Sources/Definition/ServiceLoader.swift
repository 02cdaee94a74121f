import Aggregate
import SLACore

extension PipelineLoader {
    static let serviceKeys = [
        "name", "customers", "calendar", "period", "availability", "max_outages", "max_outage", "min_outage", "merge_gap",
        "fail_threshold", "stale_after", "unmonitored", "assume_initial",
    ]

    /// `services:` (docs/semantics.md §10): which services, their customers, calendar, period and targets.
    func loadServices(_ node: YAMLNode?, calendars: [String: BusinessCalendar], timezone: ZoneRules?) throws(PipelineError)
        -> [ServiceContract]
    {
        var services: [ServiceContract] = []
        for item in try node?.list() ?? [] {
            let fields = try item.fields(Self.serviceKeys)
            let calendar =
                try fields["calendar"].map { (node) throws(PipelineError) in try self.calendar(node, in: calendars) } ?? .alwaysOpen
            var contract = ServiceContract(
                name: GlobPattern(try item.required(fields, "name").string()),
                customers: try fields["customers"]?.strings().map { GlobPattern($0) } ?? [], calendar: calendar,
                zone: calendar.zone ?? timezone ?? .utc)
            if let period = fields["period"] {
                let text = try period.string()
                guard let value = ReportPeriod(rawValue: text) else {
                    throw period.error("unknown period '\(text)'", hint: "periods: day, week, month, quarter")
                }
                contract.period = value
            }
            if let availability = fields["availability"] { contract.availabilityTarget = try availabilityTarget(availability) }
            if let count = fields["max_outages"] { contract.maxOutages = try integer(count, in: 0...1_000_000) }
            if let value = fields["max_outage"] { contract.maxOutage = try duration(value) }
            if let value = fields["min_outage"] { contract.minOutage = try duration(value) }
            if let value = fields["merge_gap"] { contract.mergeGap = try duration(value) }
            if let value = fields["fail_threshold"] { contract.failThreshold = try integer(value, in: 1...1000) }
            if let value = fields["stale_after"] { contract.staleAfter = try duration(value) }
            if let value = fields["unmonitored"] {
                let text = try value.string()
                guard let choice = UnmonitoredTime(rawValue: text) else {
                    throw value.error("unmonitored must be exclude, down or up, not '\(text)'")
                }
                contract.unmonitored = choice
            }
            if let value = fields["assume_initial"] {
                switch try value.string() {
                case "up": contract.assumeInitialUp = true
                case "unknown": contract.assumeInitialUp = false
                default: throw value.error("assume_initial must be up or unknown")
                }
            }
            services.append(contract)
        }
        return services
    }

    /// `99.9%` → 999_000 (hundredths of a basis point); at most four decimals.
    func availabilityTarget(_ node: YAMLNode) throws(PipelineError) -> Int {
        let text = try node.string()
        let number = text.hasSuffix("%") ? String(text.dropLast()) : text
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), parts.count == 1 || (parts[1].count <= 4 && Int(parts[1]) != nil),
            text.hasSuffix("%")
        else { throw node.error("expected an availability such as 99.9%, found '\(text)'") }
        let fraction = parts.count == 2 ? Int(parts[1] + String(repeating: "0", count: 4 - parts[1].count))! : 0
        let value = whole * 10_000 + fraction
        guard value > 0, value <= 1_000_000 else { throw node.error("availability must be above 0% and at most 100%") }
        return value
    }
}
