import SLACore

/// Walks one ticket's events in order and measures its metrics
/// (docs/semantics.md §2–3). One evaluator per thread (it caches policy lookups).
public final class TimelineEvaluator {
    public let policies: PolicySet
    /// Text of every symbol, indexed by `Symbol.rawValue`.
    public let strings: [String]
    public let asOf: Instant
    /// Transitions and `open: first_event` (docs/semantics.md §1).
    public let mapping: TicketMapping
    // One evaluator per thread, and no method re-enters another: the buffers need no dynamic exclusivity checks.
    @exclusivity(unchecked) private var policyCache: [PolicyKey: Int?] = [:]
    @exclusivity(unchecked) private var transitionCache: [TransitionKey: [EventKind]?] = [:]
    @exclusivity(unchecked) private var timeline: [Event] = []
    @exclusivity(unchecked) private var kept: [Event] = []
    @exclusivity(unchecked) private var mapped: [Event] = []
    /// The last policy lookup (a ticket asks once per metric instance, with the same attributes).
    @exclusivity(unchecked) private var lastPolicy: (key: PolicyKey, policy: Int?)?

    /// The attribute values of the events' tuple ids.
    public let attributeTable: AttributeTable

    public init(
        policies: PolicySet, strings: [String], asOf: Instant, mapping: TicketMapping = TicketMapping(),
        attributes: AttributeTable = AttributeTable()
    ) {
        self.attributeTable = attributes
        self.policies = policies
        self.strings = strings
        self.asOf = asOf
        self.mapping = mapping
    }

    /// Sorts and de-duplicates `events` (all of one ticket, named `ticket`), then measures.
    /// Events after `as_of` are ignored; duplicates and anomalies are returned in `setAside`.
    public func evaluate(
        _ unsorted: [Event], ticket ticketName: String, trail: TrailRecorder? = nil
    ) -> (TicketResult, [SetAside]) {
        var setAside: [SetAside] = []
        let usesMapped = prepare(unsorted, ticket: ticketName, trail: trail, setAside: &setAside)
        var walk = Walk(evaluator: self, ticket: ticketName, trail: trail)
        for event in usesMapped ? mapped : kept { walk.apply(event, setAside: &setAside) }
        return (walk.finish(), setAside)
    }

    /// The events the ticket's states see, in order (steps 1–4 of docs/semantics.md §1:
    /// ordered, duplicates removed, transitions resolved, `open: first_event` applied), and
    /// what was set aside on the way. For `slalog events` and the rule tests of `slalog check`.
    public func prepared(_ unsorted: [Event], ticket: String) -> (events: [Event], setAside: [SetAside]) {
        var setAside: [SetAside] = []
        let usesMapped = prepare(unsorted, ticket: ticket, trail: nil, setAside: &setAside)
        return (usesMapped ? mapped : kept, setAside)
    }

    /// Fills `kept` (and `mapped` when the pipeline maps statuses); returns whether `mapped` holds the result.
    private func prepare(_ unsorted: [Event], ticket ticketName: String, trail: TrailRecorder?, setAside: inout [SetAside]) -> Bool {
        // Buffers owned by the evaluator and reused for every ticket.
        timeline.removeAll(keepingCapacity: true)
        for event in unsorted where event.time <= asOf { timeline.append(event) }
        timeline.sort(by: Event.timelineOrder)
        kept.removeAll(keepingCapacity: true)
        // Exact duplicates: same ticket, kind, time, agent and status; equal times are adjacent.
        var groupStart = 0
        for event in timeline {
            if let last = kept.last, last.time != event.time { groupStart = kept.count }
            if kept[groupStart...].contains(where: {
                $0.kind == event.kind && $0.status == event.status
                    && attributeTable.value($0.attributes, AttributeTable.agent)
                        == attributeTable.value(event.attributes, AttributeTable.agent)
            }) {
                setAside.append(SetAside(reason: .duplicate, source: event.source, rule: event.rule, ticket: ticketName))
                trail?.note(event, "duplicate of an earlier event: counted once")
                continue
            }
            kept.append(event)
        }
        if mapping.isIdentity { return false }
        applyMapping(ticket: ticketName, setAside: &setAside, trail: trail)
        return true
    }

