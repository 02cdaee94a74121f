import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What became of one line.
public enum LineOutcome: Sendable, Equatable {
    /// No rule matched (noise).
    case noMatch
    /// A rule (index `rule`) matched and says the line is not an event.
    case ignored(rule: Int)
    /// An event (symbols in the normalizer's current `interner`).
    case event(Event)
    /// Several events from one line: `first`, then copies of it with the `more` kinds, in order.
    case events(first: Event, more: [EventKind])
    /// A rule matched but the line cannot become an event (`ticket`: the id if one was captured).
    case reject(rule: Int, ticket: String, reason: String)
    /// A date line (`kind: date`): time-only stamps after it are on this local day (days since 1970-01-01).
    case date(rule: Int, day: Int64)
}

extension LineOutcome {
    /// The rule that matched, nil for `noMatch`.
    public var rule: Int? {
        switch self {
        case .noMatch: nil
        case let .ignored(rule), let .reject(rule, _, _), let .date(rule, _): rule
        case let .event(event), let .events(event, _): Int(event.rule)
        }
    }
}

/// Turns lines into events. One per worker thread: it owns its PCRE2 match
/// scratch and an interner whose table the caller takes per chunk (`takeInterner()`).
public final class LineNormalizer {
    public let rules: [Rule]
    private let scratch: MatchScratch
    /// The hot loop's view of the rules: plain structs over one owned literal
    /// buffer, so testing a line against a rule touches no reference counts.
    private let plans: UnsafeMutableBufferPointer<RulePlan>
    private let literalBytes: UnsafeMutableRawBufferPointer

    struct RulePlan {
        /// Prefilter literals; all must occur in a line before PCRE2 is asked.
        var literals: UnsafeBufferPointer<LiteralPlan>
        var regex: Unmanaged<Regex>
        /// The rule itself (kept alive by `rules`), for building its events.
        var rule: Unmanaged<Rule>
        /// -1 when any first byte can match; -3 for structured rules (never on lines).
        var firstByte: Int16
        /// The rule's mappings and attribute sources, for building its events (`BuildPlan.swift`).
        var kind: MappingPlan<RuleKind>
        var requester: MappingPlan<Requester>
        var attributes: UnsafeMutableBufferPointer<AttributePlan>
    }

    struct LiteralPlan {
        var bytes: UnsafeRawBufferPointer
        var anchor: Int
    }
    /// Fields captured since the last `takeInterner()`, as bytes.
    /// (One normalizer per thread, so the per-line state skips dynamic exclusivity checks.)
    @exclusivity(unchecked) public private(set) var interner = LineNormalizer.chunkInterner()

    /// A chunk's symbol table: small, short-lived, keeping its hashes for the merger.
    private static func chunkInterner() -> ByteInterner { ByteInterner(capacity: 8192, keepsHashes: true) }

    public init(rules: [Rule], matchLimit: UInt32 = 1_000_000, depthLimit: UInt32 = 10_000) {
        self.rules = rules
        structuredRules = rules.indices.filter { rules[$0].isStructured }
        hasThreads = rules.contains { $0.replyToGroup != nil }
        scratch = MatchScratch(
            maxGroups: max(32, rules.map(\.highestGroup).max() ?? 0),
            matchLimit: matchLimit, depthLimit: depthLimit)
        let totalBytes = rules.reduce(0) { $0 + $1.prefilter.reduce(0) { $0 + $1.bytes.count } }
        literalBytes = .allocate(byteCount: max(totalBytes, 1), alignment: 16)
        plans = .allocate(capacity: rules.count)
        var offset = 0
        for (index, rule) in rules.enumerated() {
            let table = UnsafeMutableBufferPointer<LiteralPlan>.allocate(capacity: rule.prefilter.count)
            for (i, literal) in rule.prefilter.enumerated() {
                let destination = literalBytes.baseAddress! + offset
                literal.bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                table[i] = LiteralPlan(
                    bytes: UnsafeRawBufferPointer(start: destination, count: literal.bytes.count), anchor: literal.anchor)
                offset += literal.bytes.count
            }
            (plans.baseAddress! + index).initialize(
                to: RulePlan(
                    literals: UnsafeBufferPointer(table), regex: .passUnretained(rule.regex), rule: .passUnretained(rule),
                    firstByte: rule.isStructured ? -3 : rule.firstByte.map(Int16.init) ?? -1,
                    kind: MappingPlan(rule.kind), requester: MappingPlan(rule.requester), attributes: AttributePlan.plans(for: rule)))
        }
    }

