import Aggregate
import Dispatch
import Foundation
import Report
import SLACore

/// The aggregate stage over a whole run, in two parallel passes so that no
/// per-ticket result is ever held for all tickets at once:
///
/// 1. each ticket's events are sorted into timeline order (in place, in the
///    shared index), measured, and folded into a per-thread summary; only
///    the ticket's sort key (customer, open time) is kept;
/// 2. tickets are measured again in report order, in blocks, on all cores;
///    blocks are written to tickets.csv in order as they complete, with at
///    most a few blocks in flight.
///
/// Everything merged across threads is merged in a fixed order (stripe or
/// block index), so the reports never depend on thread timing.
struct Evaluation {
    var setAside: [SetAside] = []
    var groups: [GroupSummary] = []
    var statistics = RunStatistics()

    static let blockSize = 2048

    static func run(store: EventStore, definition: PipelineDefinition, asOf: Instant, jobs: Int, groupBy: [GroupDimension],
                    context: ReportContext, tickets: AtomicFile) throws -> Evaluation {
        let (starts, unsortedOrder) = store.groupByTicket()
        let order = SharedIndexes(unsortedOrder)
        let ticketCount = store.ticketNames.count
        let stripes = max(1, min(jobs, ticketCount))
        let passOne = ResultSlots<StripeResult>(count: stripes)
        DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
            let evaluator = TimelineEvaluator(policies: definition.policies, interner: store.attributes, asOf: asOf)
            var result = StripeResult(summarizer: Summarizer(dimensions: groupBy, zone: definition.groupZone,
                                                             policyNames: definition.policyNames))
            var scratch: [Event] = []
            var ticket = stripe
            while ticket < ticketCount {
                defer { ticket += stripes }
                let range = starts[ticket]..<starts[ticket + 1]
                order.sortTimeline(range, events: store.events)
                scratch.removeAll(keepingCapacity: true)
                for i in range { scratch.append(store.events[Int(order[i])]) }
                result.afterAsOf += scratch.count { $0.time > asOf }
                guard scratch.contains(where: { $0.time <= asOf }) else { continue }
                let (measured, aside) = evaluator.evaluate(scratch, ticket: store.ticketNames[ticket], presorted: true)
                result.keys.append(TicketKey(customer: measured.customer ?? "", opened: measured.openedAt?.milliseconds ?? .max,
                                             slot: UInt32(ticket)))
                result.summarizer.add(measured)
                result.setAside += aside
                result.count(measured)
            }
            passOne.set(stripe, result)
        }

        var evaluation = Evaluation()
        var summarizer = Summarizer(dimensions: groupBy, zone: definition.groupZone, policyNames: definition.policyNames)
        var keys: [TicketKey] = []
        for stripe in passOne.values {
            summarizer.merge(stripe.summarizer)
            keys += stripe.keys
            evaluation.setAside += stripe.setAside
            evaluation.statistics.add(stripe)
        }
        evaluation.setAside.sort { $0.source < $1.source }
        evaluation.statistics.duplicates = evaluation.setAside.count { $0.reason == .duplicate }
        evaluation.statistics.anomalies = evaluation.setAside.count - evaluation.statistics.duplicates
        evaluation.groups = summarizer.rows()

