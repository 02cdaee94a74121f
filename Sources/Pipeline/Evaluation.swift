import Aggregate
import Definition
import Dispatch
import Foundation
import Ingest
import Report
import SLACore
import Store

/// The aggregate stage over a whole run, in one parallel pass that never
/// holds per-ticket results for all tickets at once:
///
/// tickets are taken in report order (where each first appears in the
/// input: file, then line) in blocks; `jobs` threads measure blocks
/// (sorting each ticket's events into timeline order), render their
/// tickets.csv rows and fold them into a block summary; this thread writes
/// the blocks in order as they complete, with a few blocks in flight.
/// Everything is merged in block order, so the reports never depend on
/// thread timing.
struct Evaluation {
    var setAside: [SetAside] = []
    /// Metric instances per policy index (for the never-applied warning).
    var policyUses: [Int] = []
    var groups: [GroupSummary] = []
    var statistics = RunStatistics()
    /// What the HTML report shows beyond the summary: breaches per day, the worst tickets with their trails.
    var highlights = Highlights()
    /// Tickets measured from their events, and those whose kept result was used.
    var measured = 0, reused = 0
    /// tickets.csv rows rendered: bytes, and the time spent rendering them (summed over the workers;
    /// timed with SLALOG_DEBUG_PHASES only).
    var rendering: (bytes: Int, nanoseconds: UInt64) = (0, 0)

    static let blockSize = 2048
    /// How many tickets ahead of the one measured its events are prefetched.
    static let prefetchDistance = 3

    static func run(
        source: TicketSource, definition: PipelineDefinition, asOf: Instant, jobs: Int, groupBy: [GroupDimension],
        context: ReportContext, tickets: OutputFile, window: ReportWindow? = nil, workerGroups: Int = 16384
    ) throws -> Evaluation {
        let strings = source.strings
        var header = CSVWriter(neutralizeFormulas: context.neutralizeFormulas)
        header.header(TicketsReport.header(context))
        try tickets.write(header.bytes)

        var evaluation = Evaluation()
        // Summaries are sums and unsorted value lists: each pass's are merged into one as it ends.
        var summary = Summarizer(dimensions: groupBy, zone: definition.groupZone, policyNames: definition.policyNames)
        // Room for a group per ticket, up to a million (152 MB of address space, touched only as used).
        summary.reserveGroups(min(source.sequence.count, 1 << 20))
        for pass in source.passes {
            let events = try source.load(pass)
            debugPhase("pass loaded")
            try measure(
                pass, events: events, source: source, definition: definition, asOf: asOf, jobs: jobs, groupBy: groupBy, context: context,
                tickets: tickets, window: window, workerGroups: workerGroups, into: &evaluation, summary: &summary)
        }
        try source.kept.finish()
        debugPhase("measured")
        if debugPhasesEnabled && evaluation.rendering.nanoseconds > 0 {
            let seconds = Double(evaluation.rendering.nanoseconds) / 1e9
            debugNote(
                String(
                    format: "tickets.csv rows: %.1f MB rendered in %.3f s of worker time (%.0f MB/s per core)",
                    Double(evaluation.rendering.bytes) / 1e6, seconds, Double(evaluation.rendering.bytes) / 1e6 / seconds))
        }
        // The worst tickets again, with an audit trail each (a handful: cheap). Those whose results were
        // kept were not loaded: their events are read now.
        let missing = Set(evaluation.highlights.worst.filter(\.events.isEmpty).map(\.slot))
        if !missing.isEmpty {
            let found = try source.events(missing)
            for index in evaluation.highlights.worst.indices where evaluation.highlights.worst[index].events.isEmpty {
                evaluation.highlights.worst[index].events = found[evaluation.highlights.worst[index].slot] ?? []
            }
        }
        let evaluator = TimelineEvaluator(
            policies: definition.policies, strings: strings, asOf: asOf, mapping: definition.ticketMapping,
            attributes: source.attributeTable)
        for index in evaluation.highlights.worst.indices {
            let worst = evaluation.highlights.worst[index]
            let trail = TrailRecorder()
            let name = strings[Int(source.ticketSymbols[Int(worst.slot)].rawValue)]
            let (result, _) = evaluator.evaluate(worst.events, ticket: name, trail: trail)
            evaluation.highlights.worst[index].trail =
                ExplainReport(
                    ticket: name, result: result, trail: trail.entries, policies: definition.policies, strings: strings, context: context,
                    asOf: asOf, asOfSource: "the run's as_of", attributes: source.attributeTable
                ).text
        }
        debugPhase("trails")
        evaluation.setAside.sort { $0.source < $1.source }
        evaluation.statistics.duplicates = evaluation.setAside.count { $0.reason == .duplicate }
        evaluation.statistics.anomalies = evaluation.setAside.count - evaluation.statistics.duplicates
        evaluation.groups = summary.takeRows(threads: jobs)
        return evaluation
    }

