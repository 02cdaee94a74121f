import Aggregate
import SLACore

/// Names the reports need to turn indexes back into text.
public struct ReportContext: Sendable {
    /// Input paths, indexed by `SourceLocation.file`.
    public let inputs: [String]
    public var ruleNames: [String]
    public let policyNames: [String]
    public let neutralizeFormulas: Bool
    /// Forensic runs (`--keep-unverified`) that kept text of damaged compressed
    /// units: summary.csv and tickets.csv gain a last column `unverified_text_kept`
    /// that says `yes` on every row (run.json and stderr name the units).
    public var unverifiedTextKept: Bool
    /// The pipeline's own attributes: tickets.csv columns after `agent`.
    public var attributes: [String]

    public init(
        inputs: [String], ruleNames: [String], policyNames: [String], neutralizeFormulas: Bool = true, unverifiedTextKept: Bool = false,
        attributes: [String] = []
    ) {
        self.inputs = inputs; self.ruleNames = ruleNames; self.policyNames = policyNames
        self.neutralizeFormulas = neutralizeFormulas; self.unverifiedTextKept = unverifiedTextKept
        self.attributes = attributes
        func cell(_ text: String) -> [UInt8] {
            var writer = CSVWriter(neutralizeFormulas: neutralizeFormulas)
            writer.text(text)
            return writer.bytes
        }
        policyCells = policyNames.map(cell)
        noPolicyCell = cell("none")
        // A path needing quotes is quoted with its line number inside: those take the slow way.
        inputCells = inputs.map { path in CSVWriter.needsQuotes(path) ? nil : cell(path) }
    }

    /// Cells written on every tickets.csv row, escaped once per run.
    let policyCells: [[UInt8]]
    let noPolicyCell: [UInt8]
    let inputCells: [[UInt8]?]

    static let unverifiedColumn = "unverified_text_kept"

    func policy(_ index: Int?) -> String { index.map { policyNames[$0] } ?? "none" }

    func policyCell(_ index: Int?) -> [UInt8] { index.map { policyCells[$0] } ?? noPolicyCell }
}

/// `summary.csv`: one row per group. Columns: the group dimensions, then
/// `tickets,resolved,open_at_as_of,incomplete,tickets_breached`, then for
/// each metric (`first_response`, `next_reply`, `resolution`) the columns of
/// `SummaryReport.metricColumns` prefixed with the metric name.
public enum SummaryReport {
    public static let metricColumns = [
        "measured", "met", "breached", "ongoing_breached", "at_risk", "compliance_pct",
        "mean_over_target_s", "mean_s", "p50_s", "p90_s", "p95_s", "max_s",
    ]

    public static func header(dimensions: [GroupDimension]) -> [String] {
        dimensions.map(\.rawValue) + ["tickets", "resolved", "open_at_as_of", "incomplete", "tickets_breached"]
            + Metric.allCases.flatMap { metric in metricColumns.map { "\(metric.rawValue)_\($0)" } }
    }

    /// The CSV in pieces of about 1 MB (a million groups are never one buffer).
    public static func write<E: Error>(
        _ rows: [GroupSummary], dimensions: [GroupDimension], context: ReportContext, to sink: (UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        var csv = CSVWriter(neutralizeFormulas: context.neutralizeFormulas, capacity: 1 << 20 + 4096)
        csv.header(header(dimensions: dimensions) + (context.unverifiedTextKept ? [ReportContext.unverifiedColumn] : []))
        for row in rows {
            for value in row.key { csv.text(value) }
            csv.integer(row.tickets); csv.integer(row.resolved); csv.integer(row.openAtAsOf); csv.integer(row.incomplete)
            csv.integer(row.ticketsBreached)
            for metric in Metric.allCases {
                let stats = row[metric]
                let sorted = stats.durations  // ascending in summary rows
                csv.integer(stats.measured); csv.integer(stats.met); csv.integer(stats.breached); csv.integer(stats.ongoingBreached)
                csv.integer(stats.atRisk)
                csv.percent(hundredths: stats.complianceHundredths)
                csv.seconds(stats.meanOverTarget)
                csv.seconds(stats.mean)
                csv.seconds(stats.percentile(50, sorted: sorted))
                csv.seconds(stats.percentile(90, sorted: sorted))
                csv.seconds(stats.percentile(95, sorted: sorted))
                csv.seconds(sorted.last)
            }
            if context.unverifiedTextKept { csv.raw("yes") }
            csv.endRow()
            if csv.count >= 1 << 20 {
                try csv.withBytes { buffer throws(E) in try sink(buffer) }
                csv.removeAll()
            }
        }
        try csv.withBytes { buffer throws(E) in try sink(buffer) }
    }
}

/// `tickets.csv`: one row per ticket, in input order (file and line where each ticket first appears).
public enum TicketsReport {
    /// The header row, with the forensic column when `context` asks for it.
    public static func header(_ context: ReportContext) -> [String] {
        let agent = header.firstIndex(of: "agent")! + 1
        return header[..<agent] + context.attributes + header[agent...]
            + (context.unverifiedTextKept ? [ReportContext.unverifiedColumn] : [])
    }

    public static let header = [
        "ticket", "customer", "channel", "priority", "agent", "requester", "policy", "state",
        "opened_at", "resolved_at", "reopens", "open_source",
        "first_response_s", "first_response_target_s", "first_response_outcome", "first_response_over_target_s", "first_response_at",
        "first_response_policy", "first_response_stop",
        "next_reply_count", "next_reply_worst_s", "next_reply_target_s", "next_reply_breaches", "next_reply_outcome",
        "next_reply_over_target_s", "next_reply_policy", "next_reply_resolved_without_reply",
        "resolution_s", "resolution_target_s", "resolution_outcome", "resolution_over_target_s", "resolution_policy",
        "breached", "breaches",
    ]