    /// Steps (3) and (4) of docs/semantics.md §1: resolves transitions in timeline order and
    /// adds the opening event of `open: first_event`, from `kept` into `mapped`.
    private func applyMapping(ticket: String, setAside: inout [SetAside], trail: TrailRecorder?) {
        mapped.removeAll(keepingCapacity: true)
        var previous: Symbol = .none
        for event in kept {
            let status = event.status
            defer { if !status.isNone { previous = status } }
            guard let program = mapping.program(event.rule) else {
                mapped.append(event)
                continue
            }
            let text = status.isNone ? "" : strings[Int(status.rawValue)]
            // Statuses are few: the kinds of each (rule, previous, status) are worked out once per evaluator.
            let key = TransitionKey(rule: event.rule, previous: previous, status: status)
            let decided: [EventKind]?
            if let cached = transitionCache[key] {
                decided = cached
            } else {
                decided = program.kinds(previous: string(previous), status: text)?.kinds
                transitionCache[key] = .some(decided)
            }
            guard let kinds = decided else {
                setAside.append(SetAside(reason: .unmappedStatus, source: event.source, rule: event.rule, ticket: ticket))
                trail?.note(
                    event, "status '\(text)' after '\(string(previous) ?? "none")': no transition and no map entry covers it (set aside)")
                continue
            }
            if kinds.isEmpty {
                trail?.note(event, "status '\(text)' after '\(string(previous) ?? "none")': ignored")
            }
            for kind in kinds {
                var copy = event
                copy.kind = kind
                mapped.append(copy)
            }
        }
        if mapping.openOnFirstEvent, let first = mapped.first, first.kind != .open {
            var open = first
            open.kind = .open
            mapped.insert(open, at: 0)
        }
    }

    /// The policy for a set of attribute symbols (customer, channel, priority).
    func policyIndex(_ attributes: Attributes) -> Int? {
        let key = PolicyKey(
            customer: attributes.customer, channel: attributes.channel, priority: attributes.priority,
            extras: policies.readsExtras ? attributes.extras : nil)
        if let last = lastPolicy, last.key == key { return last.policy }
        if let cached = policyCache[key] {
            lastPolicy = (key, cached)
            return cached
        }
        let found = policies.match(
            customer: string(attributes.customer), channel: string(attributes.channel),
            priority: string(attributes.priority), extras: attributes.extras ?? [])
        policyCache[key] = found
        lastPolicy = (key, found)
        return found
    }

    func string(_ symbol: Symbol) -> String? { symbol.isNone ? nil : strings[Int(symbol.rawValue)] }
}

/// A status event's rule, the ticket's previous status and its new one: what decides its kinds.
struct TransitionKey: Hashable {
    var rule: UInt16, previous: Symbol, status: Symbol
}

/// The attributes a policy looks at, as a cache key.
struct PolicyKey: Hashable {
    var customer: Symbol, channel: Symbol, priority: Symbol
    /// The pipeline's own attributes, when a policy looks at them (else nil).
    var extras: [String?]?
}

/// The latest attribute values of a ticket ("latest value seen wins"), each of the
/// pipeline's own attributes too (`extras`, in declared order; empty when none are declared).
struct Attributes: Equatable {
    var customer = Symbol.none, priority = Symbol.none, channel = Symbol.none, agent = Symbol.none
    /// nil until an event carries one (so copying the attributes of most tickets costs no reference count).
    var extras: [String?]?

    mutating func update(from event: Event, table: AttributeTable, strings: [String]) {
        let tuple = event.attributes
        guard tuple != 0 else { return }
        let c = table.value(tuple, AttributeTable.customer), p = table.value(tuple, AttributeTable.priority)
        let ch = table.value(tuple, AttributeTable.channel), a = table.value(tuple, AttributeTable.agent)
        if !c.isNone { customer = c }
        if !p.isNone { priority = p }
        if !ch.isNone { channel = ch }
        if !a.isNone { agent = a }
        guard table.width > 4 else { return }
        var current = extras ?? []
        for slot in 4..<table.width {
            let value = table.value(tuple, slot)
            guard !value.isNone else { continue }
            if current.count <= slot - 4 { current += Array(repeating: nil, count: slot - 4 + 1 - current.count) }
            current[slot - 4] = strings[Int(value.rawValue)]
        }
        if !current.isEmpty { extras = current }
    }
}
