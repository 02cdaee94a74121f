import Aggregate
import Foundation
import Ingest
import Normalize
import SLACore

/// A loaded, validated pipeline file: what to read, how to turn lines into
/// events, which SLA policies apply, and where reports go.
/// The format is documented in `docs/pipeline-format.md`.
public struct PipelineDefinition: Sendable {
    /// The file it came from.
    public var path: String
    /// Inputs (files, folders, globs), already resolved against the pipeline file's folder.
    public var inputs: [String]
    public var rules: [Rule]
    public var policies: PolicySet
    public var calendars: [String: BusinessCalendar]
    /// Zone for timestamps without a UTC offset, if set.
    public var timezone: ZoneRules?
    public var groupBy: [GroupDimension]
    /// Zone of the day/week/month buckets of `group_by`.
    public var groupZone: ZoneRules
    public var outputs: Outputs
    /// Lines longer than this are truncated for matching (bytes).
    public var maxLineLength: Int
    /// PCRE2 limits per line: a line that needs more is rejected, never hangs the run.
    public var matchLimit: UInt32
    public var depthLimit: UInt32
    /// Service agreements (docs/semantics.md §10), in file order: the first whose name matches a service applies.
    public var services: [ServiceContract] = []
    /// Transitions of status rules and `tickets.open` (docs/semantics.md §1).
    public var ticketMapping = TicketMapping()
    /// The pipeline's own attributes (`attributes:`), in declared order: tickets.csv columns, `when`, `--group-by`.
    public var attributes: [String] = []
    /// Per attribute (customer, priority, channel, agent, then `attributes`): values folded to lower case.
    public var foldCase: [Bool] = []
    /// Inputs with a record format other than lines (`inputs:` entries with `format:`), in file order.
    public var inputGroups: [InputGroup] = []
    /// How time-only stamps get their dates (`time_only:`).
    public var timeOnly = TimeOnlySettings()
    /// True when one ticket's events cannot be found by its id alone: a rule reads time-only stamps
    /// or date lines (every line of a file dates the others), or threads messages (a reply's line
    /// names its parent, not the root), or reads CSV / JSON records. `explain` and `events --ticket`
    /// then read every line instead of only those that mention the id.
    public var needsEveryLine: Bool {
        rules.contains { rule in
            if case .fixed(.date) = rule.kind { return true }
            return rule.timestamp.format == .time || rule.replyToGroup != nil || rule.isStructured
        }
    }
    /// Sample lines and the events they must give, run by `slalog check`.
    public var tests: [RuleTest] = []
    /// What `slalog check` warns about beyond the rules' patterns (e.g. `d` on a business calendar).
    public var notes: [String] = []
    /// `store.keep`: an event store drops tickets whose last event is older than this (docs/semantics.md §11, "Retention").
    public var storeKeep: Milliseconds?
    /// How lines become events, as a hash (docs/semantics.md §11, "Identity"): an event store holds one.
    public var identity = ""
    /// The store identity plus what measuring depends on: kept ticket results apply only under the same one.
    public var measuringIdentity = ""
    /// When a run looks wrong enough to warn (docs/semantics.md §8).
    public var warnings = WarningThresholds()

    /// True when the run measures services: a `services:` entry or a rule that can produce a service event.
    public var measuresServices: Bool {
        !services.isEmpty || rules.contains { rule in rule.possibleKinds.contains { $0.isService } }
    }

    /// The contract of a service from the logs.
    public func contract(forService name: String) -> ServiceContract {
        services.first { $0.name.matches(name) } ?? .unnamed
    }

    public struct Outputs: Sendable {
        public var directory: String?
        public var summary = "summary.csv"
        public var tickets = "tickets.csv"
        public var rejects = "rejects.csv"
        public var runReport = "run.json"
        /// Service availability and outages (docs/semantics.md §10), written when the pipeline has services or service rules.
        public var availability = "availability.csv"
        public var outages = "outages.csv"
        /// The one-file HTML report (nil: not written; `html: false` in the pipeline).
        public var html: String? = "report.html"
        /// The Prometheus textfile in the report set (nil unless `metrics:` names it).
        public var metrics: String?
        /// Groups with their own series in the textfile; the rest are added up as `other`.
        public var metricsGroups = 50
        /// Prefix text cells that could start a spreadsheet formula with `'`.
        public var neutralizeFormulas = true
    }

    /// Loads and validates a pipeline file. Every mistake is a `PipelineError`
    /// with file:line:column, the key path and a hint.
    public static func load(path: String) throws(PipelineError) -> PipelineDefinition {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard data.count <= 1 << 20 else {
                throw PipelineError(file: path, path: "", message: "pipeline file is larger than 1 MiB")
            }
            if let bad = Self.firstInvalidUTF8(Array(data)) {
                throw PipelineError(
                    file: path, line: bad.line, column: bad.column, path: "",
                    message: "byte \(bad.offset) is not valid UTF-8",
                    hint: "save the pipeline file as UTF-8; slalog never guesses another encoding")
            }
            text = String(decoding: data, as: UTF8.self)
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(file: path, path: "", message: "cannot read the pipeline file: \((error as NSError).localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// The first byte that is not part of valid UTF-8, with its 1-based line and column.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (offset: Int, line: Int, column: Int)? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0, line = 1, lineStart = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case let .valid(encoded):
                if encoded.count == 1 && encoded.first == 0x0a { line += 1; lineStart = offset + 1 }
                offset += encoded.count
            case .error:
                return (offset, line, offset - lineStart + 1)
            case .emptyInput:
                return nil
            }
        }
    }

    /// Parses pipeline YAML text; `path` names it in errors and anchors relative paths.
    public static func parse(_ text: String, path: String) throws(PipelineError) -> PipelineDefinition {
        try PipelineLoader(root: try YAMLNode.parse(text, file: path), path: path).load()
    }

    public var ruleNames: [String] { rules.map(\.name) }

    /// The record format of an input file: that of the first input group it belongs to, else lines.
    public func recordFormat(ofFile path: String) -> RecordFormat {
        inputGroups.first { $0.contains(path) }?.format ?? .lines
    }
    public var policyNames: [String] { policies.policies.map(\.name) }
}

/// An `inputs:` entry with a format (docs/pipeline-format.md, "Inputs"). A file belongs to it when
/// it lies under the entry's folder, or when its name matches the entry's last path component (a
/// glob), so files named on the command line get the format of the group they would be in.
public struct InputGroup: Sendable {
    public var path: String
    public var format: RecordFormat

    public init(path: String, format: RecordFormat) { self.path = path; self.format = format }

    public func contains(_ file: String) -> Bool {
        if path.hasSuffix("/") { return file.hasPrefix(path) }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return file.hasPrefix(path + "/") }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let fileName = file.split(separator: "/").last.map(String.init) ?? file
        return GlobPattern(name).matches(fileName)
    }
}
