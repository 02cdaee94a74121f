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
