import Aggregate
import Definition
import Foundation
import Report
import SLACore

/// `slalog explain`: reads only the lines that mention one ticket, measures
/// it with an audit trail, and renders the trail as text.
public enum Explainer {
    /// The explanation, or nil when no event of `ticket` is in the inputs.
    public static func explain(_ definition: PipelineDefinition, ticket: String, options: RunOptions) throws -> String? {
        let (files, _) = try Runner.inputFiles(definition, options)
        var filtered = options
        filtered.lineFilter = definition.needsEveryLine ? nil : ticket
        let store = Runner.readAll(files, definition: definition, options: filtered)
        guard let symbol = store.symbols.lookup(ticket), let slot = store.ticketSymbols.firstIndex(of: symbol) else { return nil }
        var events: [Event] = []
        store.events.forEach { _, event in if event.ticket.rawValue == UInt32(slot) { events.append(event) } }
        // as_of: explicit, else the latest event of the *whole* input would need a full read;
        // explain uses the latest event it read, and says so.
        let asOf = options.asOf ?? store.latest ?? Instant(milliseconds: 0)
        let strings = store.strings()
        let trail = TrailRecorder()
        let evaluator = TimelineEvaluator(
            policies: definition.policies, strings: strings, asOf: asOf, mapping: definition.ticketMapping,
            attributes: store.attributeTable)
        let (result, _) = evaluator.evaluate(events, ticket: ticket, trail: trail)
        let context = ReportContext(
            inputs: files, ruleNames: definition.ruleNames, policyNames: definition.policyNames, attributes: definition.attributes)
        return ExplainReport(
            ticket: ticket, result: result, trail: trail.entries, policies: definition.policies, strings: strings,
            context: context, asOf: asOf,
            asOfSource: options.asOf != nil ? "--as-of" : "latest event among the lines read; pass --as-of to match a run",
            attributes: store.attributeTable
        ).text
    }
}

extension Explainer {
    /// `slalog explain PIPELINE --service NAME`: the service's timeline with file:line, its outages
    /// (counted or ignored, and why) and each period's arithmetic. Nil when the service is not in the inputs.
    public static func explainService(_ definition: PipelineDefinition, service: String, options: RunOptions) throws -> String? {
        let (files, _) = try Runner.inputFiles(definition, options)
        var filtered = options
        filtered.lineFilter = service
        let store = Runner.readAll(files, definition: definition, options: filtered)
        guard let symbol = store.symbols.lookup(service), let records = store.services.records[symbol] else { return nil }
        let asOf = options.asOf ?? store.latest ?? Instant(milliseconds: 0)
        let contract = definition.contract(forService: service)
        let (periods, outages) = ServiceMeasurer(contract: contract, asOf: asOf, atRiskFraction: definition.policies.atRiskFraction)
            .measure(records, service: service)
        let index = definition.services.firstIndex { $0.name.matches(service) }
        return ServiceExplainReport(
            service: service, contract: contract, contractIndex: index, records: records.sorted(by: ServiceRecord.order), periods: periods,
            outages: outages, asOf: asOf,
            asOfSource: options.asOf != nil ? "--as-of" : "latest event among the lines read; pass --as-of to match a run",
            inputs: files.map(Runner.displayName)
        ).text
    }
}
