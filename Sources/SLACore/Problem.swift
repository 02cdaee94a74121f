/// Something wrong with the input that slalog reported and went past.
///
/// Stages return problems as values; only the executable prints them.
public struct Problem: Sendable, Equatable, CustomStringConvertible {
    /// What kind of trouble, for counting in the run summary.
    public enum Category: String, Sendable, CaseIterable {
        /// A line matched a rule but could not become an event (also a row of rejects.csv).
        case reject
        /// An input could not be opened, listed, globbed or read; or a folder entry was not read (FIFO, broken link, …).
        case unreadableInput = "unreadable_input"
        /// A compressed stream is corrupt or ends early.
        case corruptInput = "corrupt_input"
        /// A file changed under the run (it shrank while read: rotation with copytruncate).
        case changedInput = "changed_input"
        /// Not read on purpose, nothing lost: hidden entries of a folder, a folder reached twice.
        case skippedInput = "skipped_input"
        /// Events dated after the run's clock (beyond the tolerance): left out of the default as_of.
        case futureEvent = "future_event"
        /// A line was longer than the limit and was truncated for matching.
        case longLine = "long_line"
        /// An event before its ticket's open, or a second open.
        case anomaly
        /// An exact duplicate event (same ticket, kind, time, agent).
        case duplicate
    }

    public var category: Category
    /// The input path, as given or expanded.
    public var file: String
    /// 1-based line number, when the problem belongs to a line.
    public var line: Int64?
    /// Byte offset in the (decompressed) stream or in the file, when known.
    public var offset: Int64?
    /// The rule involved, if any.
    public var rule: String?
    public var reason: String

    public init(_ category: Category, file: String, line: Int64? = nil, offset: Int64? = nil, rule: String? = nil, reason: String) {
        self.category = category; self.file = file; self.line = line; self.offset = offset; self.rule = rule
        self.reason = reason
    }

    /// `file:line: reason` or `file: byte N: reason`.
    /// True when the problem means some input did not reach the figures (the run is partial).
    public var losesData: Bool {
        switch category {
        case .unreadableInput, .corruptInput, .changedInput: true
        default: false
        }
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" } else if let offset { location += ": byte \(offset)" }
        return "\(location): \(rule.map { "rule \($0): " } ?? "")\(reason)"
    }
}