    deinit {
        for plan in plans {
            plan.literals.deallocate()
            plan.kind.deallocate()
            plan.requester.deallocate()
            AttributePlan.deallocate(plan.attributes)
        }
        plans.deallocate()
        literalBytes.deallocate()
        tuple.deallocate()
    }

    /// Re-chooses each prefilter literal's scan byte from the byte
    /// frequencies of real input (a worker calls this with its first chunk):
    /// the rarest byte of the literal *in these logs* gives the fewest false
    /// hits. Only speed depends on it, never a result.
    public func calibrate(on sample: UnsafeRawBufferPointer) {
        guard !sample.isEmpty else { return }
        var counts = [Int](repeating: 0, count: 256)
        for byte in sample { counts[Int(byte)] += 1 }
        for plan in plans {
            let table = UnsafeMutableBufferPointer(mutating: plan.literals)
            for i in table.indices {
                let bytes = table[i].bytes
                table[i].anchor = bytes.indices.min { counts[Int(bytes[$0])] < counts[Int(bytes[$1])] } ?? 0
            }
        }
    }

    /// Hands over the current symbol table and starts a new one (call per
    /// chunk; the merger remaps the symbols into the run's table).
    public func takeInterner() -> ByteInterner {
        defer { interner = Self.chunkInterner() }
        return interner
    }

    /// Tries the rules in order on `line`; the first whose prefilter and
    /// pattern match decides the outcome (first matching rule wins).
    public func normalize(_ line: UnsafeRawBufferPointer, source: SourceLocation) -> LineOutcome {
        // `rules` keeps every Regex alive for the normalizer's lifetime.
        let first = line.isEmpty ? Int16(-2) : Int16(line[0])
        rules: for index in 0..<plans.count {
            let plan = plans[index]
            if plan.firstByte != -1 && plan.firstByte != first { continue }
            for literal in plan.literals where !ByteSearch.contains(literal.bytes, anchor: literal.anchor, in: line) {
                continue rules
            }
            let outcome = plan.regex._withUnsafeGuaranteedRef { $0.matches(line, scratch: scratch) }
            switch outcome {
            case .noMatch: continue
            case .matched: return build(rule: index, line: line, source: source)
            case let .limitExceeded(message): return .reject(rule: index, ticket: "", reason: "regex limit exceeded: \(message)")
            case let .failed(message): return .reject(rule: index, ticket: "", reason: "regex error: \(message)")
            }
        }
        return .noMatch
    }

    /// The values of a structured rule's captures while it is built (`buildingRecord`); reused per record.
    @exclusivity(unchecked) private var fieldCaptures: [Range<Int>?] = []
    @exclusivity(unchecked) private var buildingRecord = false
    /// The `reply_to` of the last event built (threads), `.none` if it named none.
    @exclusivity(unchecked) public private(set) var lastReplyTo = Symbol.none
    /// Indexes of the structured rules, in order.
    private let structuredRules: [Int]
    /// A rule captures `reply_to`: only then is `lastReplyTo` kept.
    private let hasThreads: Bool

    private func capture(_ group: Int) -> Range<Int>? {
        guard buildingRecord else { return scratch.range(ofGroup: group) }
        return group >= 1 && group <= fieldCaptures.count ? fieldCaptures[group - 1] : nil
    }

    /// Tries the structured rules in order on one CSV / JSON-lines record whose field values
    /// are in `values`; `field(rule, k)` is the range of the rule's field `k` (`Rule.fieldKeys`),
    /// nil when the record has no such field. The first rule whose conditions all hold decides.
    public func normalize(
        record values: UnsafeRawBufferPointer, source: SourceLocation, field: (_ rule: Int, _ key: Int) -> Range<Int>?
    ) -> LineOutcome {
        rules: for index in structuredRules {
            let rule = rules[index]
            for (key, condition) in rule.conditions {
                guard let range = field(index, key) else { continue rules }
                let value = UnsafeRawBufferPointer(rebasing: values[range])
                switch condition {
                case let .exact(bytes): if !value.elementsEqual(bytes) { continue rules }
                case let .glob(pattern): if !pattern.matches(utf8: value) { continue rules }
                case let .regex(regex):
                    switch regex.matches(value, scratch: scratch) {
                    case .matched: break
                    case .noMatch: continue rules
                    case let .limitExceeded(message): return .reject(rule: index, ticket: "", reason: "regex limit exceeded: \(message)")
                    case let .failed(message): return .reject(rule: index, ticket: "", reason: "regex error: \(message)")
                    }
                }
            }
            fieldCaptures.removeAll(keepingCapacity: true)
            for key in 0..<rule.captureCount { fieldCaptures.append(field(index, key)) }
            buildingRecord = true
            defer { buildingRecord = false }
            return build(rule: index, line: values, source: source)
        }
        return .noMatch
    }

