import Aggregate
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

/// What a run with an event store did (docs/semantics.md §11): each input's fate, and what the store holds after it.
public struct StoreAccount: Sendable {
    public struct Input: Sendable {
        public var path: String
        /// new, resumed, skipped, copy, replaced or truncated.
        public var fate: String
        /// The name the content was last seen under, when recognized.
        public var knownAs: String?
        /// Decoded offset reading started at.
        public var from: Int64
        public init(path: String, fate: String, knownAs: String?, from: Int64) {
            self.path = path; self.fate = fate; self.knownAs = knownAs; self.from = from
        }
    }

    public var path: String
    public var inputs: [Input]
    public var events: Int64
    public var tickets: Int
    public var sources: Int
    /// Tickets measured from their events, and those whose kept result was used (docs/semantics.md §11).
    public var ticketsMeasured = 0
    public var resultsReused = 0

    public init(path: String, inputs: [Input], events: Int64, tickets: Int, sources: Int) {
        self.path = path; self.inputs = inputs; self.events = events; self.tickets = tickets; self.sources = sources
    }

    /// How many inputs had a fate.
    public func count(_ fates: String...) -> Int { inputs.count { fates.contains($0.fate) } }
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
    /// With `--store`: what was new, resumed, skipped, and what the store holds.
    public var store: StoreAccount?
    /// The report window the summaries count (docs/semantics.md §6), if any.
    public var window: ReportWindow?

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
