import SLACore

/// Walks one ticket's events in order and measures its metrics
/// (docs/semantics.md §2–3). One evaluator per thread (it caches policy lookups).
public final class TimelineEvaluator {
    public let policies: PolicySet
    /// Text of every symbol, indexed by `Symbol.rawValue`.
    public let strings: [String]
    public let asOf: Instant
    private var policyCache: [PolicyKey: Int?] = [:]
    private var timeline: [Event] = []
    private var kept: [Event] = []

    public init(policies: PolicySet, strings: [String], asOf: Instant) {
        self.policies = policies
        self.strings = strings
        self.asOf = asOf
    }

    /// Sorts and de-duplicates `events` (all of one ticket, named `ticket`), then measures.
    /// Events after `as_of` are ignored; duplicates and anomalies are returned in `setAside`.
    public func evaluate(
        _ unsorted: [Event], ticket ticketName: String, trail: TrailRecorder? = nil
    ) -> (TicketResult, [SetAside]) {
        // Two buffers owned by the evaluator and reused for every ticket.
        timeline.removeAll(keepingCapacity: true)
        for event in unsorted where event.time <= asOf { timeline.append(event) }
        timeline.sort(by: Event.timelineOrder)
        var setAside: [SetAside] = []
        kept.removeAll(keepingCapacity: true)
        // Exact duplicates: same ticket, kind, time and agent; equal times are adjacent.
        var groupStart = 0
        for event in timeline {
            if let last = kept.last, last.time != event.time { groupStart = kept.count }
            if kept[groupStart...].contains(where: { $0.kind == event.kind && $0.agent == event.agent }) {
                setAside.append(SetAside(reason: .duplicate, source: event.source, rule: event.rule, ticket: ticketName))
                trail?.note(event, "duplicate of an earlier event: counted once")
                continue
            }
            kept.append(event)
        }
        var walk = Walk(evaluator: self, ticket: ticketName, trail: trail)
        for event in kept { walk.apply(event, setAside: &setAside) }
        return (walk.finish(), setAside)
    }

    /// The policy for a set of attribute symbols (customer, channel, priority).
    func policyIndex(_ attributes: Attributes) -> Int? {
        let key = PolicyKey(customer: attributes.customer, channel: attributes.channel, priority: attributes.priority)
        if let cached = policyCache[key] { return cached }
        let found = policies.match(
            customer: string(attributes.customer), channel: string(attributes.channel),
            priority: string(attributes.priority))
        policyCache[key] = found
        return found
    }

    func string(_ symbol: Symbol) -> String? { symbol.isNone ? nil : strings[Int(symbol.rawValue)] }
}

/// The attributes a policy looks at, as a cache key.
struct PolicyKey: Hashable {
    var customer: Symbol, channel: Symbol, priority: Symbol
}

/// The latest attribute values of a ticket ("latest value seen wins").
struct Attributes: Equatable {
    var customer = Symbol.none, priority = Symbol.none, channel = Symbol.none, agent = Symbol.none

    mutating func update(from event: Event) {
        if !event.customer.isNone { customer = event.customer }
        if !event.priority.isNone { priority = event.priority }
        if !event.channel.isNone { channel = event.channel }
        if !event.agent.isNone { agent = event.agent }
    }
}
