import Aggregate
import Definition
import Dispatch
import Foundation
import Ingest
import Normalize
import Report
import SLACore

/// Options of one run, from the command line.
public struct RunOptions: Sendable {
    /// Inputs given on the command line; when empty, the pipeline's `inputs`. `-` is standard input.
    public var inputs: [String] = []
    /// Output folder; overrides the pipeline's `outputs.dir`.
    public var outputDirectory: String?
    public var asOf: Instant?
    /// Threads doing the work (default: active cores). With 1, everything runs on the calling thread.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    public var groupBy: [GroupDimension]?
    /// Decoded bytes per chunk handed to a worker.
    public var chunkSize = 1 << 20
    /// Only lines holding this text are normalized (used by `explain` to read one ticket fast).
    public var lineFilter: String?
    /// Called after each chunk from the merging thread (cheap: the receiver decides when to draw).
    public var progress: (@Sendable (ReadProgress) -> Void)?
    /// Seconds to wait for another run holding the output folder before giving up.
    public var lockTimeout = 60.0
    /// Forensic mode: keep the text of compressed units that failed their checksum (marked in every report).
    public var keepUnverified = false
    /// A Prometheus textfile written atomically after the report set (e.g. in node_exporter's textfile folder).
    public var metricsFile: String?
    /// The run's clock: without `--as-of`, events later than `now + futureTolerance` do not move the default as_of.
    public var now = Instant(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    public static let futureTolerance: Milliseconds = 86_400_000
    /// Warnings (docs/semantics.md §8) make the exit code 3.
    public var strict = false
    /// The event store (docs/semantics.md §11): read only what is new into it, then report from all it holds.
    public var store: String?
    /// Report from the store without reading any input (`slalog report`).
    public var storeOnly = false
    /// Empty a store whose rule identity differs and read every input anew into it.
    public var rebuildStore = false
    /// Which metric instances the reports count (docs/semantics.md §6, "Report windows"); nil: all.
    public var window: ReportWindow?
    /// With a store: the memory the measuring aims to stay within (bytes); tickets are measured in passes.
    public var memory = 512 << 20
    /// With a store: measure every ticket from its events, not using kept results of settled tickets.
    public var remeasure = false
    /// Summary groups each measuring thread keeps itself; tickets of further groups are summed by the
    /// consuming thread (a million groups are held once). A tuning knob; tests lower it.
    public var workerGroups = 16384

    public init() {}
}

/// How far reading has got: file bytes (compressed sizes are known up front) and decoded bytes.
public struct ReadProgress: Sendable {
    /// File bytes consumed so far and in all; `total` is nil when an input's size is unknown (stdin, a FIFO).
    public var done: Int64
    public var total: Int64?
    public var decoded: Int64
    /// The input the latest chunk came from.
    public var currentFile: String
}

/// Why a run wrote nothing (exit 2): a usage mistake, an output folder that
/// cannot be used or is locked, or no input that could be read.
public struct RunError: Error, CustomStringConvertible {
    public var description: String
}

/// Wires the four stages: ingest (readers) → normalize (workers) →
/// aggregate (merge, then evaluate tickets) → report (one atomic report set).
public enum Runner {
    public static func run(_ definition: PipelineDefinition, options: RunOptions) throws -> RunResult {
        let started = DispatchTime.now()
        _ = phaseStart
        guard var outputDirectory = options.outputDirectory ?? definition.outputs.directory else {
            throw RunError(description: "no output folder: pass --out DIR or set outputs.dir in the pipeline")
        }
        guard !outputDirectory.isEmpty else { throw RunError(description: "the output folder name is empty (--out '')") }
        while outputDirectory.count > 1 && outputDirectory.hasSuffix("/") { outputDirectory.removeLast() }
        if let window = options.window, let asOf = options.asOf, let end = window.asOf, asOf > end {
            throw RunError(
                description:
                    "--as-of \(asOf.iso8601) is after the report window's end (\(end.iso8601)); leave --as-of out or widen the window")
        }
        let (files, expansionProblems) = options.storeOnly ? ([], []) : try inputFiles(definition, options)
        let out = definition.outputs
        var names = [out.summary, out.tickets, out.rejects, out.runReport] + [out.html, out.metrics].compactMap { $0 }
        if definition.measuresServices { names += [out.availability, out.outages] }
        // The output folder is checked and locked before any input is read.
        let reports = try ReportSet(directory: outputDirectory, names: names, lockTimeout: options.lockTimeout)
        names = names.map { "\(outputDirectory)/\($0)" }

        let spill = EventSpill(memory: options.memory)
        var (store, session, census) =
            if let path = options.store {
                try readIntoStore(path, files: files, problems: expansionProblems, definition: definition, options: options)
            } else {
                try readIntoMemory(files, spill: spill, definition: definition, options: options)
            }
        store.finish()
        guard session != nil || store.statistics.contains(where: { !$0.couldNotOpen }) else {
            var reasons = expansionProblems.map(\.description)
            reasons += store.statistics.compactMap { $0.failure.map { "\($0)" } }
            throw RunError(
                description: "no input could be read; nothing written, the previous reports are unchanged\n  "
                    + reasons.joined(separator: "\n  "))
        }
        // Empty inputs (an empty pipe from a failed `zcat`, a log not yet written) must not replace good reports.
        guard session != nil || store.statistics.contains(where: { $0.bytes > 0 || $0.discardedLines > 0 || $0.failure != nil }) else {
            throw RunError(
                description:
                    "the inputs hold no data (\(store.statistics.count) input(s), 0 bytes); nothing written, the previous reports are unchanged"
            )
        }
        // nil when no event could be read: nothing is measured, and run.json says so instead of 1970.
        let reportedAsOf = options.asOf ?? options.window?.asOf ?? store.latest
        let asOf = reportedAsOf ?? Instant(milliseconds: 0)
        let dimensions = options.groupBy ?? definition.groupBy
        let context = ReportContext(
            inputs: store.statistics.map(\.path), ruleNames: definition.ruleNames, policyNames: definition.policyNames,
            neutralizeFormulas: out.neutralizeFormulas, unverifiedTextKept: options.keepUnverified && store.unverifiedLinesKept > 0,
            attributes: definition.attributes)
        let ticketsFile = try reports.create(out.tickets)
        // The customers services are measured for (docs/semantics.md §10), from the events before measuring takes them.
        var serviceCustomers = census?.customers ?? []
        if definition.measuresServices && census == nil {
            store.events.forEach { _, event in
                let customer = store.customer(of: event)
                if customer != .none { serviceCustomers.insert(customer) }
            }
        }
        let source: TicketSource
        if let session, let census {
            let kept: KeptResults
            do {
                kept = try KeptResults(
                    file: session.file, census: census, asOf: asOf, measuringIdentity: definition.measuringIdentity,
                    use: !options.remeasure, write: !options.storeOnly, run: session.runNumber, retainUpTo: options.memory / 8,
                    ahead: session.resultsAhead)
                session.resultsAhead = nil
            } catch { throw RunError(description: error.description) }
            source = session.ticketSource(store, census: census, memory: options.memory, kept: kept)
        } else if let file = spill.file, let census {
            source = StoreSession.ticketSource(
                of: file, store, census: census, memory: options.memory, kept: KeptResults(slots: census.count.count))
        } else {
            source = TicketSource.inMemory(&store)
        }
        // Where each ticket first appears and its last event were for the report order and retention: done.
        census?.firstSeen = []
        census?.last = []
        census?.collected = SegmentedEvents()  // the ticket source holds them now
        debugPhase("group by ticket")
        let evaluation = try Evaluation.run(
            source: source, definition: definition, asOf: asOf, jobs: options.jobs,
            groupBy: dimensions, context: context, tickets: ticketsFile, window: options.window, workerGroups: options.workerGroups)
        try ticketsFile.finish()
        if let session, !options.storeOnly {
            do {
                try session.file.commit()
            } catch { throw RunError(description: error.description) }
            FaultInjection.reached("store-committed")
        }

        debugPhase("evaluate")
        var statistics = evaluation.statistics
        statistics.inputs = store.statistics
        statistics.anomalies += store.rejects.count { $0.reject.category == "dropped_ticket" }
        var problems = expansionProblems
        for (path, error) in session?.unreadable ?? [] { problems.append(problem(error, InputStatistics(path: path))) }
        for input in store.statistics {
            if let failure = input.failure { problems.append(problem(failure, input)) }
            if input.longLines > 0 {
                problems.append(
                    Problem(
                        .longLine, file: input.path, line: input.firstLongLine,
                        reason: "\(input.longLines) line(s) longer than \(definition.maxLineLength) bytes were truncated for matching"))
            }
        }
        if options.asOf == nil, let future = store.future {
            problems.append(
                Problem(
                    .futureEvent, file: context.inputs[Int(future.first.file)], line: future.first.line,
                    reason:
                        "\(future.count) event(s) dated after the run's clock (\(options.now.iso8601) + 24 h), the first at \(future.firstTime.iso8601): not used for the default as_of, so they count as after as_of"
                ))
        }
        var rejectRows = store.rejects.map { file, r in
            RejectRow(
                category: r.category, source: SourceLocation(file: file, line: r.line), offset: r.offset >= 0 ? r.offset : nil,
                rule: r.rule,
                ticket: r.ticket, reason: r.reason)
        }
        store.rejects = []
        rejectRows += evaluation.setAside.map {
            RejectRow(
                category: $0.reason.rawValue, source: $0.source, offset: nil, rule: Int($0.rule), ticket: $0.ticket,
                reason: setAsideReason($0.reason))
        }
        let isPartial = problems.contains(where: \.losesData) || statistics.rejects > 0
        statistics.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9

        let summaryFile = try reports.create(out.summary)
        try SummaryReport.write(evaluation.groups, dimensions: dimensions, context: context, threads: options.jobs) {
            buffer throws(WriteError) in
            try summaryFile.write(buffer)
        }
        try summaryFile.finish()
        try reports.write(RejectsReport.csv(rejectRows, context: context), to: out.rejects)
        var services = ServiceResults()
        if definition.measuresServices {
            services = measureServices(
                store, customers: serviceCustomers, definition: definition, asOf: asOf, breachTimes: evaluation.highlights.breachTimes)
            statistics.services = Set(services.periods.map(\.service)).count
            statistics.servicePeriods = services.periods.count
            statistics.servicePeriodsBreached = services.periods.filter { $0.outcome == "breached" }.count
            statistics.outages = services.outages.filter(\.counted).count
            statistics.checkLines = store.services.checks
            statistics.serviceRecords = services.records
            try reports.write(
                AvailabilityReport.csv(services: services.periods, customers: services.customers, context: context), to: out.availability)
            try reports.write(OutagesReport.csv(services.outages, context: context), to: out.outages)
            debugPhase("services")
        }
        let warnings = RunWarnings.check(
            statistics, secondOpens: evaluation.setAside.count { $0.reason == .secondOpen },
            beforeOpen: evaluation.setAside.count { $0.reason == .beforeOpen }, ruleMatches: store.ruleMatches,
            policyUses: evaluation.policyUses, definition: definition)
        var result = RunResult(
            statistics: statistics, problems: problems, asOf: reportedAsOf, outputs: names, isPartial: isPartial,
            generation: reports.generation, unverifiedTextKept: context.unverifiedTextKept, warnings: warnings, strict: options.strict)
        result.window = options.window
        if let session {
            result.store = StoreAccount(
                path: session.file.path,
                inputs: session.fates.map { StoreAccount.Input(path: $0.path, fate: $0.fate.rawValue, knownAs: $0.knownAs, from: $0.from) },
                events: Int64(census?.events ?? 0), tickets: census?.count.count { $0 > 0 } ?? 0, sources: session.sources.count)
            result.store?.ticketsMeasured = evaluation.measured
            result.store?.resultsReused = evaluation.reused
        }
        try reports.write(Array(RunReport.json(result, pipeline: definition.path).utf8), to: out.runReport)
        debugPhase("reports written")
        if let name = out.html {
            var page = htmlReport(
                result, evaluation: evaluation, rejects: rejectRows, dimensions: dimensions, definition: definition, context: context)
            page.servicePeriods = services.periods
            try reports.write(page.bytes, to: name)
            debugPhase("html")
        }
        let figures = metricsFigures(result)
        if let name = out.metrics {
            var run = figures
            run.lastSuccess = run.lastSuccess ?? previousLastSuccess("\(outputDirectory)/\(name)")
            let text = MetricsReport.text(groups: evaluation.groups, dimensions: dimensions, run: run, topGroups: out.metricsGroups)
            try reports.write(Array(text.utf8), to: name)
        }
        try reports.commit()
        debugPhase("committed")
        if let file = options.metricsFile {
            var run = figures
            run.lastSuccess = run.lastSuccess ?? previousLastSuccess(file)
            let text = MetricsReport.text(groups: evaluation.groups, dimensions: dimensions, run: run, topGroups: out.metricsGroups)
            try AtomicFile.write(text, to: file)
        }
        return result
    }

