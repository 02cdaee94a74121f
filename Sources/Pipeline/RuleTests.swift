import Aggregate
import Definition
import Ingest
import Normalize
import Report
import SLACore

/// Runs a pipeline's rule tests (`slalog check`) and describes each failure as a readable diff.
public enum RuleTestRunner {
    public static func failures(_ definition: PipelineDefinition) -> [String] {
        definition.tests.enumerated().compactMap { index, test in
            failure(of: test, number: index + 1, definition: definition)
        }
    }

    static func failure(of test: RuleTest, number: Int, definition: PipelineDefinition) -> String? {
        let normalizer = LineNormalizer(rules: definition.rules, matchLimit: definition.matchLimit, depthLimit: definition.depthLimit)
        var events: [Event] = []
        var outcomes: [String] = []
        var parent: [Symbol: Symbol] = [:]
        var day = test.date
        var lastTimeOfDay: Int64?
        func dated(_ outcome: LineOutcome) -> LineOutcome {
            func date(_ event: inout Event) -> Bool {
                guard let timeOfDay = event.time.timeOfDay else { return true }
                guard var today = day else { return false }
                let zone = definition.rules[Int(event.rule)].timestamp.zone ?? .utc
                event.time = definition.timeOnly.instant(timeOfDay: timeOfDay, day: &today, lastTimeOfDay: &lastTimeOfDay, zone: zone)
                day = today
                return true
            }
            let undated = "a time-only stamp with no date: give the test a date: (YYYY-MM-DD) or a date line"
            switch outcome {
            case var .event(event):
                return date(&event) ? .event(event) : .reject(rule: Int(event.rule), ticket: "", reason: undated)
            case .events(var event, let more):
                return date(&event) ? .events(first: event, more: more) : .reject(rule: Int(event.rule), ticket: "", reason: undated)
            default: return outcome
            }
        }
        var columns = test.format.columns.map { $0.map { Array($0.utf8) } } ?? []
        if let header = test.header { columns = CSVScanner.headerRow(Array((header + "\n").utf8), delimiter: test.format.delimiter) }
        let rules = definition.rules
        var flattener = JSONFlattener()
        var values: [UInt8] = []
        var fields: [Range<Int>] = []
        for (index, line) in test.lines.enumerated() {
            let source = SourceLocation(file: 0, line: Int64(index + 1))
            var bytes = Array(line.utf8)
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            var outcome: LineOutcome
            switch test.format.kind {
            case .lines: outcome = bytes.withUnsafeBytes { normalizer.normalize($0, source: source) }
            case .jsonl:
                if let failure = bytes.withUnsafeBytes({ flattener.flatten($0) }) {
                    outcome = .reject(rule: normalizer.firstStructuredRule ?? 0, ticket: "", reason: ChunkParser.notARecord(failure))
                } else {
                    outcome = flattener.values.withUnsafeBytes { valueBytes in
                        normalizer.normalize(record: valueBytes, source: source) { rule, key in
                            flattener.value(of: rules[rule].fieldKeys[key])
                        }
                    }
                }
            case .csv:
                _ = bytes.withUnsafeBytes {
                    CSVScanner.record(in: $0, from: 0, delimiter: test.format.delimiter, values: &values, fields: &fields)
                }
                let row = fields
                let read = values.withUnsafeBytes { valueBytes in
                    normalizer.normalize(record: valueBytes, source: source) { rule, key in
                        guard let column = columns.firstIndex(of: rules[rule].fieldKeys[key]), column < row.count else { return nil }
                        return row[column]
                    }
                }
                // As in a run: a row whose field count differs from the header's is rejected if a rule reads it.
                if !columns.isEmpty && row.count != columns.count, let rule = read.rule {
                    outcome = .reject(
                        rule: rule, ticket: "", reason: ChunkParser.raggedRow(fields: row.count, columns: columns.count))
                } else {
                    outcome = read
                }
            }
            // Time-only stamps get the sample's date as a run's merger gives a file's (docs/semantics.md §1).
            if case let .date(_, newDay) = outcome {
                day = newDay
                lastTimeOfDay = nil
            }
            outcome = dated(outcome)
            switch outcome {
            case .noMatch: outcomes.append("unmatched")
            case let .ignored(rule): outcomes.append("ignored by rule \(definition.rules[rule].name)")
            case let .date(rule, day):
                outcomes.append("ignored by rule \(definition.rules[rule].name) (date line: \(CivilDate(daysSinceEpoch: Int(day))))")
            case let .reject(rule, _, reason): outcomes.append("rejected by rule \(definition.rules[rule].name): \(reason)")
            case let .event(event):
                events.append(event)
                outcomes.append("event")
                if !normalizer.lastReplyTo.isNone && parent[event.ticket] == nil { parent[event.ticket] = normalizer.lastReplyTo }
            case .events(var event, let more):
                if !normalizer.lastReplyTo.isNone && parent[event.ticket] == nil { parent[event.ticket] = normalizer.lastReplyTo }
                events.append(event)
                for kind in more {
                    event.kind = kind
                    events.append(event)
                }
                outcomes.append("event")
            }
        }
        // Threads: each message's events go to its thread's root (as MergedEvents.resolveThreads does).
        for index in events.indices {
            var seen: Set<Symbol> = [events[index].ticket]
            while let up = parent[events[index].ticket], seen.insert(up).inserted { events[index].ticket = up }
        }
        var interner = normalizer.takeInterner()
        // Attribute tuples as a run's merger would store them (pieces interned with the sample's strings).
        var table = AttributeTable(width: 4 + definition.attributes.count)
        for index in events.indices where events[index].attributes != 0 {
            let joined = Symbol(rawValue: events[index].attributes)
            events[index].attributes = table.id(of: joined) {
                AttributeTable.values(ofJoined: Array(interner.string(joined).utf8)) { bytes in
                    bytes.withUnsafeBytes { interner.intern($0) }
                }
            }
        }
        let strings = SymbolTexts(interner)
        let header = "test \(number)\(test.name.isEmpty ? "" : " (\(test.name))") at \(test.location) failed"
        switch test.expectation {
        case .unmatched, .ignored:
            let want = test.expectation.isUnmatched ? "unmatched" : "ignored"
            let bad = outcomes.enumerated().filter { !$0.element.hasPrefix(want) }
            guard !bad.isEmpty else { return nil }
            return ([header] + bad.map { "  line \($0.offset + 1): expected \(want), got \($0.element)" }).joined(separator: "\n")
        case let .reject(text):
            let bad = outcomes.enumerated().filter { !($0.element.hasPrefix("rejected") && $0.element.contains(text)) }
            guard !bad.isEmpty else { return nil }
            return ([header] + bad.map { "  line \($0.offset + 1): expected a reject containing '\(text)', got \($0.element)" })
                .joined(separator: "\n")
        case let .events(expected):
            // The events the states would see, per ticket, back in line order.
            let evaluator = TimelineEvaluator(
                policies: definition.policies, strings: strings, asOf: Instant(milliseconds: .max), mapping: definition.ticketMapping,
                attributes: table)
            var got: [(SourceLocation, Int, [String: String])] = []
            for ticket in Set(events.map(\.ticket)).sorted(by: { $0.rawValue < $1.rawValue }) {
                let (prepared, _) = evaluator.prepared(events.filter { $0.ticket == ticket }, ticket: strings[Int(ticket.rawValue)])
                for (position, event) in prepared.enumerated() {
                    got.append((event.source, position, describe(event, strings: strings, table: table, definition: definition)))
                }
            }
            got.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            let actual = got.map(\.2)
            let matches =
                actual.count == expected.count
                && zip(expected, actual).allSatisfy { want, have in want.allSatisfy { have[$0.key] == $0.value } }
            guard !matches else { return nil }
            var lines = [header]
            for i in 0..<max(expected.count, actual.count) {
                let want = i < expected.count ? render(expected[i], keys: RuleTest.fields) : nil
                let have =
                    i < actual.count
                    ? render(actual[i], keys: i < expected.count ? RuleTest.fields.filter { expected[i][$0] != nil } : RuleTest.fields)
                    : nil
                if want == have { lines.append("    event \(i + 1): \(want!)"); continue }
                if let want { lines.append("  - event \(i + 1): \(want)") }
                if let have {
                    let line = Int(got[i].0.line)
                    lines.append("  + event \(i + 1): \(have)  (line \(line), \(i < actual.count ? actual[i]["rule"] ?? "" : ""))")
                }
            }
            for (index, outcome) in outcomes.enumerated() where outcome != "event" {
                lines.append("    line \(index + 1): \(outcome)")
            }
            return lines.joined(separator: "\n")
        }
    }

    static func describe(_ event: Event, strings: SymbolTexts, table: AttributeTable, definition: PipelineDefinition) -> [String: String] {
        var fields: [String: String] = [
            "kind": event.kind.description, "ticket": strings[Int(event.ticket.rawValue)], "time": event.time.iso8601,
            "rule": definition.rules[Int(event.rule)].name, "requester": event.requester.description,
        ]
        let names = ["customer", "priority", "channel", "agent"] + definition.attributes
        for (slot, key) in names.enumerated() {
            let value = table.value(event.attributes, slot)
            if !value.isNone { fields[key] = strings[Int(value.rawValue)] }
        }
        if !event.status.isNone { fields["status"] = strings[Int(event.status.rawValue)] }
        return fields
    }

    static func render(_ fields: [String: String], keys: [String]) -> String {
        keys.compactMap { key in fields[key].map { key == "kind" ? $0 : "\(key)=\($0)" } }.joined(separator: " ")
    }
}
