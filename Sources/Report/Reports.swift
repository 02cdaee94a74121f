import Aggregate
import Dispatch
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
        // The policy cells, then `none`'s.
        policyCells = PreparedCells(policyNames.map(cell) + [cell("none")])
        // A path needing quotes is quoted with its line number inside: those take the slow way.
        inputQuoted = inputs.map(CSVWriter.needsQuotes)
        inputCells = PreparedCells(inputs.map { path in CSVWriter.needsQuotes(path) ? [] : cell(path) })
    }

    /// Cells written on every tickets.csv row, escaped once per run.
    let policyCells: PreparedCells
    let inputCells: PreparedCells
    let inputQuoted: [Bool]

    static let unverifiedColumn = "unverified_text_kept"

    func policy(_ index: Int?) -> String { index.map { policyNames[$0] } ?? "none" }

    /// The escaped cell of policy `index` (nil: `none`).
    func policyCell(_ index: Int?) -> UnsafeRawBufferPointer { policyCells[index ?? policyNames.count] }
}

/// Cells escaped once and written on many rows, kept in one block of memory
/// that lives as long as the table (read without reference counting per use).
final class PreparedCells: @unchecked Sendable {  // immutable after init
    /// Each cell's bytes (a start and a count: one load per use), pointing into `bytes`.
    private let cells: UnsafeMutablePointer<UnsafeRawBufferPointer>
    private let bytes: UnsafeMutablePointer<UInt8>
    private let count: Int

    init(_ cells: [[UInt8]]) {
        count = cells.count
        self.cells = .allocate(capacity: max(cells.count, 1))
        let total = cells.reduce(0) { $0 + $1.count }
        bytes = .allocate(capacity: max(total, 1))
        var end = 0
        for (index, cell) in cells.enumerated() {
            (bytes + end).initialize(from: cell, count: cell.count)
            (self.cells + index).initialize(to: UnsafeRawBufferPointer(start: bytes + end, count: cell.count))
            end += cell.count
        }
    }

    deinit {
        cells.deinitialize(count: count)
        cells.deallocate()
        bytes.deallocate()
    }

    subscript(index: Int) -> UnsafeRawBufferPointer {
        precondition(index >= 0 && index < count)
        return cells[index]
    }
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