    /// Reads what the store has not read yet into it (docs/semantics.md §11) and commits the run's
    /// additions; returns the merger (the store's tables and what is left of the new events in memory),
    /// the session, and the census of every event the store holds.
    static func readIntoStore(
        _ path: String, files: [String], problems expansionProblems: [Problem], definition: PipelineDefinition, options: RunOptions
    ) throws -> (MergedEvents, StoreSession?, StoreSession.Census?) {
        guard !files.contains(standardInputName) else {
            throw RunError(description: "standard input cannot be read into a store (it could not be recognized next time): name the files")
        }
        let opened: StoreSession
        do {
            opened = try StoreSession(
                path: path, definition: definition, write: !options.storeOnly, lockTimeout: options.lockTimeout,
                rebuild: options.rebuildStore)
        } catch { throw RunError(description: error.description) }
        let tasks = opened.plan(files) { definition.recordFormat(ofFile: $0).kind == .csv }
        debugPhase("planned")
        var store = merger(inputs: opened.sources.map(\.name), definition: definition, options: options)
        do { try opened.load(into: &store) } catch { throw RunError(description: error.description) }
        if !options.remeasure {
            // Indexed while the new files are read, counted and saved (the kept results do not change until measuring).
            do {
                opened.resultsAhead = try KeptResults.readAhead(
                    file: opened.file, measuringIdentity: definition.measuringIdentity, slots: store.ticketSymbols.count,
                    retainUpTo: options.memory / 8, limit: options.memory / 8)
            } catch { throw RunError(description: error.description) }
        }
        debugPhase("store loaded")
        if !options.storeOnly && opened.unreadable.count == files.count {
            let reasons = expansionProblems.map(\.description) + opened.unreadable.map { "\($0.error)" }
            throw RunError(
                description: "no input could be read; nothing written, the store and the previous reports are unchanged\n  "
                    + reasons.joined(separator: "\n  "))
        }
        // New events go to the store while reading once they exceed the memory budget (in this run's transaction).
        let spill = options.storeOnly ? nil : EventSpill(into: opened.file, run: opened.runNumber, memory: options.memory)
        let outcomes = read(tasks, into: &store, definition: definition, options: options, spill: spill)
        if let failure = spill?.failure { throw RunError(description: failure.description) }
        debugPhase("read")
        var census: StoreSession.Census
        do {
            // The events of tickets without a kept result are collected on the way, for measuring (one pass's worth at most).
            census = try opened.census(
                store, includeNew: true, lastTimes: definition.storeKeep != nil && !options.storeOnly,
                collecting: opened.collecting(store, spilled: spill?.spilled ?? false), limit: options.memory / 8 / 36)
        } catch { throw RunError(description: error.description) }
        if debugPhasesEnabled {
            let collecting = census.collectedCount.isEmpty ? "not collecting" : "collecting"
            debugNote("census collected \(census.collected.count) of \(census.events) events (\(collecting))")
        }
        debugPhase("census")
        guard !options.storeOnly else { return (store, opened, census) }
        if let keep = definition.storeKeep { opened.applyRetention(keep: keep, census: &census, to: &store) }
        // Committed by `run` once measuring has kept its results (one transaction per run).
        do {
            try opened.save(&store, tasks: tasks, outcomes: outcomes)
            FaultInjection.reached("store-saved")
        } catch { throw RunError(description: error.description) }
        // The new events are in the store now, and measuring reads them from there.
        store.events = SegmentedEvents()
        debugPhase("store saved")
        return (store, opened, census)
    }