    /// Measures the tickets of one pass (positions `pass` of the report order) in parallel blocks,
    /// writing their rows in order and folding them into the evaluation.
    private static func measure(
        _ pass: Range<Int>, events: PassEvents, source: TicketSource, definition: PipelineDefinition, asOf: Instant, jobs: Int,
        groupBy: [GroupDimension], context: ReportContext, tickets: OutputFile, window: ReportWindow?, workerGroups: Int,
        into evaluation: inout Evaluation,
        summary: inout Summarizer
    ) throws {
        let strings = source.strings, sequence = source.sequence, ticketSymbols = source.ticketSymbols, table = source.attributeTable
        let blocks = (pass.count + blockSize - 1) / blockSize
        let keeping = source.kept.keeps
        let keepTimes = definition.measuresServices  // worked out from the rules: once, not per breached ticket
        let handoff = OrderedHandoff<BlockResult>(window: 2 * max(1, jobs))
        let timingRows = debugPhasesEnabled
        // Row buffers go back to the workers once written: a buffer's pages are touched once per run, not once per block.
        let spareWriters = Locked<[CSVWriter]>([])
        let next = FileCounter()
        let workers = DispatchGroup()
        let workerCount = max(1, min(jobs, blocks))
        // Each worker sums into its own summary of at most `workerGroups` groups (in parallel); tickets
        // of further groups go to this thread's summary, so a million groups are held once, not per worker.
        // Sums and value lists merged in any order give the same rows.
        let summaries = Locked([Summarizer?](repeating: nil, count: workerCount))
        for worker in 0..<workerCount {
            DispatchQueue(label: "slalog.aggregate.\(worker)").async(group: workers) {
                // The worker's own policy objects: their reference counts stay in its core's cache.
                let evaluator = TimelineEvaluator(
                    policies: definition.policies.copy(), strings: strings, asOf: asOf, mapping: definition.ticketMapping,
                    attributes: table)
                var summarizer = Summarizer(dimensions: groupBy, zone: definition.groupZone, policyNames: definition.policyNames)
                defer { summaries.withLock { $0[worker] = summarizer } }
                var scratch: [Event] = []
                while let block = next.take(below: blocks) {
                    handoff.waitForRoom(block)
                    var csv =
                        spareWriters.withLock { $0.popLast() }
                        ?? CSVWriter(neutralizeFormulas: context.neutralizeFormulas, capacity: blockSize * 512)
                    csv.removeAll()
                    var result = BlockResult(csv: csv)
                    let first = pass.lowerBound + block * blockSize
                    let end = min(pass.upperBound, first + blockSize)
                    for position in first..<end {
                        let slot = sequence[position]
                        if position + prefetchDistance < end {
                            events.prefetch(position: position + prefetchDistance, slot: sequence[position + prefetchDistance])
                        }
                        scratch.removeAll(keepingCapacity: true)
                        let whole: TicketResult, aside: [SetAside]
                        if let kept = events.kept?.result(position - pass.lowerBound) {
                            // Settled with the same events: its kept result (docs/semantics.md §11).
                            (whole, aside) = kept
                            result.reused += 1
                        } else {
                            events.append(position: position, slot: slot, to: &scratch)
                            let after = scratch.count { $0.time > asOf }
                            result.afterAsOf += after
                            guard after < scratch.count else { continue }
                            (whole, aside) = evaluator.evaluate(scratch, ticket: strings[Int(ticketSymbols[Int(slot)].rawValue)])
                            result.measured += 1
                            if keeping && after == 0 && whole.isSettled {
                                let last = scratch.reduce(Int64.min) { max($0, $1.time.milliseconds) }
                                ResultCoding.append(
                                    slot: slot, events: scratch.count, last: last, result: whole, setAside: aside, to: &result.keep)
                                result.keptCount += 1
                            }
                        }
                        result.setAside += aside
                        // The row (whole) and the summaries (`measured`: the same result, or restricted to the
                        // report window) of a ticket; one result is passed twice, not copied, without a window.
                        func add(_ whole: borrowing TicketResult, measured: borrowing TicketResult) {
                            // The group's statistics load while the row is rendered.
                            let group = summarizer.prepare(measured, groupLimit: workerGroups)
                            if timingRows {
                                let start = DispatchTime.now().uptimeNanoseconds
                                TicketsReport.appendRow(whole, context: context, to: &result.csv)
                                result.renderingNanoseconds += DispatchTime.now().uptimeNanoseconds - start
                            } else {
                                TicketsReport.appendRow(whole, context: context, to: &result.csv)
                            }
                            if let group { summarizer.add(measured, toGroup: group) } else { result.measuredResults.append(copy measured) }
                            result.count(measured)
                            if measured.isBreached {
                                result.highlights.add(
                                    measured, events: scratch, position: position, slot: slot, zone: definition.groupZone, asOf: asOf,
                                    keepTimes: keepTimes)
                            }
                        }
                        // A report window keeps the instances that count in it (docs/semantics.md §6); the row stays whole.
                        if let window {
                            guard let measured = window.restrict(whole) else { continue }
                            add(whole, measured: measured)
                        } else {
                            add(whole, measured: whole)
                        }
                    }
                    if result.keptCount > 0 {
                        result.keptBlock = result.keep.withBytes { LZ4Block.compress($0) }
                        result.keep = ByteWriter()
                    }
                    handoff.put(block, result)
                }
            }
        }
        var failure: Error?
        for block in 0..<blocks {
            let result = handoff.take(block)
            if failure == nil {
                do { try result.csv.withBytes { buffer throws(WriteError) in try tickets.write(buffer) } } catch { failure = error }
            }
            // Every ticket before the next block is measured: the events only they had go.
            events.pool.release(before: min(pass.count, (block + 1) * blockSize))
            for ticket in result.measuredResults { summary.add(ticket) }
            evaluation.setAside += result.setAside
            evaluation.statistics.add(result)
            evaluation.measured += result.measured
            evaluation.rendering.nanoseconds += result.renderingNanoseconds
            evaluation.rendering.bytes += result.csv.count
            spareWriters.withLock { $0.append(result.csv) }
            evaluation.reused += result.reused
            if failure == nil {
                do { try source.kept.keep(result.keptBlock, count: result.keptCount) } catch { failure = error }
            }
            for (policy, n) in result.policyUses.enumerated() {
                if policy >= evaluation.policyUses.count {
                    evaluation.policyUses += repeatElement(0, count: policy + 1 - evaluation.policyUses.count)
                }
                evaluation.policyUses[policy] += n
            }
            evaluation.highlights.merge(result.highlights)
        }
        workers.wait()
        if let failure { throw failure }
        for partial in summaries.withLock({ $0 }) {
            if let partial { summary.merge(partial) }
        }
    }
}

