import SLACore

/// Walks one ticket's events in order and measures its metrics
/// (docs/semantics.md §2–3). One evaluator per thread (it caches policy lookups).
public final class TimelineEvaluator {
    public let policies: PolicySet
    /// The calendar of instances without a policy (24x7), an object of this evaluator's own (see `PolicySet.copy()`).
    let alwaysOpen = BusinessCalendar.alwaysOpen.copy()
    /// Text of every symbol, indexed by `Symbol.rawValue`.
    public let strings: SymbolTexts
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
    @exclusivity(unchecked) private var policyMasks: PolicyMasks
    /// The last (customer, channel, priority) looked up in `policyMasks` and its policy + 2 (1: none; 0: none yet).
    @exclusivity(unchecked) private var lastSymbols: (UInt32, UInt32, UInt32, Int) = (0, 0, 0, 0)
    /// The texts of recently used attribute values, direct-mapped by symbol (`attributeTextSymbols` holds
    /// each slot's symbol, 0: empty): every ticket's result names its customer, channel, priority and agent,
    /// mostly the same few values, and a `String` made from the interner's bytes each time was a tenth
    /// of building a result.
    @exclusivity(unchecked) private var attributeTextSymbols = [UInt32](repeating: 0, count: attributeTextSlots)
    @exclusivity(unchecked) private var attributeTexts = [String](repeating: "", count: attributeTextSlots)
    private static let attributeTextSlots = 4096

    /// The attribute values of the events' tuple ids.
    public let attributeTable: AttributeTable

    public init(
        policies: PolicySet, strings: SymbolTexts, asOf: Instant, mapping: TicketMapping = TicketMapping(),
        attributes: AttributeTable = AttributeTable()
    ) {
        self.attributeTable = attributes
        self.policies = policies
        policyMasks = PolicyMasks(policies)
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
        timeline.reserveCapacity(unsorted.count)
        for event in unsorted where event.time <= asOf { timeline.append(event) }
        timeline.sort(by: Event.timelineOrder)
        // Exact duplicates: same ticket, kind, time, agent and status; equal times are adjacent. The
        // events kept are moved to the front of the timeline in place, which then becomes `kept`.
        var count = 0
        let table = attributeTable
        timeline.withUnsafeMutableBufferPointer { events in
            var groupStart = 0
            for i in events.indices {
                let event = events[i]
                if count > 0 && events[count - 1].time != event.time { groupStart = count }
                var duplicate = false
                for j in groupStart..<count {
                    let earlier = events[j]
                    if earlier.kind == event.kind && earlier.status == event.status
                        && table.value(earlier.attributes, AttributeTable.agent) == table.value(event.attributes, AttributeTable.agent)
                    {
                        duplicate = true
                        break
                    }
                }
                if duplicate {
                    setAside.append(SetAside(reason: .duplicate, source: event.source, rule: event.rule, ticket: ticketName))
                    trail?.note(event, "duplicate of an earlier event: counted once")
                    continue
                }
                events[count] = event
                count += 1
            }
        }
        timeline.removeLast(timeline.count - count)
        swap(&kept, &timeline)
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
        if policyMasks.fits {
            // The common case: no condition on the pipeline's own attributes, at most 64 policies. A ticket
            // asks once per metric instance, mostly with the same three symbols.
            let (c, ch, p) = (attributes.customer.rawValue, attributes.channel.rawValue, attributes.priority.rawValue)
            if lastSymbols.3 != 0 && lastSymbols.0 == c && lastSymbols.1 == ch && lastSymbols.2 == p {
                return lastSymbols.3 == 1 ? nil : lastSymbols.3 - 2
            }
            // The first policy whose three conditions hold: each value's policies from a small table.
            let holding =
                policyMasks.mask(.customer, attributes.customer, self) & policyMasks.mask(.channel, attributes.channel, self)
                & policyMasks.mask(.priority, attributes.priority, self)
            let found = holding == 0 ? nil : holding.trailingZeroBitCount
            lastSymbols = (c, ch, p, found.map { $0 + 2 } ?? 1)
            return found
        }
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

    /// The text of an attribute value (nil: none), from the cache of recent values.
    func attributeText(_ symbol: Symbol) -> String? {
        guard !symbol.isNone else { return nil }
        let slot = Int(symbol.rawValue) & (Self.attributeTextSlots - 1)
        if attributeTextSymbols.withUnsafeBufferPointer({ $0[slot] }) == symbol.rawValue {
            return attributeTexts.withUnsafeBufferPointer { $0[slot] }
        }
        let text = strings[Int(symbol.rawValue)]
        attributeTextSymbols[slot] = symbol.rawValue
        attributeTexts[slot] = text
        return text
    }

    /// Takes the attribute values `event` carries into `attributes` ("latest value seen wins").
    /// A method of the evaluator, called per event: its tables are read in place, not copied (retained) per call.
    func update(_ attributes: inout Attributes, from event: Event) {
        let tuple = Int(event.attributes)
        guard tuple != 0 else { return }
        let width = attributeTable.width
        guard width >= 4 else {  // a table narrower than the built-ins (tests): slot by slot
            for (slot, path) in [(0, \Attributes.customer), (1, \.priority), (2, \.channel), (3, \.agent)] {
                let value = attributeTable.value(UInt32(tuple), slot)
                if !value.isNone { attributes[keyPath: path] = value }
            }
            return
        }
        attributeTable.values.withUnsafeBufferPointer { values in
            let base = tuple * width
            let c = values[base + AttributeTable.customer], p = values[base + AttributeTable.priority]
            let ch = values[base + AttributeTable.channel], a = values[base + AttributeTable.agent]
            if !c.isNone { attributes.customer = c }
            if !p.isNone { attributes.priority = p }
            if !ch.isNone { attributes.channel = ch }
            if !a.isNone { attributes.agent = a }
        }
        if width > 4 { attributes.updateExtras(event.attributes, table: attributeTable, strings: strings) }
    }
}

/// Per attribute value, the policies whose condition on that attribute it meets (bit `i`: policy `i`),
/// looked up by symbol (open addressing, a multiplicative hash); a ticket's policy is the lowest bit
/// all three of its values share. Distinct values are few (customers, channels, priorities) where
/// their combinations are many: a table of combinations grew past the caches and missed them on
/// most lookups.
struct PolicyMasks {
    enum Field: UInt64 { case customer = 0, channel, priority }