    /// Reads every file into a new merger; past the memory budget, events go to `spill` (then the census is of its events).
    static func readIntoMemory(
        _ files: [String], spill: EventSpill, definition: PipelineDefinition, options: RunOptions
    ) throws -> (MergedEvents, StoreSession?, StoreSession.Census?) {
        let tasks = files.enumerated().map { ReadTask(path: $1, file: Int32($0)) }
        var store = merger(inputs: files.map(displayName), definition: definition, options: options)
        read(tasks, into: &store, definition: definition, options: options, spill: spill)
        debugPhase("read")
        guard let file = spill.file else { return (store, nil, nil) }
        spill.flush(&store.events)
        if let failure = spill.failure { throw RunError(description: "the run's events did not fit --memory and \(failure)") }
        do { return (store, nil, try StoreSession.census(of: file, store, includeNew: false)) } catch {
            throw RunError(description: error.description)
        }
    }

    /// The one-page HTML report of a run.
    static func htmlReport(
        _ result: RunResult, evaluation: Evaluation, rejects: [RejectRow], dimensions: [GroupDimension], definition: PipelineDefinition,
        context: ReportContext
    ) -> HTMLReport {
        let s = result.statistics
        let headline = HTMLReport.Headline(
            asOf: result.asOf, partial: result.isPartial, generation: result.generation, inputs: s.inputs.count, bytes: s.bytes,
            lines: s.lines, events: s.events, tickets: s.tickets, ticketsBreached: s.ticketsBreached, breaches: s.breaches,
            atRisk: s.atRisk, seconds: s.seconds)
        let problemCounts = Dictionary(grouping: result.problems, by: \.category).mapValues(\.count)
        let rejectCounts = Dictionary(grouping: rejects, by: \.category).mapValues(\.count)
        return HTMLReport(
            headline: headline, groups: evaluation.groups, dimensions: dimensions,
            breachesPerDay: evaluation.highlights.breachesPerDay, zoneName: definition.groupZone.identifier,
            worst: evaluation.highlights.worst.map { HTMLReport.WorstTicket(result: $0.ticket, worstOver: $0.worstOver, trail: $0.trail) },
            problems: result.problems.map(\.description) + result.warnings.map(\.description),
            problemCounts: Problem.Category.allCases.map { ($0.rawValue, problemCounts[$0] ?? 0) },
            rejectCounts: rejectCounts.keys.sorted().map { ($0, rejectCounts[$0]!) }, context: context)
    }

