import Definition
import Foundation
import Pipeline
import Report
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
        if s.services > 0 {
            lines.append(
                "  services \(s.services): \(s.servicePeriods) periods, \(s.servicePeriodsBreached) breached; \(s.outages) outages (see availability.csv, outages.csv)"
            )
        }
        if s.discardedLines > 0 {
            lines.append("  DISCARDED \(s.discardedLines) lines of damaged compressed units (see the problems above)")
        }
        if result.unverifiedTextKept {
            lines.append("  UNVERIFIED \(s.unverifiedLinesKept) lines of damaged units were kept (--keep-unverified)")
        }
        if s.duplicates + s.anomalies > 0 {
            lines.append("  set aside \(s.duplicates) duplicate events, \(s.anomalies) anomalies (see rejects.csv)")
        }
        if let store = result.store {
            lines.append(
                "  store    \(store.count("new", "replaced", "truncated")) new, \(store.count("resumed")) resumed, \(store.count("skipped", "copy")) skipped input(s); holds \(store.events) events of \(store.tickets) tickets from \(store.sources) contents (\(store.path))"
            )
            lines.append(
                "  measured \(store.ticketsMeasured) ticket(s) from their events; \(store.resultsReused) settled ticket(s) from kept results"
            )
            for input in store.inputs where input.fate == "replaced" || input.fate == "truncated" || input.fate == "copy" {
                lines.append(
                    "  NOTE     \(input.path): \(input.fate)\(input.knownAs.map { " (same content as \($0))" } ?? ""); see run.json store.inputs"
                )
            }
        }
        lines.append("  time     \(String(format: "%.2f", s.seconds)) s (\(String(format: "%.0f", rate)) MB/s)")
        lines.append("  wrote    \(result.outputs.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }
}

/// A one-line progress display on stderr, redrawn at most five times a
/// second: percent of the input files' bytes, decoded MB/s, ETA and the
/// current file. By default only when stderr is a terminal.
final class ProgressLine: @unchecked Sendable {
    let isEnabled: Bool
    private let started = DispatchTime.now()
    private var lastPrint = DispatchTime.now()
    private var printed = false

    init(forced: Bool?) { isEnabled = forced ?? (isatty(2) == 1) }

    func update(_ progress: ReadProgress) {
        let now = DispatchTime.now()
        guard now.uptimeNanoseconds - lastPrint.uptimeNanoseconds > 200_000_000 else { return }
        lastPrint = now
        printed = true
        writeStandardError("\r\u{1B}[K" + Self.text(progress, elapsed: Double(now.uptimeNanoseconds - started.uptimeNanoseconds) / 1e9))
    }

    /// `slalog: 43% of 1183 MB · 310 MB/s · ETA 0:02 · logs-003.log.lz4`
    static func text(_ progress: ReadProgress, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(progress.decoded) / 1e6 / elapsed : 0
        var parts: [String] = []
        if let total = progress.total, total > 0 {
            let fraction = min(1, Double(progress.done) / Double(total))
            parts.append(String(format: "%.0f%% of %.0f MB", fraction * 100, Double(total) / 1e6))
            if fraction > 0.01 {
                let remaining = Int((elapsed / fraction - elapsed).rounded())
                parts.append(String(format: "ETA %d:%02d", remaining / 60, remaining % 60))
            }
        } else {
            parts.append(String(format: "%.0f MB read", Double(progress.decoded) / 1e6))
        }
        parts.insert(String(format: "%.0f MB/s", rate), at: 1)
        let file = progress.currentFile.split(separator: "/").last.map(String.init) ?? progress.currentFile
        parts.append(file.count > 40 ? "…" + file.suffix(39) : file)
        return "slalog: " + parts.joined(separator: " · ")
    }

    func clear() {
        if printed { writeStandardError("\r\u{1B}[K") }
    }
}