/// What one block of tickets produced.
struct BlockResult: Sendable {
    var csv: CSVWriter
    var setAside: [SetAside] = []
    var highlights = Highlights()
    var afterAsOf = 0
    /// Tickets measured from their events, and from kept results.
    var measured = 0, reused = 0
    /// Results of groups the worker's own summary has no room for (the report window's instances), in report order.
    var measuredResults: [TicketResult] = []
    /// Time spent rendering the block's rows (SLALOG_DEBUG_PHASES only).
    var renderingNanoseconds: UInt64 = 0
    /// Results of settled tickets measured here, to keep (`ResultCoding` entries).
    var keep = ByteWriter()
    var keptCount = 0
    /// `keep` compressed, as the store keeps it.
    var keptBlock: [UInt8] = []
    /// Metric instances per policy index whose target that policy supplied.
    var policyUses: [Int] = []
    var tickets = 0, incomplete = 0, ticketsBreached = 0, breaches = 0, ongoingBreaches = 0, atRisk = 0

    mutating func count(_ ticket: TicketResult) {
        tickets += 1
        if ticket.state == .incomplete { incomplete += 1 }
        if ticket.isBreached { ticketsBreached += 1 }
        ticket.forEachInstance { instance in
            if let policy = instance.policy {
                if policy >= policyUses.count { policyUses += repeatElement(0, count: policy + 1 - policyUses.count) }
                policyUses[policy] += 1
            }
            if instance.outcome.isBreach { breaches += 1 }
            if instance.outcome == .ongoingBreach { ongoingBreaches += 1 }
            if instance.outcome == .atRisk { atRisk += 1 }
        }
    }
}

extension RunStatistics {
    mutating func add(_ block: BlockResult) {
        tickets += block.tickets; incomplete += block.incomplete; ticketsBreached += block.ticketsBreached
        breaches += block.breaches; ongoingBreaches += block.ongoingBreaches; atRisk += block.atRisk
        eventsAfterAsOf += block.afterAsOf
    }
}

