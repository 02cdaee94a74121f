import Aggregate
import SLACore

/// `slalog.prom`: the run in the Prometheus text exposition format (0.0.4),
/// for node_exporter's textfile collector. Every value describes the last
/// run, so every family is a gauge. Names follow Prometheus conventions
/// (`slalog_` prefix, snake_case, base units: seconds, bytes, ratios 0–1).
///
/// Cardinality is bounded: the `topGroups` groups with the most tickets get
/// their own series; the rest are added up into one series whose group
/// labels are all `other`.
public enum MetricsReport {
    /// Run-level figures, from run.json's totals.
    public struct RunFigures: Sendable {
        public var seconds: Double
        public var inputs: Int
        public var bytes: Int64
        public var lines: Int64
        public var events: Int64
        public var rejects: Int64
        /// Problem count per category name (all categories, zeros included).
        public var problems: [(category: String, count: Int)]
        public var exitCode: Int
        /// Warnings of the last run (docs/semantics.md §8): the rules may not fit the logs.
        public var warnings = 0
        /// The run's as_of, nil when no event was read.
        public var asOf: Instant?
        /// When the run ended (Unix seconds).
        public var finishedAt: Double
        /// The last run that exited 0: this one, else the value carried over from the previous textfile.
        public var lastSuccess: Double?

        public init(
            seconds: Double, inputs: Int, bytes: Int64, lines: Int64, events: Int64, rejects: Int64,
            problems: [(category: String, count: Int)], exitCode: Int, asOf: Instant?, finishedAt: Double, lastSuccess: Double?
        ) {
            self.seconds = seconds; self.inputs = inputs; self.bytes = bytes; self.lines = lines; self.events = events
            self.rejects = rejects; self.problems = problems; self.exitCode = exitCode; self.asOf = asOf
            self.finishedAt = finishedAt; self.lastSuccess = lastSuccess
        }
    }

    public static let defaultTopGroups = 50

    /// The whole textfile.
    public static func text(groups: [GroupSummary], dimensions: [GroupDimension], run: RunFigures, topGroups: Int) -> String {
        var out = ""
        let shown = bounded(groups, dimensions: dimensions, top: topGroups)
        func family(_ name: String, _ help: String, _ body: () -> Void) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            body()
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
            out += name
            if !labels.isEmpty { out += "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}" }
            out += " " + value + "\n"
        }
        func labels(_ group: GroupSummary) -> [(String, String)] { zip(dimensions.map(\.rawValue), group.key).map { ($0, $1) } }

        family("slalog_tickets", "Tickets per group at as_of.") {
            for group in shown { sample("slalog_tickets", labels(group), "\(group.tickets)") }
        }
        family("slalog_tickets_breached", "Tickets with any breached metric instance, per group.") {
            for group in shown { sample("slalog_tickets_breached", labels(group), "\(group.ticketsBreached)") }
        }
        let perMetric: [(String, String, (MetricStats) -> String?)] = [
            (
                "slalog_compliance_ratio", "Met / measured metric instances (0-1); absent when nothing was measured.",
                { stats in
                    stats.measured > 0 ? ratio(stats.met, stats.measured) : nil
                }
            ),
            ("slalog_measured", "Measured (met + breached) metric instances.", { "\($0.measured)" }),
            ("slalog_breaches", "Breached metric instances, ongoing breaches included.", { "\($0.breached)" }),
            ("slalog_ongoing_breaches", "Metric instances still running past their target at as_of.", { "\($0.ongoingBreached)" }),
            ("slalog_at_risk", "Running metric instances within target but past the at_risk share of it.", { "\($0.atRisk)" }),
        ]
        for (name, help, value) in perMetric {
            family(name, help) {
                for group in shown {
                    for metric in Metric.allCases {
                        if let text = value(group[metric]) { sample(name, labels(group) + [("metric", metric.rawValue)], text) }
                    }
                }
            }
        }
        family("slalog_run_duration_seconds", "Wall time of the last run.") {
            sample("slalog_run_duration_seconds", [], number(run.seconds))
        }
        family("slalog_input_files", "Inputs of the last run.") { sample("slalog_input_files", [], "\(run.inputs)") }
        family("slalog_input_bytes", "Decoded bytes read by the last run.") { sample("slalog_input_bytes", [], "\(run.bytes)") }
        family("slalog_input_lines", "Lines read by the last run.") { sample("slalog_input_lines", [], "\(run.lines)") }
        family("slalog_events", "Events the rules produced in the last run.") { sample("slalog_events", [], "\(run.events)") }
        family("slalog_rejected_lines", "Lines that matched a rule but could not become an event.") {
            sample("slalog_rejected_lines", [], "\(run.rejects)")
        }
        family("slalog_problems", "Problems of the last run per category (see run.json).") {
            for problem in run.problems { sample("slalog_problems", [("category", problem.category)], "\(problem.count)") }
        }
        family("slalog_run_exit_code", "Exit code of the last run: 0 complete, 1 partial, 2 nothing written, 3 warnings under --strict.") {
            sample("slalog_run_exit_code", [], "\(run.exitCode)")
        }
        family("slalog_run_warnings", "Warnings of the last run: signs that the rules do not fit the logs (see run.json).") {
            sample("slalog_run_warnings", [], "\(run.warnings)")
        }
        if let asOf = run.asOf {
            family("slalog_as_of_timestamp_seconds", "The instant the last run measured as of.") {
                sample("slalog_as_of_timestamp_seconds", [], number(Double(asOf.milliseconds) / 1000))
            }
        }
        family("slalog_last_run_timestamp_seconds", "When the last run ended.") {
            sample("slalog_last_run_timestamp_seconds", [], number(run.finishedAt))
        }
        if let success = run.lastSuccess {
            family("slalog_last_success_timestamp_seconds", "When the last complete run (exit 0) ended.") {
                sample("slalog_last_success_timestamp_seconds", [], number(success))
            }
        }
        return out
    }

    /// The `top` groups with the most tickets (ties: key order), then the rest merged into `other`.
    static func bounded(_ groups: [GroupSummary], dimensions: [GroupDimension], top: Int) -> [GroupSummary] {
        guard groups.count > top else { return groups }
        let ranked = groups.enumerated().sorted { ($0.element.tickets, $1.offset) > ($1.element.tickets, $0.offset) }
        var kept = ranked.prefix(top).sorted { $0.offset < $1.offset }.map(\.element)
        var other = GroupSummary(key: Array(repeating: "other", count: dimensions.count))
        for rest in ranked.dropFirst(top) { other.merge(rest.element) }
        kept.append(other)
        return kept
    }

    /// The value of `slalog_last_success_timestamp_seconds` in an earlier textfile, if any.
    public static func lastSuccess(inPrevious text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("slalog_last_success_timestamp_seconds ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    /// Label value escaping of the exposition format: backslash, double quote, line feed.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    static func ratio(_ part: Int, _ whole: Int) -> String { number(Double(part) / Double(whole)) }

    /// Shortest round-trip decimal, no exponent for ordinary values.
    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