        try writeTickets(sortedForReport(keys, names: store.ticketNames), store: store, starts: starts, order: order,
                         definition: definition, asOf: asOf, jobs: jobs, context: context, to: tickets)
        return evaluation
    }

    /// tickets.csv order: customer, open time, ticket id (byte order; absent customer first).
    static func sortedForReport(_ keys: [TicketKey], names: [String]) -> [UInt32] {
        let customers = Set(keys.map(\.customer)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var rank: [String: Int] = [:]
        for (i, customer) in customers.enumerated() { rank[customer] = i }
        let ranked = keys.map { (rank: rank[$0.customer]!, opened: $0.opened, slot: $0.slot) }
        return ranked.sorted { a, b in
            if a.rank != b.rank { return a.rank < b.rank }
            if a.opened != b.opened { return a.opened < b.opened }
            return names[Int(a.slot)].utf8.lexicographicallyPrecedes(names[Int(b.slot)].utf8)
        }.map(\.slot)
    }

    /// Pass 2: measures tickets again in report order, `jobs` threads, and
    /// writes the blocks to `file` in order.
    static func writeTickets(_ sorted: [UInt32], store: EventStore, starts: [Int], order: SharedIndexes,
                             definition: PipelineDefinition, asOf: Instant, jobs: Int, context: ReportContext,
                             to file: AtomicFile) throws {
        var header = CSVWriter(neutralizeFormulas: context.neutralizeFormulas)
        header.header(TicketsReport.header)
        try file.write(header.bytes)
        let blocks = (sorted.count + blockSize - 1) / blockSize
        guard blocks > 0 else { return }
        let handoff = OrderedHandoff<[UInt8]>(window: 2 * max(1, jobs))
        let next = FileCounter()
        let workers = DispatchGroup()
        for worker in 0..<max(1, min(jobs, blocks)) {
            DispatchQueue(label: "slalog.report.\(worker)").async(group: workers) {
                let evaluator = TimelineEvaluator(policies: definition.policies, interner: store.attributes, asOf: asOf)
                var csv = CSVWriter(neutralizeFormulas: context.neutralizeFormulas, capacity: blockSize * 300)
                var scratch: [Event] = []
                while let block = next.take(below: blocks) {
                    handoff.waitForRoom(block)
                    csv.removeAll()
                    for slot in sorted[(block * blockSize)..<min(sorted.count, (block + 1) * blockSize)] {
                        scratch.removeAll(keepingCapacity: true)
                        for i in starts[Int(slot)]..<starts[Int(slot) + 1] { scratch.append(store.events[Int(order[i])]) }
                        let (measured, _) = evaluator.evaluate(scratch, ticket: store.ticketNames[Int(slot)], presorted: true)
                        TicketsReport.appendRow(measured, context: context, to: &csv)
                    }
                    handoff.put(block, csv.bytes)
                }
            }
        }
        var failure: Error?
        for block in 0..<blocks {
            let bytes = handoff.take(block)
            if failure == nil {
                do { try file.write(bytes) } catch { failure = error }
            }
        }
        workers.wait()
        if let failure { throw failure }
    }
}

/// A ticket's place in tickets.csv.
struct TicketKey: Sendable {
    var customer: String
    var opened: Int64
    var slot: UInt32
}

/// What one pass-1 thread found.
struct StripeResult: Sendable {
    var summarizer: Summarizer
    var keys: [TicketKey] = []
    var setAside: [SetAside] = []
    var afterAsOf = 0
    var tickets = 0, incomplete = 0, ticketsBreached = 0, breaches = 0, ongoingBreaches = 0, atRisk = 0

    mutating func count(_ ticket: TicketResult) {
        tickets += 1
        if ticket.state == .incomplete { incomplete += 1 }
        if ticket.isBreached { ticketsBreached += 1 }
        ticket.forEachInstance { instance in
            if instance.outcome.isBreach { breaches += 1 }
            if instance.outcome == .ongoingBreach { ongoingBreaches += 1 }
            if instance.outcome == .atRisk { atRisk += 1 }
        }
    }
}

extension RunStatistics {
    mutating func add(_ stripe: StripeResult) {
        tickets += stripe.tickets; incomplete += stripe.incomplete; ticketsBreached += stripe.ticketsBreached
        breaches += stripe.breaches; ongoingBreaches += stripe.ongoingBreaches; atRisk += stripe.atRisk
        eventsAfterAsOf += stripe.afterAsOf
    }
}

/// The event index shared by pass-1 threads: each sorts only its own
/// tickets' ranges, which never overlap, so no lock is needed.
final class SharedIndexes: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<UInt32>

    init(_ values: [UInt32]) {
        buffer = .allocate(capacity: values.count)
        _ = buffer.initialize(from: values)
    }

    deinit { buffer.deallocate() }

    subscript(index: Int) -> UInt32 { buffer[index] }

    /// Sorts one ticket's range by (time, file, line): SEMANTICS.md's timeline order.
    func sortTimeline(_ range: Range<Int>, events: SegmentedEvents) {
        guard range.count > 1 else { return }
        var slice = UnsafeMutableBufferPointer(rebasing: buffer[range])
        slice.sort { a, b in Event.timelineOrder(events[Int(a)], events[Int(b)]) }
    }
}

/// One slot per parallel iteration, filled from worker threads.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Value) { lock.withLock { slots[index] = value } }
    var values: [Value] { lock.withLock { slots.compactMap { $0 } } }
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