/// Hands numbered results from workers to one consumer in number order,
/// letting workers run at most `window` results ahead of the consumer.
final class OrderedHandoff<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Value] = [:]
    private var consumed = 0
    private let window: Int

    init(window: Int) { self.window = window }

    func waitForRoom(_ index: Int) {
        condition.lock()
        while index >= consumed + window { condition.wait() }
        condition.unlock()
    }

    func put(_ index: Int, _ value: Value) {
        condition.lock()
        ready[index] = value
        condition.broadcast()
        condition.unlock()
    }

    func take(_ index: Int) -> Value {
        condition.lock()
        defer { condition.unlock() }
        while ready[index] == nil { condition.wait() }
        consumed = index + 1
        condition.broadcast()
        return ready.removeValue(forKey: index)!
    }
}

/// Breaches per local day (in the grouping zone) and the worst breached
/// tickets; mergeable in any order with the same result (ties broken by
/// report position), so the HTML report never depends on thread timing.
struct Highlights: Sendable {
    static let worstCount = 20
    /// Breached metric instances per local day number of their stop (ongoing breaches: of as_of).
    var breachesPerDay: [Int64: Int] = [:]
    /// When each breached instance stopped (as_of for ongoing ones), per customer: for the average
    /// violations of runs that also measure services (docs/semantics.md §10).
    var breachTimes: [GroupValue: [Int64]] = [:]
    var worst: [WorstTicket] = []

    struct WorstTicket: Sendable {
        var position: Int
        var slot: UInt32
        var ticket: TicketResult
        var worstOver: Milliseconds
        /// The ticket's events, for its audit trail in the HTML report.
        var events: [Event] = []
        var trail = ""
    }

    mutating func add(
        _ ticket: TicketResult, events: [Event], position: Int, slot: UInt32, zone: ZoneRules, asOf: Instant, keepTimes: Bool
    ) {
        var worstOver: Milliseconds = 0
        ticket.forEachInstance { instance in
            guard instance.outcome.isBreach else { return }
            let stop = (instance.stop ?? asOf).milliseconds
            breachesPerDay[zone.local(stop).day, default: 0] += 1
            if keepTimes { breachTimes[GroupValue(ticket.customer ?? ""), default: []].append(stop) }
            worstOver = max(worstOver, instance.overTarget ?? 0)
        }
        // Most breached tickets do not make the list: the candidate (a copy of the result) is made only for those that do.
        if worst.count == Self.worstCount, let last = worst.last,
            !Self.ranksBefore((worstOver, position), (last.worstOver, last.position))
        {
            return
        }
        insert(WorstTicket(position: position, slot: slot, ticket: ticket, worstOver: worstOver), events: events)
    }

    private mutating func insert(_ candidate: WorstTicket, events: [Event]? = nil) {
        if worst.count == Self.worstCount, let last = worst.last, !Self.ranksBefore(candidate, last) { return }
        let at = worst.firstIndex { Self.ranksBefore(candidate, $0) } ?? worst.count
        var candidate = candidate
        if let events { candidate.events = events }
        worst.insert(candidate, at: at)
        if worst.count > Self.worstCount { worst.removeLast() }
    }

    static func ranksBefore(_ a: WorstTicket, _ b: WorstTicket) -> Bool {
        ranksBefore((a.worstOver, a.position), (b.worstOver, b.position))
    }

    /// Larger over-target first, then earlier report position.
    static func ranksBefore(_ a: (worstOver: Milliseconds, position: Int), _ b: (worstOver: Milliseconds, position: Int)) -> Bool {
        a.worstOver != b.worstOver ? a.worstOver > b.worstOver : a.position < b.position
    }

    mutating func merge(_ other: Highlights) {
        for (day, count) in other.breachesPerDay { breachesPerDay[day, default: 0] += count }
        for (customer, times) in other.breachTimes { breachTimes[customer, default: []] += times }
        for candidate in other.worst { insert(candidate) }
    }
}

