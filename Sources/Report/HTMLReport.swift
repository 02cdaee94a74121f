import Aggregate
import Mustache
import SLACore

/// `report.html`: one self-contained page (inline CSS, inline SVG charts, a
/// few lines of inline script for sorting and filtering; no network, no
/// fonts, nothing external) that opens from disk or as an email attachment.
///
/// The page is a swift-mustache template (HTML-escaped by default, so log
/// text can never become markup); the charts are SVG written here, with
/// every text escaped the same way.
public struct HTMLReport {
    /// The run's headline figures.
    public struct Headline: Sendable {
        public var asOf: Instant?
        public var partial: Bool
        public var generation: String
        public var inputs: Int
        public var bytes: Int64
        public var lines: Int64
        public var events: Int64
        public var tickets: Int
        public var ticketsBreached: Int
        public var breaches: Int
        public var atRisk: Int
        public var seconds: Double

        public init(
            asOf: Instant?, partial: Bool, generation: String, inputs: Int, bytes: Int64, lines: Int64, events: Int64, tickets: Int,
            ticketsBreached: Int, breaches: Int, atRisk: Int, seconds: Double
        ) {
            self.asOf = asOf; self.partial = partial; self.generation = generation; self.inputs = inputs; self.bytes = bytes
            self.lines = lines; self.events = events; self.tickets = tickets; self.ticketsBreached = ticketsBreached
            self.breaches = breaches; self.atRisk = atRisk; self.seconds = seconds
        }
    }

    /// One of the worst tickets: its row and its audit trail (`slalog explain` text).
    public struct WorstTicket: Sendable {
        public var result: TicketResult
        public var worstOver: Milliseconds
        public var trail: String
        public init(result: TicketResult, worstOver: Milliseconds, trail: String) {
            self.result = result; self.worstOver = worstOver; self.trail = trail
        }
    }

    public var headline: Headline
    public var groups: [GroupSummary]
    public var dimensions: [GroupDimension]
    /// Breached instances per local day number (days since 1970-01-01 in the group zone).
    public var breachesPerDay: [Int64: Int]
    public var zoneName: String
    public var worst: [WorstTicket]
    /// Problem lines (already formatted) and counts per category.
    public var problems: [String]
    public var problemCounts: [(String, Int)]
    public var rejectCounts: [(String, Int)]
    public var context: ReportContext
    /// Service availability per period (docs/semantics.md §10), when the run has services.
    public var servicePeriods: [ServicePeriod] = []

    public init(
        headline: Headline, groups: [GroupSummary], dimensions: [GroupDimension], breachesPerDay: [Int64: Int], zoneName: String,
        worst: [WorstTicket], problems: [String], problemCounts: [(String, Int)], rejectCounts: [(String, Int)], context: ReportContext
    ) {
        self.headline = headline; self.groups = groups; self.dimensions = dimensions; self.breachesPerDay = breachesPerDay
        self.zoneName = zoneName; self.worst = worst; self.problems = problems; self.problemCounts = problemCounts
        self.rejectCounts = rejectCounts; self.context = context
    }

    /// Groups drawn in the "most breaches" chart; the table always lists every group.
    static let chartGroups = 10
    /// Problem lines listed (the rest are counted; run.json has them all).
    static let listedProblems = 50

    public var bytes: [UInt8] { Array(html.utf8) }

    public var html: String {
        let template = try! MustacheTemplate(string: Self.template)
        return template.render(values)
    }

