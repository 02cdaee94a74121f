import SLACore

/// A ticket's state (docs/semantics.md §2); `incomplete` when its open is not in the input.
public enum TicketState: String, CaseIterable, Sendable {
    case active, waiting, resolved, incomplete
}

/// Outcome of one metric instance (docs/semantics.md §3).
public enum Outcome: String, CaseIterable, Sendable {
    case met, breached
    /// Still running at `as_of` and already over target.
    case ongoingBreach = "ongoing_breach"
    /// Still running at `as_of`, within target.
    case running
    /// Running, within target, but at or past the at-risk threshold.
    case atRisk = "at_risk"
    case unmeasured

    @inlinable public var isBreach: Bool { self == .breached || self == .ongoingBreach }
    /// Counts toward `measured` (met + breached, ongoing included).
    @inlinable public var isMeasured: Bool { self == .met || isBreach }
}

/// What ended a metric instance.
public enum StopReason: String, CaseIterable, Sendable {
    /// An agent reply (reply metrics) or the final resolve (resolution).
    case completed
    /// The ticket was resolved before any reply (reply metrics only):
    /// a breach if already over target, otherwise unmeasured.
    case resolvedWithoutReply = "resolved_without_reply"
    /// Not stopped by `as_of`.
    case running
}

/// One measurement of a metric on one ticket.
public struct MetricInstance: Sendable, Equatable {
    public var metric: Metric
    public var start: Instant
    /// When it stopped; nil while running at `as_of`.
    public var stop: Instant?
    public var stopReason: StopReason
    /// Business time counted, in milliseconds (elapsed so far if running).
    public var value: Milliseconds
    public var target: Milliseconds?
    /// Index of the policy whose target applies, nil for `none`.
    public var policy: Int?
    public var outcome: Outcome
    /// The event that stopped it, if any.
    public var stopSource: SourceLocation?

    /// How late: value − target for breaches, else nil.
    @inlinable public var overTarget: Milliseconds? {
        guard outcome.isBreach, let target else { return nil }
        return value - target
    }

    /// Whether the value is a completed duration (feeds mean/percentiles).
    @inlinable public var isStoppedDuration: Bool { stopReason == .completed }

    /// A wall-clock stretch that counted before the calendar is applied (one for reply metrics, the
    /// `active` stretches for resolution); an audit trail records them with the instance.
    public struct Span: Sendable, Equatable {
        public var start: Instant
        public var end: Instant
    }

    @inlinable
    public init(
        metric: Metric, start: Instant, stop: Instant?, stopReason: StopReason, value: Milliseconds, target: Milliseconds?,
        policy: Int?, outcome: Outcome, stopSource: SourceLocation?
    ) {
        self.metric = metric; self.start = start; self.stop = stop; self.stopReason = stopReason; self.value = value
        self.target = target; self.policy = policy; self.outcome = outcome; self.stopSource = stopSource
    }
}

/// Everything the report says about one ticket.
public struct TicketResult: Sendable, Equatable {
    public var ticket: String
    public var customer: String?
    public var priority: String?
    public var channel: String?
    public var agent: String?
    /// The pipeline's own attributes at `as_of`, in declared order (shorter when the last ones never appeared).
    public var extras: [String?] = []
    public var requester: Requester
    public var state: TicketState
    public var openedAt: Instant?
    public var openSource: SourceLocation?
    /// Latest entry into `resolved`, if the ticket is resolved at `as_of`.
    public var resolvedAt: Instant?
    public var reopens: Int
    /// Policy for the ticket's attributes at `as_of` (nil: `none`).
    public var policy: Int?
    public var firstResponse: MetricInstance?
    public var nextReplies: [MetricInstance]
    public var resolution: MetricInstance?

    @inlinable
    public init(
        ticket: String, customer: String?, priority: String?, channel: String?, agent: String?, extras: [String?] = [],
        requester: Requester, state: TicketState, openedAt: Instant?, openSource: SourceLocation?, resolvedAt: Instant?, reopens: Int,
        policy: Int?, firstResponse: MetricInstance?, nextReplies: [MetricInstance], resolution: MetricInstance?
    ) {
        self.ticket = ticket; self.customer = customer; self.priority = priority; self.channel = channel; self.agent = agent
        self.extras = extras; self.requester = requester; self.state = state; self.openedAt = openedAt; self.openSource = openSource
        self.resolvedAt = resolvedAt; self.reopens = reopens; self.policy = policy; self.firstResponse = firstResponse
        self.nextReplies = nextReplies; self.resolution = resolution
    }

    /// Calls `body` for each instance in metric order, without building an array.
    @inlinable
    public func forEachInstance(_ body: (MetricInstance) -> Void) {
        if let firstResponse { body(firstResponse) }
        for reply in nextReplies { body(reply) }
        if let resolution { body(resolution) }
    }

    /// The value of the pipeline's own attribute `index` (nil: never seen).
    @inlinable public func extra(_ index: Int) -> String? { index < extras.count ? extras[index] : nil }

    /// No metric instance is still running: with no event after as_of, the result is the same at
    /// any later as_of (docs/semantics.md §11, "Settled tickets are measured once").
    public var isSettled: Bool {
        var running = false
        forEachInstance { if $0.stopReason == .running { running = true } }
        return !running
    }

    public var isBreached: Bool {
        firstResponse?.outcome.isBreach == true || resolution?.outcome.isBreach == true || nextReplies.contains { $0.outcome.isBreach }
    }
}

/// An event the aggregate stage did not use, and why (duplicates, anomalies).
public struct SetAside: Sendable, Equatable {
    public enum Reason: String, CaseIterable, Sendable {
        case duplicate
        case beforeOpen = "before_open"
        case secondOpen = "second_open"
        /// A status no transition and no map entry of its rule covers (docs/semantics.md §1).
        case unmappedStatus = "unmapped_status"
    }
    public var reason: Reason
    public var source: SourceLocation
    public var rule: UInt16
    public var ticket: String

    public init(reason: Reason, source: SourceLocation, rule: UInt16, ticket: String) {
        self.reason = reason; self.source = source; self.rule = rule; self.ticket = ticket
    }
}
