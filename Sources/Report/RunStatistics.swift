import Ingest
import SLACore

/// What happened to one input file.
public struct InputStatistics: Sendable {
    public var path: String
    public var format: InputFormat?
    /// Decoded bytes (the log text), compressed bytes read from disk.
    public var bytes: Int64 = 0
    public var compressedBytes: Int64 = 0
    public var lines: Int64 = 0
    public var events: Int64 = 0
    public var rejects: Int64 = 0
    public var ignored: Int64 = 0
    public var unmatched: Int64 = 0
    public var longLines: Int64 = 0
    public var firstLongLine: Int64?
    /// Why reading stopped early, if it did.
    public var failure: IngestError?
    /// Lines of a damaged compressed unit that were read but do not count (their events are not in any figure).
    public var discardedLines: Int64 = 0
    /// Events and rejects those discarded lines would have produced.
    public var discardedEvents: Int64 = 0
    /// Lines of damaged units kept anyway (`--keep-unverified`, forensic use).
    public var unverifiedLinesKept: Int64 = 0

    public init(path: String) { self.path = path }

    /// True when the file could not even be opened (nothing of it was read).
    public var couldNotOpen: Bool {
        if case .cannotOpen? = failure { return true }
        return false
    }
}

/// Totals of a run, for the stderr summary and run.json.
public struct RunStatistics: Sendable {
    public var inputs: [InputStatistics] = []
    public var tickets = 0
    public var incomplete = 0
    public var ticketsBreached = 0
    public var breaches = 0
    public var ongoingBreaches = 0
    public var atRisk = 0
    public var duplicates = 0
    public var anomalies = 0
    public var eventsAfterAsOf = 0
    public var seconds = 0.0
    /// Services measured (docs/semantics.md §10): how many, their periods, breached periods, counted outages;
    /// check lines read and the records they were compressed into.
    public var services = 0
    public var servicePeriods = 0
    public var servicePeriodsBreached = 0
    public var outages = 0
    public var checkLines = 0
    public var serviceRecords = 0

    public var bytes: Int64 { inputs.reduce(0) { $0 + $1.bytes } }
    public var lines: Int64 { inputs.reduce(0) { $0 + $1.lines } }
    public var events: Int64 { inputs.reduce(0) { $0 + $1.events } }
    public var rejects: Int64 { inputs.reduce(0) { $0 + $1.rejects } }
    public var unmatched: Int64 { inputs.reduce(0) { $0 + $1.unmatched } }
    public var ignored: Int64 { inputs.reduce(0) { $0 + $1.ignored } }
    public var longLines: Int64 { inputs.reduce(0) { $0 + $1.longLines } }
    public var discardedLines: Int64 { inputs.reduce(0) { $0 + $1.discardedLines } }
    public var unverifiedLinesKept: Int64 { inputs.reduce(0) { $0 + $1.unverifiedLinesKept } }

    public init() {}
}

/// The outcome of `Runner.run`.
public struct RunResult: Sendable {
    public var statistics: RunStatistics
    /// Every input-level problem (unreadable, corrupt, truncated, long lines).
    public var problems: [Problem]
    public var asOf: Instant?
    /// Files written.
    public var outputs: [String]
    /// True when an input failed or a line was rejected: reports are partial.
    public var isPartial: Bool
    /// The report set's generation (`DIR/.slalog/gen-…`).
    public var generation: String = ""
    /// Forensic mode kept text of damaged units: every report says so.
    public var unverifiedTextKept = false
    /// Signs that the rules do not fit the logs (docs/semantics.md §8).
    public var warnings: [RunWarning] = []
    /// `--strict`: warnings make the exit code 3.
    public var strict = false

    public init(
        statistics: RunStatistics, problems: [Problem], asOf: Instant?, outputs: [String], isPartial: Bool, generation: String = "",
        unverifiedTextKept: Bool = false, warnings: [RunWarning] = [], strict: Bool = false
    ) {
        self.statistics = statistics; self.problems = problems; self.asOf = asOf; self.outputs = outputs; self.isPartial = isPartial
        self.generation = generation; self.unverifiedTextKept = unverifiedTextKept; self.warnings = warnings; self.strict = strict
    }

    /// 1 partial, else 3 for warnings under `--strict`, else 0 (README, "Exit codes").
    public var exitCode: Int32 { isPartial ? 1 : strict && !warnings.isEmpty ? 3 : 0 }
}