    var values: [String: Any] {
        let h = headline
        var root: [String: Any] = [
            "asOf": h.asOf?.iso8601 ?? "no event was read",
            "status": h.partial ? "partial" : "complete",
            "statusClass": h.partial ? "bad" : "good",
            "generation": h.generation,
            "inputs": h.inputs, "megabytes": String(format1(Double(h.bytes) / 1e6)),
            "lines": h.lines, "events": h.events, "tickets": h.tickets, "ticketsBreached": h.ticketsBreached,
            "breaches": h.breaches, "atRisk": h.atRisk, "seconds": format1(h.seconds),
            "problemCount": problems.count, "rejected": rejectCounts.first { $0.0 == "reject" }?.1 ?? 0,
        ]
        root["style"] = Self.style
        root["script"] = Self.script
        root["groupHeaders"] = dimensions.map { ["name": $0.rawValue] }
        root["groupLabel"] = dimensions.map(\.rawValue).joined(separator: " × ")
        root["metricHeaders"] = Metric.allCases.map { ["name": $0.rawValue.replacingOccurrences(of: "_", with: " ")] }
        root["rowsHTML"] = groupRowsHTML
        root["groupCount"] = groups.count
        root["moreGroups"] = groups.count > Self.listedGroups ? groups.count - Self.listedGroups : 0
        root["listedGroups"] = Self.listedGroups
        root["trendSVG"] = trendSVG
        root["topSVG"] = topGroupsSVG
        root["hasTrend"] = !breachesPerDay.isEmpty
        root["zone"] = zoneName
        root["worst"] = worst.map(worstRow)
        root["hasWorst"] = !worst.isEmpty
        root["problems"] = problems.prefix(Self.listedProblems).map { ["text": $0] }
        root["moreProblems"] = problems.count > Self.listedProblems ? problems.count - Self.listedProblems : 0
        root["problemCounts"] = problemCounts.filter { $0.1 > 0 }.map { ["category": $0.0, "count": $0.1] }
        root["rejectCounts"] = rejectCounts.filter { $0.1 > 0 }.map { ["category": $0.0, "count": $0.1] }
        root["hasProblems"] = problemCounts.contains { $0.1 > 0 } || rejectCounts.contains { $0.1 > 0 }
        root["unverified"] = context.unverifiedTextKept
        root["hasServices"] = !servicePeriods.isEmpty
        root["services"] = servicePeriods.map { p -> [String: Any] in
            [
                "service": p.service, "period": p.period, "availability": p.availability.map(ServiceMeasurer.percent) ?? "",
                "target": p.target.map(ServiceMeasurer.percent) ?? "", "outages": p.outages, "down": formatSeconds(p.down),
                "remaining": p.budgetRemaining.map(formatSeconds) ?? "", "outcome": p.outcome,
                "outcomeClass": p.outcome == "breached" ? "bad" : p.outcome == "at_risk" ? "warn" : "good",
                "reasons": p.reasons.joined(separator: "; "),
            ]
        }
        return root
    }

    /// Rows of the group table at most: a page a person reads (and a browser opens quickly); summary.csv has every group.
    static let listedGroups = 2000

    /// The groups the table lists: all, or the `listedGroups` with the most tickets (ties: key order), in key order.
    var listed: [GroupSummary] {
        guard groups.count > Self.listedGroups else { return groups }
        let kept = groups.indices.sorted { groups[$0].tickets != groups[$1].tickets ? groups[$0].tickets > groups[$1].tickets : $0 < $1 }
        return kept.prefix(Self.listedGroups).sorted().map { groups[$0] }
    }

    /// The group table's rows, written directly as bytes (a template per cell would cost more than the
    /// rest of the page with 1,000 groups, and string interpolation per cell was most of a night's page:
    /// 50,000 instructions a row); every text is escaped (`HTMLBytes.putEscaped`, as `escape`).
    var groupRowsHTML: String {
        var html = HTMLBytes(capacity: min(groups.count, Self.listedGroups) * 900)
        for group in listed {
            html.put("<tr>")
            for value in group.key {
                html.put("<td class=\"group\">")
                html.putEscaped(value.isEmpty ? "(none)" : value)
                html.put("</td>")
            }
            html.put("<td>"); html.put(group.tickets); html.put("</td><td>"); html.put(group.ticketsBreached); html.put("</td>")
            for metric in Metric.allCases {
                let stats = group[metric]
                let compliance = stats.complianceHundredths
                html.put("<td class=\"")
                let rating: StaticString = compliance.map { $0 >= 9500 ? "good" : $0 >= 8000 ? "warn" : "bad" } ?? "none"
                html.put(rating)
                html.put("\" data-v=\""); html.put(compliance ?? -1); html.put("\">")
                if let compliance { html.put(hundredths: compliance) }
                html.put("</td><td>"); html.put(stats.breached); html.put("</td><td>"); html.put(stats.atRisk); html.put("</td>")
                let p90 = stats.percentile(90, sorted: stats.durations)  // ascending in summary rows
                html.put("<td data-v=\""); html.put(Int(p90 ?? -1)); html.put("\">")
                if let p90 { html.put(seconds: p90) }
                html.put("</td>")
            }
            html.put("</tr>\n")
        }
        return html.text
    }