    /// Appends one ticket's row.
    public static func appendRow(_ t: TicketResult, context: ReportContext, to csv: inout CSVWriter) {
        csv.text(t.ticket)
        // One call per cell: a literal array of the four would be allocated for every row.
        csv.text(t.customer ?? ""); csv.text(t.channel ?? ""); csv.text(t.priority ?? ""); csv.text(t.agent ?? "")
        for index in context.attributes.indices { csv.text(t.extra(index) ?? "") }
        csv.raw(t.requester.description)
        csv.prepared(context.policyCell(t.policy))
        csv.raw(t.state.rawValue)
        csv.instant(t.openedAt)
        csv.instant(t.resolvedAt)
        csv.integer(t.reopens)
        if let source = t.openSource, let cell = context.inputCells[Int(source.file)] {
            csv.source(cell: cell, line: source.line)
        } else {
            csv.source(t.openSource.map { (context.inputs[Int($0.file)], $0.line) })
        }
        let fr = t.firstResponse
        csv.seconds(fr?.value)
        csv.seconds(fr?.target)
        csv.raw(fr?.outcome.rawValue ?? Outcome.unmeasured.rawValue)
        csv.seconds(fr?.overTarget)
        csv.instant(fr?.stopReason == .completed ? fr?.stop : nil)
        if let fr { csv.prepared(context.policyCell(fr.policy)) } else { csv.empty() }
        csv.raw(fr?.stopReason.rawValue ?? "")
        let replies = NextReplyDigest(t.nextReplies)
        csv.integer(t.nextReplies.count)
        csv.seconds(replies.worst?.value)
        csv.seconds(replies.worst?.target)
        csv.integer(replies.breaches)
        csv.raw(replies.outcome.rawValue)
        csv.seconds(replies.worstOver)
        if let worst = replies.worst { csv.prepared(context.policyCell(worst.policy)) } else { csv.empty() }
        csv.integer(t.nextReplies.count { $0.stopReason == .resolvedWithoutReply })
        let r = t.resolution
        csv.seconds(r?.value)
        csv.seconds(r?.target)
        csv.raw(r?.outcome.rawValue ?? Outcome.unmeasured.rawValue)
        csv.seconds(r?.overTarget)
        if let r { csv.prepared(context.policyCell(r.policy)) } else { csv.empty() }
        csv.raw(t.isBreached ? "yes" : "no")
        csv.composedText { cell in
            var first = true
            t.forEachInstance { i in
                guard let over = i.overTarget, let target = i.target else { return }
                if !first { cell.append("; ") }
                first = false
                cell.append(i.metric.rawValue)
                cell.append(" +")
                cell.appendSeconds(over)
                cell.append("s over ")
                cell.appendSeconds(target)
                cell.append("s")
                if i.outcome == .ongoingBreach { cell.append(" (ongoing at as_of)") }
                if i.stopReason == .resolvedWithoutReply { cell.append(" (resolved without reply)") }
            }
        }
        if context.unverifiedTextKept { csv.raw("yes") }
        csv.endRow()
    }

}

/// The per-ticket view of all next_reply instances: the worst one decides.
struct NextReplyDigest {
    var worst: MetricInstance?
    var breaches = 0
    var outcome = Outcome.unmeasured
    var worstOver: Milliseconds?

    init(_ instances: [MetricInstance]) {
        for i in instances {
            if worst == nil || i.value > worst!.value { worst = i }
            if i.outcome.isBreach { breaches += 1 }
            if let over = i.overTarget { worstOver = max(worstOver ?? over, over) }
        }
        // The most severe outcome: ongoing_breach > breached > at_risk > running > met > unmeasured.
        for i in instances where Self.severity(i.outcome) > Self.severity(outcome) { outcome = i.outcome }
    }
}

extension NextReplyDigest {
    static func severity(_ outcome: Outcome) -> Int {
        switch outcome {
        case .unmeasured: 0
        case .met: 1
        case .running: 2
        case .atRisk: 3
        case .breached: 4
        case .ongoingBreach: 5
        }
    }
}

/// One line of `rejects.csv`: a line or event that did not count, and why.
public struct RejectRow: Sendable, Equatable {
    /// `reject` (matched, no event), `duplicate`, `before_open`, `second_open`.
    public var category: String
    public var source: SourceLocation
    public var offset: Int64?
    public var rule: Int?
    public var ticket: String
    public var reason: String

    public init(category: String, source: SourceLocation, offset: Int64?, rule: Int?, ticket: String, reason: String) {
        self.category = category; self.source = source; self.offset = offset; self.rule = rule
        self.ticket = ticket; self.reason = reason
    }
}

/// `rejects.csv`: `category,file,line,byte_offset,rule,ticket,reason`, in input order.
public enum RejectsReport {
    public static let header = ["category", "file", "line", "byte_offset", "rule", "ticket", "reason"]

    public static func csv(_ rows: [RejectRow], context: ReportContext) -> [UInt8] {
        var csv = CSVWriter(neutralizeFormulas: context.neutralizeFormulas)
        csv.header(header)
        for row in rows.sorted(by: { ($0.source, $0.category) < ($1.source, $1.category) }) {
            csv.raw(row.category)
            csv.text(context.inputs[Int(row.source.file)])
            csv.integer(Int(row.source.line))
            if let offset = row.offset { csv.integer(Int(offset)) } else { csv.empty() }
            csv.text(row.rule.map { context.ruleNames[$0] } ?? "")
            csv.text(row.ticket)
            csv.text(row.reason)
            csv.endRow()
        }
        return csv.bytes
    }
}
