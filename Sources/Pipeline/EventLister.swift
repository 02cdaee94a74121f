import Aggregate
import Definition
import Foundation
import Report
import SLACore

/// `slalog events`: what the rules make of the logs, one line per event in input
/// order, before anything is measured, so a pipeline author sees what a rule does.
public enum EventLister {
    /// One listed line: where it came from and what became of it.
    public struct Line: Sendable {
        public var source: SourceLocation
        /// Order among the lines of one source (a line with several events, a synthesized open).
        public var position: Int
        public var text: String
    }

    /// The lines for the pipeline's (or the options') inputs, in input order; `ticket` limits them to one ticket.
    public static func lines(_ definition: PipelineDefinition, options: RunOptions, ticket: String?) throws -> (
        lines: [Line], problems: [String]
    ) {
        let (files, expansion) = try Runner.inputFiles(definition, options)
        var reading = options
        reading.lineFilter = definition.needsEveryLine ? nil : ticket
        let store = Runner.readAll(files, definition: definition, options: reading)
        let names = files.map(Runner.displayName)
        let strings = store.strings()
        func place(_ source: SourceLocation) -> String { "\(names[Int(source.file)]):\(source.line)" }
        func rule(_ index: Int) -> String { index < definition.rules.count ? definition.rules[index].name : "?" }
        func text(_ symbol: Symbol) -> String? { symbol.isNone ? nil : strings[Int(symbol.rawValue)] }

        var lines: [Line] = []
        let attributeNames = ["customer", "priority", "channel", "agent"] + definition.attributes
        // Ticket events as the states will see them: transitions resolved, duplicates set aside.
        let evaluator = TimelineEvaluator(
            policies: definition.policies, strings: strings, asOf: Instant(milliseconds: .max), mapping: definition.ticketMapping,
            attributes: store.attributeTable)
        let (starts, order, _) = store.groupByTicket()
        for slot in 0..<store.ticketSymbols.count where starts[slot] < starts[slot + 1] {
            let name = strings[Int(store.ticketSymbols[slot].rawValue)]
            if let ticket, name != ticket { continue }
            let events = (starts[slot]..<starts[slot + 1]).map { store.events[Int(order[$0])] }
            let (prepared, _) = evaluator.prepared(events, ticket: name)
            // Everything set aside, the anomalies of the states included.
            let (_, setAside) = evaluator.evaluate(events, ticket: name)
            for (position, event) in prepared.enumerated() {
                var fields = [
                    place(event.source), rule(Int(event.rule)), event.time.iso8601, name, event.kind.description,
                ]
                var attributes: [String] = []
                for (slot, key) in attributeNames.enumerated() {
                    if let value = text(store.attributeTable.value(event.attributes, slot)) { attributes.append("\(key)=\(value)") }
                }
                if let value = text(event.status) { attributes.append("status=\(value)") }
                if event.kind == .open && event.requester == .agent { attributes.append("requester=agent") }
                fields.append(attributes.joined(separator: " "))
                lines.append(Line(source: event.source, position: position, text: fields.joined(separator: "\t")))
            }
            for aside in setAside {
                lines.append(
                    Line(
                        source: aside.source, position: Int.max,
                        text: [place(aside.source), rule(Int(aside.rule)), "", name, "SET ASIDE", aside.reason.rawValue].joined(
                            separator: "\t")
                    ))
            }
        }
        // Service events (docs/semantics.md §10), check results compressed into runs.
        for (symbol, records) in store.services.records {
            let service = strings[Int(symbol.rawValue)]
            if let ticket, service != ticket { continue }
            for record in records {
                let kind: String
                switch record.kind {
                case .down: kind = "service_down"
                case .up: kind = "service_up"
                case .maintenanceStart: kind = "maintenance_start"
                case .maintenanceEnd: kind = "maintenance_end"
                case let .checks(ok, count):
                    kind = "\(ok ? "check_ok" : "check_fail") ×\(count) until \(record.end.iso8601) (\(place(record.endSource)))"
                }
                lines.append(
                    Line(
                        source: record.source, position: 0,
                        text: [place(record.source), "", record.time.iso8601, service, kind, ""].joined(separator: "\t")))
            }
        }
        for (file, reject) in store.rejects {
            if let ticket, reject.ticket != ticket { continue }
            let source = SourceLocation(file: file, line: reject.line)
            lines.append(
                Line(
                    source: source, position: 0,
                    text: [place(source), rule(reject.rule), "", reject.ticket, "REJECT", reject.reason].joined(separator: "\t")))
        }
        lines.sort { ($0.source, $0.position) < ($1.source, $1.position) }
        var problems = expansion.map(\.description)
        for input in store.statistics { if let failure = input.failure { problems.append(Runner.problem(failure, input).description) } }
        return (lines, problems)
    }
}