    /// The CSV form of `normalize(record:source:field:)`: `fields` are the record's field ranges in
    /// `values`, and `columns[rule][k]` is the column of the rule's field `k` (-1: not in this file).
    public func normalize(
        record values: UnsafeRawBufferPointer, source: SourceLocation, fields: UnsafeBufferPointer<Range<Int>>, columns: [[Int]]
    ) -> LineOutcome {
        rules: for index in structuredRules {
            let rule = rules[index]
            let ruleColumns = columns[index]
            if !rule.conditions.isEmpty {
                let outcome = normalize(record: values, source: source) { ruleIndex, key in
                    let column = columns[ruleIndex][key]
                    return column >= 0 && column < fields.count ? fields[column] : nil
                }
                return outcome
            }
            fieldCaptures.removeAll(keepingCapacity: true)
            for key in 0..<rule.captureCount {
                let column = ruleColumns[key]
                fieldCaptures.append(column >= 0 && column < fields.count ? fields[column] : nil)
            }
            buildingRecord = true
            defer { buildingRecord = false }
            return build(rule: index, line: values, source: source)
        }
        return .noMatch
    }

    /// The index of the first structured rule, for problems of a record no rule could read (e.g. bad JSON).
    public var firstStructuredRule: Int? { rules.firstIndex { $0.isStructured } }

    private func build(rule index: Int, line: UnsafeRawBufferPointer, source: SourceLocation) -> LineOutcome {
        // `rules` keeps the rule alive: borrowed, not retained, per line (and its fields read in place).
        plans[index].rule._withUnsafeGuaranteedRef { build(rule: $0, index: index, line: line, source: source) }
    }

    @inline(__always)
    private func build(rule: Rule, index: Int, line: UnsafeRawBufferPointer, source: SourceLocation) -> LineOutcome {
        if rule.isDateLine { return dateLine(rule: index, line: line) }
        let ticketRange = capture(rule.ticketGroup) ?? 0..<0
        func reject(_ reason: String) -> LineOutcome { .reject(rule: index, ticket: Self.text(line, ticketRange), reason: reason) }
        var kind = EventKind.update
        var more: [EventKind] = []
        let plan = plans[index]
        if !rule.defersKind {
            guard let resolved = resolve(plan.kind, line) else { return reject(unknownValue(rule.kind, line)) }
            switch resolved {
            case let .event(k): kind = k
            case let .events(list): kind = list[0]; more = Array(list.dropFirst())
            case .ignore, .date: return .ignored(rule: index)
            }
        }
        guard let tsRange = capture(rule.timeGroup), !tsRange.isEmpty else {
            return reject("empty timestamp")
        }
        let time: Instant
        switch rule.timestamp.parse(UnsafeRawBufferPointer(rebasing: line[tsRange]), memo: &dateMemo) {
        case let .success(t): time = t
        case let .failure(f):
            return reject("bad timestamp '\(Self.text(line, tsRange))': \(f.reason)")
        }
        guard !ticketRange.isEmpty else { return reject("empty ticket id") }
        guard let requester = resolve(plan.requester, line) else { return reject(unknownValue(rule.requester, line)) }
        if hasThreads {
            lastReplyTo = .none
            if let group = rule.replyToGroup, let range = capture(group), !range.isEmpty {
                lastReplyTo = interner.intern(UnsafeRawBufferPointer(rebasing: line[range]))
            }
        }
        var status = Symbol.none
        if let group = rule.statusGroup, let range = capture(group), !range.isEmpty {
            status = interner.intern(UnsafeRawBufferPointer(rebasing: line[range]))
        }
        let event = Event(
            time: time, ticket: interner.intern(UnsafeRawBufferPointer(rebasing: line[ticketRange])), kind: kind, requester: requester,
            rule: UInt16(index), attributes: attributes(plan.attributes, line).rawValue, status: status, source: source)
        return more.isEmpty ? .event(event) : .events(first: event, more: more)
    }