    /// The run-level figures of the Prometheus textfile.
    static func metricsFigures(_ result: RunResult) -> MetricsReport.RunFigures {
        let s = result.statistics
        let now = Date().timeIntervalSince1970
        var counts = Dictionary(grouping: result.problems, by: \.category).mapValues(\.count)
        counts[.reject, default: 0] += Int(s.rejects)
        counts[.duplicate, default: 0] += s.duplicates
        counts[.anomaly, default: 0] += s.anomalies
        var figures = MetricsReport.RunFigures(
            seconds: s.seconds, inputs: s.inputs.count, bytes: s.bytes, lines: s.lines, events: s.events, rejects: s.rejects,
            problems: Problem.Category.allCases.map { ($0.rawValue, counts[$0] ?? 0) }, exitCode: Int(result.exitCode),
            asOf: result.asOf, finishedAt: (now * 1000).rounded() / 1000,
            lastSuccess: result.exitCode != 0 ? nil : (now * 1000).rounded() / 1000)
        figures.warnings = result.warnings.count
        return figures
    }

    /// `slalog_last_success_timestamp_seconds` of an earlier textfile, carried over by a run that is not a success.
    static func previousLastSuccess(_ path: String) -> Double? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(MetricsReport.lastSuccess(inPrevious:))
    }

