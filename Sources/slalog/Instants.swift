import Aggregate
import ArgumentParser
import Normalize
import SLACore

/// `--as-of TIME`, shared by `run` and `explain`: parsed and validated once.
struct AsOfOption: ParsableArguments {
    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp(
            "Measure as of this instant (ISO 8601 with offset, e.g. 2026-09-30T23:59:59Z). Events after it are ignored. Default: the latest event time.",
            valueName: "time"))
    var text: String?

    /// The instant, nil when not given.
    var instant: Instant? { text.flatMap(parseInstant) }

    func validate() throws {
        if let text, parseInstant(text) == nil {
            throw ValidationError("--as-of '\(text)' is not an ISO 8601 instant with an offset, e.g. 2026-09-30T23:59:59Z")
        }
    }
}

/// Parses a command-line instant: ISO 8601 with `Z` or an offset.
func parseInstant(_ text: String) -> Instant? {
    var bytes = Array(text.utf8)
    let parser = TimestampParser(format: .iso8601, zone: nil)
    return bytes.withUnsafeMutableBytes { raw in
        if case let .success(instant) = parser.parse(UnsafeRawBufferPointer(raw)) { return instant }
        return nil
    }
}

/// `--from`, `--to`, `--period`: the report window (docs/semantics.md §6), shared by `run` and `report`.
struct WindowOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Count metric instances that stopped at or after this instant, or still run at as_of.", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("End of the report window (exclusive); as_of defaults to just before it.", valueName: "time"))
    var to: String?

    @Option(
        help: ArgumentHelp(
            "A named report window in the pipeline's group_zone: 2026-03-05, 2026-W10, 2026-03, 2026-Q1 or 2026.", valueName: "period"))
    var period: String?

    func validate() throws {
        if period != nil && (from != nil || to != nil) { throw ValidationError("--period replaces --from and --to: give one or the other") }
        for (name, text) in [("--from", from), ("--to", to)] {
            if let text, parseInstant(text) == nil {
                throw ValidationError("\(name) '\(text)' is not an ISO 8601 instant with an offset, e.g. 2026-03-01T00:00:00Z")
            }
        }
        if let from = from.flatMap(parseInstant), let to = to.flatMap(parseInstant), from >= to {
            throw ValidationError("--from must be before --to")
        }
    }

    /// The window, with a period read in `zone`; nil when none was asked for.
    func window(zone: ZoneRules) throws -> ReportWindow? {
        if let period {
            guard let window = ReportWindow(period: period, zone: zone) else {
                throw ValidationError(
                    "--period '\(period)' is not a day (2026-03-05), ISO week (2026-W10), month (2026-03), quarter (2026-Q1) or year (2026)"
                )
            }
            return window
        }
        guard from != nil || to != nil else { return nil }
        return ReportWindow(from: from.flatMap(parseInstant), to: to.flatMap(parseInstant))
    }
}
