import Foundation
import Pipeline
import SLACore

/// The short account of a run printed on stderr.
enum HumanSummary {
    static func text(_ result: RunResult) -> String {
        let s = result.statistics
        let mb = Double(s.bytes) / 1_000_000
        let rate = s.seconds > 0 ? mb / s.seconds : 0
        let failed = s.inputs.filter { $0.failure != nil }.count
        var lines = [
            "slalog: \(result.isPartial ? "PARTIAL" : "complete") run, as of \(result.asOf?.iso8601 ?? "- (no event was read)")",
            "  inputs   \(s.inputs.count) files, \(String(format: "%.1f", mb)) MB decoded\(failed > 0 ? ", \(failed) failed part-way" : "")",
            "  lines    \(s.lines) read, \(s.events) events, \(s.rejects) rejected, \(s.ignored) ignored, \(s.unmatched) unmatched",
            "  tickets  \(s.tickets) (\(s.incomplete) incomplete), \(s.ticketsBreached) breached; \(s.breaches) breaches (\(s.ongoingBreaches) ongoing), \(s.atRisk) at risk",
        ]
        if s.discardedLines > 0 {
            lines.append("  DISCARDED \(s.discardedLines) lines of damaged compressed units (see the problems above)")
        }
        if result.unverifiedTextKept {
            lines.append("  UNVERIFIED \(s.unverifiedLinesKept) lines of damaged units were kept (--keep-unverified)")
        }
        if s.duplicates + s.anomalies > 0 {
            lines.append("  set aside \(s.duplicates) duplicate events, \(s.anomalies) anomalies (see rejects.csv)")
        }
        lines.append("  time     \(String(format: "%.2f", s.seconds)) s (\(String(format: "%.0f", rate)) MB/s)")
        lines.append("  wrote    \(result.outputs.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }
}

/// A one-line progress display, only when stderr is a terminal.
final class ProgressLine: @unchecked Sendable {
    let isEnabled = isatty(2) == 1
    private var lastPrint = DispatchTime.now()
    private var printed = false

    func update(bytes: Int64) {
        let now = DispatchTime.now()
        guard now.uptimeNanoseconds - lastPrint.uptimeNanoseconds > 200_000_000 else { return }
        lastPrint = now
        printed = true
        writeStandardError(String(format: "\rslalog: %.0f MB read…", Double(bytes) / 1_000_000))
    }

    func clear() {
        if printed { writeStandardError("\r\u{1B}[K") }
    }
}