    /// For a run that wrote nothing (exit 2): the textfile still says so, so a dashboard sees the failure.
    public static func writeFailureMetrics(to file: String) {
        let now = (Date().timeIntervalSince1970 * 1000).rounded() / 1000
        let run = MetricsReport.RunFigures(
            seconds: 0, inputs: 0, bytes: 0, lines: 0, events: 0, rejects: 0,
            problems: Problem.Category.allCases.map { ($0.rawValue, 0) }, exitCode: 2, asOf: nil, finishedAt: now,
            lastSuccess: previousLastSuccess(file))
        try? AtomicFile.write(MetricsReport.text(groups: [], dimensions: [], run: run, topGroups: 1), to: file)
    }

    /// Every service's periods and outages, and the customer rows (docs/semantics.md §10).
    struct ServiceResults {
        var periods: [ServicePeriod] = []
        var outages: [Outage] = []
        var customers: [CustomerPeriod] = []
        var records = 0
    }

    static func measureServices(
        _ store: MergedEvents, customers: Set<Symbol>, definition: PipelineDefinition, asOf: Instant,
        breachTimes: [GroupValue: [Int64]] = [:]
    ) -> ServiceResults {
        var results = ServiceResults()
        let byName = store.services.records.map { (store.symbols.string($0.key), $0.value) }.sorted {
            Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8))
        }
        // Customers a service serves: its contract's globs, and customers named on its own lines
        // (compared by bytes, as summary groups are: docs/semantics.md §6).
        var customersOfService: [GroupValue: Set<GroupValue>] = [:]
        var candidates = Set<GroupValue>()
        for service in definition.services {
            candidates.formUnion(service.customers.map(\.text).filter { !$0.contains { "*?".contains($0) } }.map(GroupValue.init))
        }
        for customer in customers { candidates.insert(GroupValue(store.symbols.string(customer))) }
        for (name, records) in byName {
            let contract = definition.contract(forService: name)
            let measurer = ServiceMeasurer(contract: contract, asOf: asOf, atRiskFraction: definition.policies.atRiskFraction)
            let (periods, outages) = measurer.measure(records, service: name)
            results.periods += periods
            results.outages += outages
            results.records += records.count
            var served = Set(candidates.filter { customer in contract.customers.contains { $0.matches(customer.text) } })
            for record in records where record.customer != .none { served.insert(GroupValue(store.symbols.string(record.customer))) }
            customersOfService[GroupValue(name)] = served
        }
        let allCustomers = customersOfService.values.reduce(into: Set<GroupValue>()) { $0.formUnion($1) }
        for value in allCustomers.sorted(by: { $0.text.utf8.lexicographicallyPrecedes($1.text.utf8) }) {
            let customer = value.text
            let periods = results.periods.filter { customersOfService[GroupValue($0.service)]?.contains(value) == true }
            var labels: [String] = []
            for period in periods where !labels.contains(period.period) { labels.append(period.period) }
            var rows: [CustomerPeriod] = []
            for label in labels.sorted() {
                var row = CustomerPeriod(customer: customer, period: label, services: periods.filter { $0.period == label })
                let start = row.services.map(\.start.milliseconds).min()!, end = row.services.map(\.end.milliseconds).max()!
                row.ticketBreaches = (breachTimes[value] ?? []).count { $0 >= start && $0 < end }
                rows.append(row)
            }
            let average = Double(rows.reduce(0) { $0 + $1.violations }) / Double(max(rows.count, 1))
            for index in rows.indices { rows[index].averageViolations = average }
            results.customers += rows
        }
        return results
    }

    /// How an input is named in reports: `-` is `stdin`.
    static func displayName(_ path: String) -> String { path == standardInputName ? "stdin" : path }

    /// The problem line for an input that stopped early; its category follows the failure's case.
    static func problem(_ failure: IngestError, _ input: InputStatistics) -> Problem {
        switch failure {
        case .cannotOpen, .readFailed:
            return Problem(.unreadableInput, file: input.path, offset: failure.fileOffset, reason: failure.description)
        case let .corrupt(_, _, unit), let .truncated(_, unit):
            let fate =
                input.unverifiedLinesKept > 0
                ? "its \(input.unverifiedLinesKept) unverified line(s) were KEPT (--keep-unverified): figures may hold made-up events"
                : "the \(input.discardedLines) line(s) decoded from it could not be verified and were discarded (\(input.discardedEvents) events or rejects)"
            return Problem(
                .corruptInput, file: input.path, offset: unit.compressedStart,
                reason: "\(failure); \(fate); lines of earlier, verified units count")
        case .shrank:
            return Problem(
                .changedInput, file: input.path, offset: failure.fileOffset,
                reason: "\(failure); the \(input.lines) line(s) read before count")
        }
    }

    /// The files to read: the command line's inputs, else the pipeline's, expanded.
    static func inputFiles(_ definition: PipelineDefinition, _ options: RunOptions) throws -> (files: [String], problems: [Problem]) {
        let specs = options.inputs.isEmpty ? definition.inputs : options.inputs
        guard !specs.isEmpty else {
            throw RunError(description: "no inputs: name files on the command line or under inputs: in the pipeline")
        }
        return InputExpander.expand(specs)
    }

    static func setAsideReason(_ reason: SetAside.Reason) -> String {
        switch reason {
        case .duplicate: "exact duplicate of an earlier event (same ticket, kind, time, agent): counted once"
        case .beforeOpen: "event timed before the ticket's open: ignored"
        case .secondOpen: "second open for the ticket: ignored"
        case .unmappedStatus: "no transition and no map entry of the rule covers this status after the ticket's previous one: ignored"
        }
    }

    /// Reads and parses every file into a new merger, and finishes it (explain, events).
    static func readAll(_ files: [String], definition: PipelineDefinition, options: RunOptions) -> MergedEvents {
        var store = merger(inputs: files.map(displayName), definition: definition, options: options)
        read(files.enumerated().map { ReadTask(path: $1, file: Int32($0)) }, into: &store, definition: definition, options: options)
        store.finish()
        return store
    }

    /// An empty merger for a run's inputs.
    static func merger(inputs: [String], definition: PipelineDefinition, options: RunOptions) -> MergedEvents {
        var store = MergedEvents(
            inputs: inputs, keepUnverified: options.keepUnverified,
            futureCutoff: options.asOf == nil ? Instant(milliseconds: options.now.milliseconds + RunOptions.futureTolerance) : nil,
            attributeCount: 4 + definition.attributes.count,
            staleAfterOfService: { [definition] in definition.contract(forService: $0).staleAfter })
        store.timeOnly = definition.timeOnly
        store.ruleZones = definition.rules.map { $0.timestamp.zone ?? .utc }
        return store
    }

    /// Reads and parses the tasks' files into `store`: `jobs` readers decode files into chunks,
    /// `jobs` workers parse chunks, and this thread merges their outputs. Returns each file's outcome.
    @discardableResult
    static func read(
        _ tasks: [ReadTask], into store: inout MergedEvents, definition: PipelineDefinition, options: RunOptions, spill: EventSpill? = nil
    ) -> [Int32: FileOutcome] {
        var outcomes: [Int32: FileOutcome] = [:]
        guard !tasks.isEmpty else { return outcomes }
        let jobs = max(1, options.jobs)
        var decoded: Int64 = 0
        var consumed = [Int64](repeating: 0, count: store.statistics.count)
        var done: Int64 = 0
        let total: Int64? = options.progress == nil ? nil : fileSizes(tasks.map(\.path))
        let pathOf = Dictionary(tasks.map { ($0.file, $0.path) }, uniquingKeysWith: { a, _ in a })
        func merge(_ output: ChunkOutput) {
            store.receive(output)
            if let spill, store.events.count >= spill.threshold { spill.flush(&store.events) }
            decoded += output.bytes
            guard let progress = options.progress else { return }
            let file = Int(output.file)
            if output.fileOffset > consumed[file] {
                done += output.fileOffset - consumed[file]
                consumed[file] = output.fileOffset
            }
            progress(ReadProgress(done: done, total: total, decoded: decoded, currentFile: displayName(pathOf[output.file] ?? "")))
        }
        if jobs == 1 {
            // One thread does everything, in order: decode, parse, merge.
            let parser = ChunkParser(definition: definition, lineFilter: options.lineFilter)
            for task in tasks {
                let outcome = readFile(task, definition: definition, options: options) { merge(parser.parse($0)) }
                store.record(outcome, for: Int(task.file))
                outcomes[task.file] = outcome
            }
            return outcomes
        }
        let readerCount = min(jobs, tasks.count)
        let chunks = BoundedQueue<Chunk>(capacity: jobs * 2, producers: readerCount)
        let outputs = BoundedQueue<ChunkOutput>(capacity: jobs * 4, producers: jobs)
        let failures = Locked([FileOutcome](repeating: FileOutcome(), count: tasks.count))
        let nextFile = FileCounter()
        for reader in 0..<readerCount {
            DispatchQueue(label: "slalog.reader.\(reader)").async {
                while let index = nextFile.take(below: tasks.count) {
                    let outcome = readFile(tasks[index], definition: definition, options: options, emit: chunks.push)
                    failures.withLock { $0[index] = outcome }
                }
                chunks.finishProducer()
            }
        }
        for worker in 0..<jobs {
            DispatchQueue(label: "slalog.worker.\(worker)").async {
                let parser = ChunkParser(definition: definition, lineFilter: options.lineFilter)
                while let chunk = chunks.pop() { outputs.push(parser.parse(chunk)) }
                outputs.finishProducer()
            }
        }
        while let output = outputs.pop() { merge(output) }
        for (index, outcome) in failures.withLock({ $0 }).enumerated() {
            store.record(outcome, for: Int(tasks[index].file))
            outcomes[tasks[index].file] = outcome
        }
        return outcomes
    }

    /// The inputs' sizes on disk, nil if one is not a regular file.
    static func fileSizes(_ files: [String]) -> Int64? {
        var total: Int64 = 0
        for file in files {
            guard file != standardInputName, let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int64
            else { return nil }
            total += size
        }
        return total
    }

    /// Reads one file, handing each chunk to `emit`; returns its format and why it stopped early, if it did.
    static func readFile(_ task: ReadTask, definition: PipelineDefinition, options: RunOptions, emit: (Chunk) -> Void) -> FileOutcome {
        var outcome = FileOutcome()
        let path = task.path
        do throws(IngestError) {
            let (stream, format) = try openInput(path: path, start: task.start, limit: task.limit)
            outcome.format = format
            let records = definition.recordFormat(ofFile: path)
            let reader = ChunkReader(
                stream: stream, file: task.file, chunkSize: options.chunkSize, maxLineLength: definition.maxLineLength,
                csvRecords: records.kind == .csv, startOffset: task.start)
            defer { outcome.compressedBytes = stream.fileOffset }
            // CSV: every chunk carries the column names (the header row of the first chunk, or the pipeline's,
            // or, resuming a file, those read the first time).
            var columns = task.columns ?? records.columns.map { $0.map { Array($0.utf8) } } ?? []
            while var chunk = try reader.next() {
                chunk.format = records.kind
                chunk.delimiter = records.delimiter
                if records.hasHeader && chunk.index == 0 && task.start == 0 {
                    columns = CSVScanner.headerRow(chunk.bytes, delimiter: records.delimiter)
                    chunk.startsWithHeader = true
                    outcome.columns = columns
                }
                chunk.columns = columns
                emit(chunk)
            }
        } catch {
            outcome.failure = error
        }
        return outcome
    }
}