    /// Whether the masks apply: no policy reads the pipeline's own attributes, and at most 64 policies.
    let fits: Bool
    /// (field << 32 | symbol) + 1, and its mask; key 0: an empty slot.
    private var slots: [(key: UInt64, mask: UInt64)] = Array(repeating: (0, 0), count: 64)
    private var count = 0

    init(_ policies: PolicySet) {
        fits = !policies.readsExtras && policies.policies.count <= 64
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        let h = key &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: h ^ (h >> 29)) & (slots.count - 1)
    }

    /// The policies whose condition on `field` holds for `value` (computed once per value).
    @inline(__always)
    mutating func mask(_ field: Field, _ value: Symbol, _ evaluator: TimelineEvaluator) -> UInt64 {
        let key = (field.rawValue << 32 | UInt64(value.rawValue)) &+ 1
        var i = slot(key)
        while true {
            let entry = slots.withUnsafeBufferPointer { $0[i] }
            if entry.key == key { return entry.mask }
            if entry.key == 0 { break }
            i = (i + 1) & (slots.count - 1)
        }
        return add(key, field: field, value: evaluator.string(value), policies: evaluator.policies)
    }

    @inline(never)
    private mutating func add(_ key: UInt64, field: Field, value: String?, policies: PolicySet) -> UInt64 {
        var mask: UInt64 = 0
        for (index, policy) in policies.policies.enumerated() {
            let patterns =
                switch field {
                case .customer: policy.customer
                case .channel: policy.channel
                case .priority: policy.priority
                }
            if Policy.holds(patterns, value) { mask |= 1 << UInt64(index) }
        }
        if (count + 1) * 2 > slots.count {
            let old = slots.filter { $0.key != 0 }
            slots = Array(repeating: (0, 0), count: slots.count * 2)
            for entry in old { place(entry) }
        }
        place((key, mask))
        count += 1
        return mask
    }

    private mutating func place(_ entry: (key: UInt64, mask: UInt64)) {
        var i = slot(entry.key)
        while slots[i].key != 0 { i = (i + 1) & (slots.count - 1) }
        slots[i] = entry
    }
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

    /// Takes the pipeline's own attributes of a tuple (the built-ins: `TimelineEvaluator.update`).
    mutating func updateExtras(_ tuple: UInt32, table: AttributeTable, strings: SymbolTexts) {
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
