import SLACore

/// The three metrics of docs/semantics.md §3.
public enum Metric: String, CaseIterable, Sendable {
    case firstResponse = "first_response"
    case nextReply = "next_reply"
    case resolution
}

/// One SLA policy: conditions on ticket attributes, a calendar, and targets.
/// A class: immutable and shared, so measuring never copies its tables.
public final class Policy: Sendable {
    public let name: String
    /// Glob patterns per attribute; an empty list matches anything, a
    /// non-empty list matches if any pattern matches (absent values never do).
    public let customer: [GlobPattern]
    public let channel: [GlobPattern]
    public let priority: [GlobPattern]
    /// Conditions on the pipeline's own attributes: (index in declared order, patterns).
    public let extras: [(index: Int, patterns: [GlobPattern])]
    public let calendar: BusinessCalendar
    /// Target per metric in milliseconds of calendar time; a missing target never breaches.
    public let targets: [Metric: Milliseconds]
    /// `targets` by metric, read per metric instance (a dictionary lookup hashes each time).
    private let firstResponseTarget: Milliseconds?, nextReplyTarget: Milliseconds?, resolutionTarget: Milliseconds?

    public init(
        name: String, customer: [GlobPattern] = [], channel: [GlobPattern] = [], priority: [GlobPattern] = [],
        extras: [(index: Int, patterns: [GlobPattern])] = [], calendar: BusinessCalendar = .alwaysOpen, targets: [Metric: Milliseconds]
    ) {
        self.name = name; self.customer = customer; self.channel = channel; self.priority = priority; self.extras = extras
        self.calendar = calendar; self.targets = targets
        firstResponseTarget = targets[.firstResponse]; nextReplyTarget = targets[.nextReply]; resolutionTarget = targets[.resolution]
    }

    /// The same policy in an object of its own, its calendar too (see `PolicySet.copy()`).
    public func copy() -> Policy {
        Policy(
            name: name, customer: customer, channel: channel, priority: priority, extras: extras, calendar: calendar.copy(),
            targets: targets)
    }

    /// The target of `metric` (nil: none, never breaches).
    @inline(__always)
    public func target(_ metric: Metric) -> Milliseconds? {
        switch metric {
        case .firstResponse: firstResponseTarget
        case .nextReply: nextReplyTarget
        case .resolution: resolutionTarget
        }
    }

    /// Whether every condition holds for these attribute values.
    public func matches(customer c: String?, channel ch: String?, priority p: String?, extras values: [String?] = []) -> Bool {
        Self.holds(customer, c) && Self.holds(channel, ch) && Self.holds(priority, p)
            && extras.allSatisfy { Self.holds($0.patterns, $0.index < values.count ? values[$0.index] : nil) }
    }

    /// Whether one attribute's condition holds for its value.
    static func holds(_ patterns: [GlobPattern], _ value: String?) -> Bool {
        if patterns.isEmpty { return true }
        guard let value else { return false }
        return patterns.contains { $0.matches(value) }
    }
}

/// The ordered policy list: the first policy whose conditions all match applies.
public struct PolicySet: Sendable {
    public var policies: [Policy] {
        didSet { readsExtras = policies.contains { !$0.extras.isEmpty } }
    }
    /// Fraction of a target at which a running instance is `at_risk` (default 0.75).
    public var atRiskFraction: Double

    public init(policies: [Policy], atRiskFraction: Double = 0.75) {
        self.policies = policies; self.atRiskFraction = atRiskFraction
        readsExtras = policies.contains { !$0.extras.isEmpty }
    }

    /// The same policies in objects of their own (policies, calendars, zones), for one measuring
    /// thread. A metric instance retains and releases its policy, calendar and zone: on objects
    /// shared by the workers, each of those atomic counts moved a cache line between the cores.
    public func copy() -> PolicySet {
        PolicySet(policies: policies.map { $0.copy() }, atRiskFraction: atRiskFraction)
    }

    /// Index of the first matching policy, or nil (reported as policy `none`).
    public func match(customer: String?, channel: String?, priority: String?, extras: [String?] = []) -> Int? {
        policies.firstIndex { $0.matches(customer: customer, channel: channel, priority: priority, extras: extras) }
    }

    /// True when a policy has a condition on one of the pipeline's own attributes.
    public private(set) var readsExtras = false
}