struct FileOutcome: Sendable {
    var format: InputFormat?
    /// CSV: the header row's column names (an event store keeps them for resuming the file).
    var columns: [[UInt8]]?
    var compressedBytes: Int64 = 0
    var failure: IngestError?
}

/// Hands out indexes (files to readers, blocks to measurers) in order.
final class FileCounter: Sendable {
    private let next = Locked(0)
    func take(below limit: Int) -> Int? {
        next.withLock { next in
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

/// With SLALOG_DEBUG_PHASES set, prints peak RSS and elapsed time at a phase boundary (for profiling).
func debugPhase(_ label: String) {
    guard debugPhasesEnabled else { return }
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let peak =
        status.split(separator: "\n").first { $0.hasPrefix("VmHWM") }?.split(separator: " ", omittingEmptySubsequences: true).dropFirst()
        .first ?? "?"
    let start = phaseStart.uptimeNanoseconds  // a lazy global: read it before now()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    // The process's CPU time too: on a shared machine it varies less than the wall time.
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let cpu = [usage.ru_utime, usage.ru_stime].reduce(0.0) { $0 + Double($1.tv_sec) + Double($1.tv_usec) / 1e6 }
    FileHandle.standardError.write(
        Data(String(format: "phase %@: %.2f s, peak RSS %@ kB, cpu %.2f s\n", label, seconds, String(peak), cpu).utf8))
}

/// When the phase times start: `main` reads it first thing, so the first phase includes parsing
/// arguments and loading the pipeline (a lazy global: else the first time it is read).
public let phaseStart = DispatchTime.now()

/// Whether SLALOG_DEBUG_PHASES is set (read once).
let debugPhasesEnabled = ProcessInfo.processInfo.environment["SLALOG_DEBUG_PHASES"] != nil

/// With SLALOG_DEBUG_PHASES set, prints a measured figure (for profiling).
func debugNote(_ text: String) {
    guard debugPhasesEnabled else { return }
    FileHandle.standardError.write(Data("note \(text)\n".utf8))
}
