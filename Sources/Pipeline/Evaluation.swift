import Aggregate
import Dispatch
import Foundation
import SLACore

/// The aggregate stage over a whole run: every ticket's timeline measured
/// (in parallel, each thread with its own evaluator), then ordered and grouped.
struct Evaluation {
    var tickets: [TicketResult] = []
    var setAside: [SetAside] = []
    var groups: [GroupSummary] = []
    var statistics = RunStatistics()

    static func run(store: EventStore, definition: PipelineDefinition, asOf: Instant, jobs: Int,
                    groupBy: [GroupDimension]? = nil) -> Evaluation {
        let count = store.ticketEvents.count
        let stripes = max(1, min(jobs, count))
        let partials = ResultSlots<([TicketResult], [SetAside], Int)>(count: stripes)
        DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
            let evaluator = TimelineEvaluator(policies: definition.policies, interner: store.interner, asOf: asOf)
            var results: [TicketResult] = []
            var setAside: [SetAside] = []
            var afterAsOf = 0
            var index = stripe
            while index < count {
                let events = store.ticketEvents[index]
                afterAsOf += events.count { $0.time > asOf }
                if events.contains(where: { $0.time <= asOf }) {
                    let (result, aside) = evaluator.evaluate(events)
                    results.append(result)
                    setAside += aside
                }
                index += stripes
            }
            partials.set(stripe, (results, setAside, afterAsOf))
        }
        var evaluation = Evaluation()
        for (results, aside, afterAsOf) in partials.values {
            evaluation.tickets += results
            evaluation.setAside += aside
            evaluation.statistics.eventsAfterAsOf += afterAsOf
        }
        evaluation.tickets.sort(by: ticketOrder)
        evaluation.setAside.sort { $0.source < $1.source }
        var summarizer = Summarizer(dimensions: groupBy ?? definition.groupBy, zone: definition.groupZone,
                                    policyNames: definition.policyNames)
        for ticket in evaluation.tickets {
            summarizer.add(ticket)
            evaluation.statistics.tickets += 1
            if ticket.state == .incomplete { evaluation.statistics.incomplete += 1 }
            if ticket.isBreached { evaluation.statistics.ticketsBreached += 1 }
            for instance in ticket.instances {
                if instance.outcome.isBreach { evaluation.statistics.breaches += 1 }
                if instance.outcome == .ongoingBreach { evaluation.statistics.ongoingBreaches += 1 }
                if instance.outcome == .atRisk { evaluation.statistics.atRisk += 1 }
            }
        }
        evaluation.statistics.duplicates = evaluation.setAside.count { $0.reason == .duplicate }
        evaluation.statistics.anomalies = evaluation.setAside.count - evaluation.statistics.duplicates
        evaluation.groups = summarizer.rows()
        return evaluation
    }

    /// tickets.csv order: customer, open time, ticket id (byte order; absent customer first).
    static func ticketOrder(_ a: TicketResult, _ b: TicketResult) -> Bool {
        let ca = Array((a.customer ?? "").utf8), cb = Array((b.customer ?? "").utf8)
        if ca != cb { return ca.lexicographicallyPrecedes(cb) }
        let oa = a.openedAt?.milliseconds ?? Int64.max, ob = b.openedAt?.milliseconds ?? Int64.max
        if oa != ob { return oa < ob }
        return Array(a.ticket.utf8).lexicographicallyPrecedes(Array(b.ticket.utf8))
    }
}

/// One slot per parallel iteration, filled from worker threads.
final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Value) { lock.withLock { slots[index] = value } }
    var values: [Value] { lock.withLock { slots.compactMap { $0 } } }
}