    /// The CSV in pieces (a million groups are never one buffer), in row order. Pieces of
    /// `rowsPerPiece` rows are rendered on `threads` threads, a few at a time: with many groups,
    /// each row waits on memory for its key and its values (rows render at ~150 MB/s on one thread).
    public static func write<E: Error>(
        _ rows: [GroupSummary], dimensions: [GroupDimension], context: ReportContext, threads: Int = 1, rowsPerPiece: Int = 4096,
        to sink: (UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        var header = CSVWriter(neutralizeFormulas: context.neutralizeFormulas)
        header.header(Self.header(dimensions: dimensions) + (context.unverifiedTextKept ? [ReportContext.unverifiedColumn] : []))
        try header.withBytes { buffer throws(E) in try sink(buffer) }
        let pieces = (rows.count + rowsPerPiece - 1) / rowsPerPiece
        let threads = max(1, min(threads, pieces))
        // A batch of pieces at a time (two per thread), written in order before the next is rendered;
        // each piece its own buffer (copies of one writer share its sink).
        var writers = (0..<(threads == 1 ? 1 : 2 * threads)).map { _ in
            CSVWriter(neutralizeFormulas: context.neutralizeFormulas, capacity: rowsPerPiece * 256)
        }
        for batch in stride(from: 0, to: pieces, by: writers.count) {
            let count = min(writers.count, pieces - batch)
            let rendered = Locked([CSVWriter?](repeating: nil, count: count))
            let spare = writers
            let render: @Sendable (Int) -> Void = { k in
                var piece = spare[k]
                piece.removeAll()
                let first = (batch + k) * rowsPerPiece
                append(rows, first..<min(rows.count, first + rowsPerPiece), context: context, to: &piece)
                rendered.withLock { $0[k] = piece }
            }
            if threads == 1 { render(0) } else { DispatchQueue.concurrentPerform(iterations: count, execute: render) }
            let done = rendered.withLock { $0 }
            for k in 0..<count {
                try done[k]!.withBytes { buffer throws(E) in try sink(buffer) }
                writers[k] = done[k]!
            }
        }
    }

    /// The rows of `range`.
    private static func append(_ rows: [GroupSummary], _ range: Range<Int>, context: ReportContext, to csv: inout CSVWriter) {
        for group in rows[range] {
            var row = csv.beginRow()
            for value in group.key { row.text(value) }
            row.integer(group.tickets); row.integer(group.resolved); row.integer(group.openAtAsOf); row.integer(group.incomplete)
            row.integer(group.ticketsBreached)
            for metric in Metric.allCases {
                let stats = group[metric]
                let sorted = stats.durations  // ascending in summary rows
                row.integer(stats.measured); row.integer(stats.met); row.integer(stats.breached); row.integer(stats.ongoingBreached)
                row.integer(stats.atRisk)
                row.percent(hundredths: stats.complianceHundredths)
                row.seconds(stats.meanOverTarget)
                row.seconds(stats.mean)
                row.seconds(stats.percentile(50, sorted: sorted))
                row.seconds(stats.percentile(90, sorted: sorted))
                row.seconds(stats.percentile(95, sorted: sorted))
                row.seconds(sorted.last)
            }
            if context.unverifiedTextKept { row.word("yes" as StaticString) }
            csv.endRow(row)
        }
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
    public static func appendRow(_ t: borrowing TicketResult, context: ReportContext, to csv: inout CSVWriter) {
        var row = csv.beginRow()
        row.text(t.ticket)
        row.text(t.customer); row.text(t.channel); row.text(t.priority); row.text(t.agent)
        for index in context.attributes.indices { row.text(t.extra(index)) }
        row.word(t.requester.cell)
        row.word(context.policyCell(t.policy))
        row.word(t.state.cell)
        row.instant(t.openedAt)
        row.instant(t.resolvedAt)
        row.integer(t.reopens)
        if let source = t.openSource {
            let file = Int(source.file)
            if context.inputQuoted[file] {
                row.source(path: context.inputs[file], line: source.line)
            } else {
                row.source(cell: context.inputCells[file], line: source.line)
            }
        } else {
            row.empty()
        }
        if let fr = t.firstResponse {
            row.seconds(fr.value)
            row.seconds(fr.target)
            row.word(fr.outcome.cell)
            row.seconds(fr.overTarget)
            row.instant(fr.stopReason == .completed ? fr.stop : nil)
            row.word(context.policyCell(fr.policy))
            row.word(fr.stopReason.cell)
        } else {
            row.empty(2); row.word(Outcome.unmeasured.cell); row.empty(4)
        }
        let replies = NextReplyDigest(t.nextReplies)
        row.integer(t.nextReplies.count)
        if let worst = replies.worst {
            t.nextReplies.withUnsafeBufferPointer { instances in
                row.seconds(instances[worst].value)
                row.seconds(instances[worst].target)
            }
        } else {
            row.empty(2)
        }
        row.integer(replies.breaches)
        row.word(replies.outcome.cell)
        row.seconds(replies.worstOver)
        if let worst = replies.worst { row.word(context.policyCell(t.nextReplies[worst].policy)) } else { row.empty() }
        row.integer(replies.resolvedWithoutReply)
        if let r = t.resolution {
            row.seconds(r.value)
            row.seconds(r.target)
            row.word(r.outcome.cell)
            row.seconds(r.overTarget)
            row.word(context.policyCell(r.policy))
        } else {
            row.empty(2); row.word(Outcome.unmeasured.cell); row.empty(2)
        }
        let frBreach = t.firstResponse?.outcome.isBreach == true, resolutionBreach = t.resolution?.outcome.isBreach == true
        let breached = frBreach || resolutionBreach || replies.breaches > 0
        row.word(breached ? "yes" as StaticString : "no")
        row.beginCell()
        // The breaches cell, in metric order: only breached instances have an over-target.
        if breached {
            var first = true
            if frBreach, let fr = t.firstResponse { appendBreach(fr, first: &first, to: &row) }
            if replies.breaches > 0 {
                t.nextReplies.withUnsafeBufferPointer { instances in
                    for i in instances.indices where instances[i].outcome.isBreach { appendBreach(instances[i], first: &first, to: &row) }
                }
            }
            if resolutionBreach, let r = t.resolution { appendBreach(r, first: &first, to: &row) }
        }
        if context.unverifiedTextKept { row.word("yes" as StaticString) }
        csv.endRow(row)
    }

    /// `metric +Xs over Ys`, and why if not plain, for a breached instance.
    @inline(__always)
    private static func appendBreach(_ i: borrowing MetricInstance, first: inout Bool, to row: inout CSVWriter.Row) {
        guard let over = i.overTarget, let target = i.target else { return }
        if !first { row.append("; ") }
        first = false
        row.append(i.metric.cell)
        row.append(" +")
        row.appendSeconds(over)
        row.append("s over ")
        row.appendSeconds(target)
        row.append("s")
        if i.outcome == .ongoingBreach { row.append(" (ongoing at as_of)") }
        if i.stopReason == .resolvedWithoutReply { row.append(" (resolved without reply)") }
    }
}

/// The per-ticket view of all next_reply instances: the worst one (the longest, the first of equals) decides.
struct NextReplyDigest {
    /// Index of the worst instance.
    var worst: Int?
    var breaches = 0
    var outcome = Outcome.unmeasured
    var worstOver: Milliseconds?
    var resolvedWithoutReply = 0

    init(_ instances: [MetricInstance]) {
        guard !instances.isEmpty else { return }
        instances.withUnsafeBufferPointer { instances in
            var worst = 0
            var severity = 0
            for index in instances.indices {
                let i = instances[index]
                if i.value > instances[worst].value { worst = index }
                if let over = i.overTarget {
                    breaches += 1
                    worstOver = max(worstOver ?? over, over)
                } else if i.outcome.isBreach {
                    breaches += 1
                }
                if i.stopReason == .resolvedWithoutReply { resolvedWithoutReply += 1 }
                // The most severe outcome: ongoing_breach > breached > at_risk > running > met > unmeasured.
                let level = Self.severity(i.outcome)
                if level > severity {
                    severity = level
                    outcome = i.outcome
                }
            }
            self.worst = worst
        }
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

// The enums' raw values as compile-time text, written without making a String per cell
// (CSVRowTests checks each against its raw value).
extension Outcome {
    var cell: StaticString {
        switch self {
        case .met: "met"
        case .breached: "breached"
        case .ongoingBreach: "ongoing_breach"
        case .running: "running"
        case .atRisk: "at_risk"
        case .unmeasured: "unmeasured"
        }
    }
}

extension StopReason {
    var cell: StaticString {
        switch self {
        case .completed: "completed"
        case .resolvedWithoutReply: "resolved_without_reply"
        case .running: "running"
        }
    }
}

extension TicketState {
    var cell: StaticString {
        switch self {
        case .active: "active"
        case .waiting: "waiting"
        case .resolved: "resolved"
        case .incomplete: "incomplete"
        }
    }
}

extension Requester {
    var cell: StaticString { self == .customer ? "customer" : "agent" }
}

extension Metric {
    var cell: StaticString {
        switch self {
        case .firstResponse: "first_response"
        case .nextReply: "next_reply"
        case .resolution: "resolution"
        }
    }
}