    /// The value a mapping gives the line (nil: a captured value the table does not know).
    @inline(__always)
    private func resolve<Value: Sendable>(_ plan: MappingPlan<Value>, _ line: UnsafeRawBufferPointer) -> Value? {
        guard plan.group != 0 else { return plan.values[0] }
        let range = capture(plan.group) ?? 0..<0
        return plan.value(for: UnsafeRawBufferPointer(rebasing: line[range]))
    }

    /// Why a line's mapped value was refused.
    private func unknownValue<Value: Sendable>(_ mapping: FieldMapping<Value>, _ line: UnsafeRawBufferPointer) -> String {
        guard case let .mapped(group, groupName, _, _) = mapping else { return "" }
        return "unknown \(groupName) value '\(Self.text(line, capture(group) ?? 0..<0))'"
    }

    /// The last date the timestamp fast path read, for every rule's lines.
    @exclusivity(unchecked) private var dateMemo = TimestampParser.DateMemo()

    /// Where a line's attribute tuple is built (grown as needed). Plain memory: an array's appends
    /// (each a uniqueness check and a call) and its `removeAll` cost 450 instructions a line.
    @exclusivity(unchecked) private var tuple = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)

    /// The line's attribute values joined by U+001F, interned (see `Event.attributes`): each the
    /// captured group if non-empty, else the rule's fixed value, else empty (in ASCII lower case where
    /// the attribute folds case); trailing empties dropped; `.none` when the line carries none.
    private func attributes(_ plans: UnsafeMutableBufferPointer<AttributePlan>, _ line: UnsafeRawBufferPointer) -> Symbol {
        var count = 0, end = 0
        for slot in 0..<plans.count {
            let plan = plans[slot]
            var value = UnsafeRawBufferPointer(start: nil, count: 0)
            if plan.group != 0, let range = capture(plan.group), !range.isEmpty {
                value = UnsafeRawBufferPointer(rebasing: line[range])
            } else if let fixed = plan.fixed {
                value = fixed
            }
            if count + 1 + value.count > tuple.count { growTuple(to: count + 1 + value.count) }
            let base = tuple.baseAddress!
            if slot > 0 {
                base.storeBytes(of: AttributeTable.separator, toByteOffset: count, as: UInt8.self)
                count += 1
            }
            let start = count
            if let from = value.baseAddress, value.count > 0 {
                (base + count).copyMemory(from: from, byteCount: value.count)
                count += value.count
            }
            if plan.folds {
                for i in start..<count where (0x41...0x5A).contains(tuple[i]) { tuple[i] += 0x20 }
            }
            if count > 0 && tuple[count - 1] != AttributeTable.separator { end = count }
        }
        guard end > 0 else { return .none }
        return interner.intern(UnsafeRawBufferPointer(start: tuple.baseAddress, count: end))
    }

    /// Room for `needed` bytes in `tuple`, its bytes kept.
    @inline(never)
    private func growTuple(to needed: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(needed, 2 * tuple.count), alignment: 8)
        bigger.copyMemory(from: UnsafeRawBufferPointer(tuple))
        tuple.deallocate()
        tuple = bigger
    }

    /// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` or `YYYYMMDD` in the `date` group of a date line.
    private func dateLine(rule index: Int, line: UnsafeRawBufferPointer) -> LineOutcome {
        let range = capture(rules[index].timeGroup) ?? 0..<0
        let digits = line[range].filter { (0x30...0x39).contains($0) }.map { Int($0 - 0x30) }
        guard digits.count == 8, range.count == 8 || range.count == 10 else {
            return .reject(rule: index, ticket: "", reason: "bad date '\(Self.text(line, range))': expected YYYY-MM-DD")
        }
        let year = digits[0..<4].reduce(0) { $0 * 10 + $1 }, month = digits[4] * 10 + digits[5], day = digits[6] * 10 + digits[7]
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month) else {
            return .reject(rule: index, ticket: "", reason: "bad date '\(Self.text(line, range))': no such day")
        }
        return .date(rule: index, day: Int64(CivilDate(year: year, month: month, day: day).daysSinceEpoch))
    }

    /// The bytes as a String; invalid UTF-8 becomes U+FFFD.
    static func text(_ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: line[range]), as: UTF8.self)
    }

}
