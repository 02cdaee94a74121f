/// A sign that the pipeline's rules do not fit the logs (docs/semantics.md §8,
/// "A run that looks wrong"): the run is still complete, but says so loudly.
public struct RunWarning: Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case noEvents = "no_events"
        case incompleteTickets = "incomplete_tickets"
        case anomalies
        case ruleNeverMatched = "rule_never_matched"
        case policyNeverApplied = "policy_never_applied"
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) { self.code = code; self.message = message }

    public var description: String { "warning: \(message) [\(code.rawValue)]" }
}
