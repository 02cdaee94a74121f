import Foundation
import SLACore

/// `run.json`: the machine-readable account of a run for cron wrappers and monitoring.
public enum RunReport {
    public static func json(_ result: RunResult, pipeline: String) -> String {
        let s = result.statistics
        var root: [String: Any] = [
            "pipeline": pipeline,
            "status": result.isPartial ? "partial" : "complete",
            "exit_code": result.exitCode,
            "as_of": result.asOf?.iso8601 ?? NSNull(),
            "seconds": (s.seconds * 1000).rounded() / 1000,
            "generation": result.generation,
            "unverified_text_kept": result.unverifiedTextKept,
            "totals": [
                "inputs": s.inputs.count, "bytes": s.bytes, "lines": s.lines, "events": s.events, "rejects": s.rejects,
                "unmatched_lines": s.unmatched, "ignored_lines": s.ignored, "long_lines": s.longLines,
                "duplicates": s.duplicates, "anomalies": s.anomalies, "events_after_as_of": s.eventsAfterAsOf,
                "tickets": s.tickets, "incomplete_tickets": s.incomplete, "tickets_breached": s.ticketsBreached,
                "breaches": s.breaches, "ongoing_breaches": s.ongoingBreaches, "at_risk": s.atRisk,
                "discarded_lines": s.discardedLines, "unverified_lines_kept": s.unverifiedLinesKept,
                "services": s.services, "service_periods": s.servicePeriods, "service_periods_breached": s.servicePeriodsBreached,
                "outages": s.outages, "check_lines": s.checkLines, "service_records": s.serviceRecords,
            ] as [String: Any],
            "outputs": result.outputs,
        ]
        root["inputs"] = s.inputs.map { input -> [String: Any] in
            [
                "path": input.path, "format": input.format?.rawValue ?? NSNull(), "bytes": input.bytes,
                "compressed_bytes": input.compressedBytes, "lines": input.lines, "events": input.events,
                "rejects": input.rejects, "unmatched_lines": input.unmatched, "ignored_lines": input.ignored,
                "long_lines": input.longLines, "failure": input.failure.map { "\($0)" } ?? NSNull(),
                "discarded_lines": input.discardedLines, "unverified_lines_kept": input.unverifiedLinesKept,
            ]
        }
        root["problems"] = result.problems.map { problem -> [String: Any] in
            [
                "category": problem.category.rawValue, "file": problem.file, "line": problem.line ?? NSNull(),
                "offset": problem.offset ?? NSNull(), "reason": problem.reason,
            ]
        }
        root["warnings"] = result.warnings.map { ["code": $0.code.rawValue, "message": $0.message] }
        root["window"] =
            result.window.map { window -> [String: Any] in
                ["from": window.from?.iso8601 ?? NSNull(), "to": window.to?.iso8601 ?? NSNull()]
            } ?? NSNull()
        if let store = result.store {
            root["store"] =
                [
                    "path": store.path, "events": store.events, "tickets": store.tickets, "contents": store.sources,
                    "new": store.count("new", "replaced", "truncated"), "resumed": store.count("resumed"),
                    "skipped": store.count("skipped", "copy"), "tickets_measured": store.ticketsMeasured,
                    "results_reused": store.resultsReused,
                    "inputs": store.inputs.map { input -> [String: Any] in
                        ["path": input.path, "fate": input.fate, "known_as": input.knownAs ?? NSNull(), "from_byte": input.from]
                    },
                ] as [String: Any]
        }
        return JSONText.pretty(root) + "\n"
    }
}
