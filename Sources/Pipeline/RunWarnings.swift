import Aggregate
import Definition
import Report

enum RunWarnings {
    /// The checks of docs/semantics.md §8, in their documented order.
    static func check(
        _ statistics: RunStatistics, secondOpens: Int, beforeOpen: Int, ruleMatches: [Int64], policyUses: [Int],
        definition: PipelineDefinition
    ) -> [RunWarning] {
        var warnings: [RunWarning] = []
        let limits = definition.warnings
        if statistics.lines > 0 && statistics.events == 0 {
            warnings.append(
                RunWarning(
                    code: .noEvents,
                    message: "\(statistics.lines) lines were read but none became an event: do the rules' patterns fit these logs?"))
        }
        let tickets = statistics.tickets
        if tickets > 0 && Double(statistics.incomplete) > limits.incomplete * Double(tickets) {
            warnings.append(
                RunWarning(
                    code: .incompleteTickets,
                    message:
                        "\(statistics.incomplete) of \(tickets) tickets (\(percent(statistics.incomplete, tickets))) are incomplete, above warnings.incomplete \(percent(limits.incomplete)): their open event is not in the input (does a rule produce `open`? are earlier logs missing?)"
                ))
        }
        let anomalies = secondOpens + beforeOpen
        if tickets > 0 && Double(anomalies) > limits.anomalies * Double(tickets) {
            warnings.append(
                RunWarning(
                    code: .anomalies,
                    message:
                        "\(secondOpens) second opens and \(beforeOpen) events before an open for \(tickets) tickets (\(percent(anomalies, tickets))), above warnings.anomalies \(percent(limits.anomalies)): does a rule make `open` of events that are not a ticket's first? (see rejects.csv)"
                ))
        }
        if statistics.events > 0 {
            for (index, rule) in definition.rules.enumerated() where index >= ruleMatches.count || ruleMatches[index] == 0 {
                warnings.append(RunWarning(code: .ruleNeverMatched, message: "rule '\(rule.name)' matched no line"))
            }
        }
        if tickets > 0 {
            for (index, policy) in definition.policies.policies.enumerated() where index >= policyUses.count || policyUses[index] == 0 {
                warnings.append(
                    RunWarning(code: .policyNeverApplied, message: "policy '\(policy.name)' supplied the target of no metric instance"))
            }
        }
        return warnings
    }

    private static func percent(_ part: Int, _ whole: Int) -> String { percent(Double(part) / Double(whole)) }

    private static func percent(_ share: Double) -> String {
        let value = (share * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value)) %" : "\(value) %"
    }
}
