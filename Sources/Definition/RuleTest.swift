import Ingest

/// A sample in the pipeline's `tests:` list: lines (one ticket's, in order) and what the
/// rules must make of them (docs/pipeline-format.md, "Rule tests").
public struct RuleTest: Sendable {
    public enum Expectation: Sendable {
        /// Exactly these events, in order; each compares only the fields it names.
        case events([[String: String]])
        case unmatched
        case ignored
        /// Rejected, with a reason containing this text.
        case reject(String)
    }

    public var name: String
    /// Where the test is written (`file:line`).
    public var location: String
    public var lines: [String]
    public var expectation: Expectation
    /// How the lines are read: as lines, CSV records (with `format.columns` or `header`), or JSON lines.
    public var format = RecordFormat.lines
    /// CSV: the header row the sample rows belong to.
    public var header: String?
    /// The local day (days since 1970-01-01) of time-only stamps, as a file name would give it (`date:`).
    public var date: Int64?

    public static let fields = ["kind", "ticket", "time", "customer", "priority", "channel", "agent", "status", "rule", "requester"]
}

extension RuleTest.Expectation {
    public var isUnmatched: Bool {
        if case .unmatched = self { return true }
        return false
    }
}