    func worstRow(_ worst: WorstTicket) -> [String: Any] {
        let t = worst.result
        var reasons: [String] = []
        t.forEachInstance { i in
            guard let over = i.overTarget, let target = i.target else { return }
            var text = "\(i.metric.rawValue) +\(formatSeconds(over))s over \(formatSeconds(target))s"
            if i.outcome == .ongoingBreach { text += " (ongoing at as_of)" }
            if i.stopReason == .resolvedWithoutReply { text += " (resolved without reply)" }
            reasons.append(text)
        }
        return [
            "ticket": t.ticket, "customer": t.customer ?? "", "over": formatSeconds(worst.worstOver), "overValue": String(worst.worstOver),
            "hours": format1(Double(worst.worstOver) / 3_600_000), "reasons": reasons.joined(separator: "; "),
            // Escaped here, a byte at a time: Mustache's escaping, a dictionary lookup per character, took
            // most of the page's time for these few long texts.
            "trail": Self.escape(worst.trail),
            "anchor": "t-" + Self.anchor(t.ticket),
        ]
    }

    // MARK: charts (plain SVG)

    /// Breaches per day, or per ISO week (Monday) when the run spans more than 92 days; with the average per period.
    var trendSVG: String {
        guard let first = breachesPerDay.keys.min(), let last = breachesPerDay.keys.max() else { return "" }
        let weekly = last - first > 92
        var buckets: [(label: String, count: Int)] = []
        if weekly {
            let monday = { (day: Int64) -> Int64 in day - Int64(CivilDate(daysSinceEpoch: Int(day)).isoWeekday - 1) }
            var counts: [Int64: Int] = [:]
            for (day, count) in breachesPerDay { counts[monday(day), default: 0] += count }
            var week = monday(first)
            while week <= last {
                buckets.append(("week of " + CivilDate(daysSinceEpoch: Int(week)).description, counts[week] ?? 0))
                week += 7
            }
        } else {
            for day in first...last { buckets.append((CivilDate(daysSinceEpoch: Int(day)).description, breachesPerDay[day] ?? 0)) }
        }
        let width = 820.0, height = 220.0, left = 44.0, bottom = 28.0, top = 12.0
        let peak = max(1, buckets.map(\.count).max() ?? 1)
        let average = Double(buckets.reduce(0) { $0 + $1.count }) / Double(buckets.count)
        let slot = (width - left - 8) / Double(buckets.count)
        let scale = (height - bottom - top) / Double(peak)
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Breaches per \(weekly ? "week" : "day")\">"
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - 8)\" y2=\"\(height - bottom)\" class=\"axis\"/>"
        svg += "<text x=\"\(left - 6)\" y=\"\(top + 4)\" class=\"tick\" text-anchor=\"end\">\(peak)</text>"
        svg += "<text x=\"\(left - 6)\" y=\"\(height - bottom)\" class=\"tick\" text-anchor=\"end\">0</text>"
        for (index, bucket) in buckets.enumerated() {
            let barHeight = Double(bucket.count) * scale
            let x = left + Double(index) * slot + slot * 0.1
            svg += "<rect x=\"\(format1(x))\" y=\"\(format1(height - bottom - barHeight))\" width=\"\(format1(max(1, slot * 0.8)))\" "
            svg += "height=\"\(format1(barHeight))\" class=\"bar\"><title>\(Self.escape(bucket.label)): \(bucket.count)</title></rect>"
        }
        for index in Set([0, buckets.count / 2, buckets.count - 1]).sorted() {
            let x = left + (Double(index) + 0.5) * slot
            svg +=
                "<text x=\"\(format1(x))\" y=\"\(height - 8)\" class=\"tick\" text-anchor=\"middle\">\(Self.escape(buckets[index].label))</text>"
        }
        let y = height - bottom - average * scale
        svg += "<line x1=\"\(left)\" y1=\"\(format1(y))\" x2=\"\(width - 8)\" y2=\"\(format1(y))\" class=\"average\"/>"
        svg +=
            "<text x=\"\(width - 10)\" y=\"\(format1(y - 4))\" class=\"tick\" text-anchor=\"end\">average \(format1(average)) per \(weekly ? "week" : "day")</text>"
        return svg + "</svg>"
    }

    /// The groups with the most breached tickets, as horizontal bars (top N; the table has the rest).
    var topGroupsSVG: String {
        // Indices, not copies of the groups (there may be a million).
        let ranked = groups.indices.filter { groups[$0].ticketsBreached > 0 }
            .sorted { (groups[$0].ticketsBreached, $1) > (groups[$1].ticketsBreached, $0) }.prefix(Self.chartGroups)
            .map { (offset: $0, element: groups[$0]) }
        guard let peak = ranked.first?.element.ticketsBreached else { return "" }
        let rowHeight = 22.0, labelWidth = 220.0, width = 820.0
        let height = rowHeight * Double(ranked.count) + 8
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Groups with the most breached tickets\">"
        for (index, entry) in ranked.enumerated() {
            let group = entry.element
            let y = 4 + Double(index) * rowHeight
            let name = group.key.map { $0.isEmpty ? "(none)" : $0 }.joined(separator: " · ")
            let shown = name.count > 32 ? String(name.prefix(31)) + "…" : name
            let barWidth = (width - labelWidth - 70) * Double(group.ticketsBreached) / Double(peak)
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(format1(y + 15))\" class=\"label\" text-anchor=\"end\">\(Self.escape(shown))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(format1(y + 3))\" width=\"\(format1(max(1, barWidth)))\" height=\"16\" class=\"bar\">"
            svg += "<title>\(Self.escape(name)): \(group.ticketsBreached) of \(group.tickets) tickets breached</title></rect>"
            svg +=
                "<text x=\"\(format1(labelWidth + barWidth + 6))\" y=\"\(format1(y + 15))\" class=\"tick\">\(group.ticketsBreached) / \(group.tickets)</text>"
        }
        return svg + "</svg>"
    }

    // MARK: text

    /// XML/HTML text escaping for the SVG written here (the template escapes everything else).
    static func escape(_ text: String) -> String {
        var out = HTMLBytes(capacity: text.utf8.count)
        out.putEscaped(text)
        return out.text
    }

    /// An id-safe form of a ticket name for in-page links.
    static func anchor(_ ticket: String) -> String {
        String(ticket.unicodeScalars.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) ? Character($0) : "-" })
    }

    func format1(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// Bytes of HTML built piece by piece: fixed words, decimal numbers, escaped texts.
struct HTMLBytes {
    private var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func put(_ word: StaticString) {
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    mutating func put(_ number: Int) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits, written from the end
        withUnsafeMutableBytes(of: &digits) { buffer in
            var at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[at...]))
        }
    }

    /// Milliseconds as seconds with three decimals, as `formatSeconds` writes them (`-1.005`).
    mutating func put(seconds ms: Milliseconds) {
        if ms < 0 { put("-") }
        put(Int(ms.magnitude / 1000))
        let milli = Int(ms.magnitude % 1000)
        put(milli < 10 ? ".00" : milli < 100 ? ".0" : ".")
        put(milli)
    }

    /// Hundredths of a percent as a percentage with two decimals (`6667` → `66.67`).
    mutating func put(hundredths: Int) {
        put(hundredths / 100)
        put(hundredths % 100 < 10 ? ".0" : ".")
        put(hundredths % 100)
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` as entities (the bytes of other characters never equal these).
    mutating func putEscaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): put("&amp;")
            case UInt8(ascii: "<"): put("&lt;")
            case UInt8(ascii: ">"): put("&gt;")
            case UInt8(ascii: "\""): put("&quot;")
            case UInt8(ascii: "'"): put("&#39;")
            default: bytes.append(byte)
            }
        }
    }
}