/// Where the aggregate stage finds each ticket's events: the merger's memory (a run without a
/// store: one pass), or the event store, read in passes of tickets whose events fit the memory
/// budget (docs/semantics.md §11, "Bounded memory").
struct TicketSource {
    var strings: SymbolTexts
    var ticketSymbols: [Symbol]
    var attributeTable: AttributeTable
    /// Ticket slots in report order: where each first appears in the input (file, line), ties by ticket id.
    var sequence: [UInt32]
    /// Consecutive ranges of `sequence`, measured one after the other.
    var passes: [Range<Int>]
    /// Results of settled tickets a store keeps (docs/semantics.md §11): used instead of measuring, and kept.
    var kept: KeptResults
    /// The events of the tickets of a pass (and the kept results of the others).
    var load: (Range<Int>) throws -> PassEvents
    /// The events of a few tickets by slot (audit trails of worst tickets whose results were kept).
    var events: (Set<UInt32>) throws -> [UInt32: [Event]]

    /// Report order: slots by first appearance, ties by ticket id (never by thread timing).
    static func reportOrder(_ slots: [UInt32], firstSeen: [SourceLocation], strings: SymbolTexts, ticketSymbols: [Symbol]) -> [UInt32] {
        slots.sorted { a, b in
            let x = firstSeen[Int(a)], y = firstSeen[Int(b)]
            if x != y { return x < y }
            return Array(strings[Int(ticketSymbols[Int(a)].rawValue)].utf8)
                .lexicographicallyPrecedes(Array(strings[Int(ticketSymbols[Int(b)].rawValue)].utf8))
        }
    }

    /// Every ticket of the merger's memory, in one pass (which takes the merger's events).
    static func inMemory(_ store: inout MergedEvents) -> TicketSource {
        let (starts, order, firstSeen) = store.groupByTicket()
        let strings = store.strings()
        let sequence = reportOrder(
            Array(0..<UInt32(store.ticketSymbols.count)), firstSeen: firstSeen, strings: strings, ticketSymbols: store.ticketSymbols)
        // The pass owns the events now: measuring releases them as it goes. They leave the merger
        // first: while it held them too, every segment stayed alive as the pool copied it, and the
        // run's peak held the events twice (1 GB: 270 MB, 190 MB without).
        var taken = SegmentedEvents()
        swap(&taken, &store.events)
        let events = PassEvents(pool: consume taken, order: order, starts: starts, base: 0, sequence: sequence)
        return TicketSource(
            strings: strings, ticketSymbols: store.ticketSymbols, attributeTable: store.attributeTable, sequence: sequence,
            passes: [0..<sequence.count], kept: KeptResults(slots: store.ticketSymbols.count), load: { _ in events },
            events: { wanted in
                var found: [UInt32: [Event]] = [:]
                for slot in wanted {
                    var list: [Event] = []
                    events.append(position: 0, slot: slot, to: &list)
                    found[slot] = list
                }
                return found
            })
    }
}

/// The events of one pass: ticket `k`'s are `pool[order[starts[k] ..< starts[k + 1]]]`, in arrival
/// order, where `k` is the ticket's slot (`bySlot`) or its position in the report order minus `base`.
struct PassEvents: Sendable {
    let pool: PassPool
    let order: [UInt32]
    let starts: [Int]
    let bySlot: Bool
    let base: Int
    /// Kept results of the pass's settled tickets (whose events are not loaded).
    var kept: KeptPass?

    /// The events of the tickets of a pass starting at report position `base`, listed per ticket by
    /// position (`sequence` nil) or by slot (`sequence`: the slots in report order, the pass being all of them).
    init(pool: consuming SegmentedEvents, order: [UInt32], starts: [Int], base: Int, sequence: [UInt32]? = nil) {
        if let sequence {
            var position = [Int](repeating: 0, count: max(0, starts.count - 1))
            for (p, slot) in sequence.enumerated() where Int(slot) < position.count { position[Int(slot)] = p }
            self.pool = PassPool(pool, order: order, starts: starts) { position[$0] }
        } else {
            self.pool = PassPool(pool, order: order, starts: starts) { $0 }
        }
        self.order = order
        self.starts = starts
        bySlot = sequence != nil
        self.base = base
    }

    func append(position: Int, slot: UInt32, to scratch: inout [Event]) {
        pool.append(indices(position: position, slot: slot), to: &scratch)
    }

    /// Starts loading the events of the ticket at `position` (a few tickets ahead of the one measured:
    /// a ticket's events lie scattered over the pool, one cache miss each when gathered cold).
    func prefetch(position: Int, slot: UInt32) {
        pool.prefetch(indices(position: position, slot: slot))
    }

    /// Where the events of the ticket at `position` (slot `slot`) lie in the pool.
    private func indices(position: Int, slot: UInt32) -> ArraySlice<UInt32> {
        let k = bySlot ? Int(slot) : position - base
        return order[starts[k]..<starts[k + 1]]
    }
}
