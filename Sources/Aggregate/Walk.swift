import SLACore

/// The state machine of one ticket, fed its de-duplicated events in order.
struct Walk {
    let evaluator: TimelineEvaluator
    let ticket: String
    let trail: TrailRecorder?

    private var attributes = Attributes()
    private var opened: Event?
    private var beforeOpen: [Event] = []
    private var state = TicketState.incomplete
    private var reopens = 0
    private var resolvedAt: Instant?
    private var attributesAtResolve = Attributes()
    private var resolveSource: SourceLocation?
    private var activeSince: Instant?
    private var activeSpans: [MetricInstance.Span] = []
    private var firstResponseStart: Instant?
    private var firstResponse: MetricInstance?
    private var hadAgentReply = false
    private var nextReplyStart: Instant?
    private var nextReplies: [MetricInstance] = []

    init(evaluator: TimelineEvaluator, ticket: String, trail: TrailRecorder?) {
        self.evaluator = evaluator
        self.ticket = ticket
        self.trail = trail
    }

    mutating func apply(_ event: Event, setAside: inout [SetAside]) {
        guard opened != nil else {
            if event.kind == .open { open(event, setAside: &setAside) } else { beforeOpen.append(event) }
            return
        }
        if event.kind == .open {
            setAside.append(SetAside(reason: .secondOpen, source: event.source, rule: event.rule, ticket: ticket))
            trail?.note(event, "second open: anomaly, ignored")
            return
        }
        evaluator.update(&attributes, from: event)
        trail?.note(event, nil)
        switch event.kind {
        case .open, .update:
            break
        case .serviceDown, .serviceUp, .maintenanceStart, .maintenanceEnd, .checkFail, .checkOK, .heartbeat:
            break  // service events never reach a ticket (MergedEvents keeps them apart)
        case .customerMessage:
            if state == .resolved { transition(to: .active, at: event) }
            if hadAgentReply && nextReplyStart == nil {
                nextReplyStart = event.time
                trail?.say("next_reply #\(nextReplies.count + 1) starts (customer wrote after an agent reply)")
            }
        case .agentReply:
            stopReplyClocks(at: event.time, reason: .completed, source: event.source)
            hadAgentReply = true
        case .pause:
            transition(to: .waiting, at: event)
        case .resume, .reopen:
            transition(to: .active, at: event)
        case .resolve:
            transition(to: .resolved, at: event)
            stopReplyClocks(at: event.time, reason: .resolvedWithoutReply, source: event.source)
        }
    }

    private mutating func open(_ event: Event, setAside: inout [SetAside]) {
        for early in beforeOpen {
            setAside.append(SetAside(reason: .beforeOpen, source: early.source, rule: early.rule, ticket: ticket))
            trail?.note(early, "timed before the ticket's open: anomaly, ignored")
        }
        beforeOpen = []
        opened = event
        evaluator.update(&attributes, from: event)
        trail?.note(event, nil)
        state = .active
        activeSince = event.time
        trail?.say("state: active; resolution starts")
        if event.requester == .customer {
            firstResponseStart = event.time
            trail?.say("first_response starts")
        } else {
            trail?.say("opened by an agent: first_response is not measured")
        }
    }

    /// Sets the state an event names; naming the current state changes nothing.
    private mutating func transition(to new: TicketState, at event: Event) {
        guard new != state else {
            trail?.say("already \(state.rawValue): no change")
            return
        }
        if state == .active, let since = activeSince {
            if activeSpans.isEmpty { activeSpans.reserveCapacity(4) }  // as the replies: one allocation, not several
            activeSpans.append(.init(start: since, end: event.time))
        }
        if state == .resolved {
            reopens += 1
            trail?.say("reopen #\(reopens)")
        }
        if new == .active { activeSince = event.time }
        if new == .resolved {
            resolvedAt = event.time
            attributesAtResolve = attributes
            resolveSource = event.source
        }
        trail?.say("state: \(state.rawValue) → \(new.rawValue)")
        state = new
    }

    /// Ends the running reply clocks (first response, next reply) at `time`:
    /// by an agent reply (`completed`), by a resolve before any reply
    /// (`resolvedWithoutReply`: breached if already over target, otherwise
    /// unmeasured), or at `as_of` (`running`).
    private mutating func stopReplyClocks(at time: Instant, reason: StopReason, source: SourceLocation?) {
        let stop: Instant? = reason == .running ? nil : time
        if let start = firstResponseStart {
            firstResponse = instance(
                .firstResponse, start: start, stop: stop, reason: reason, span: .init(start: start, end: time), attributes: attributes,
                stopSource: source)
            firstResponseStart = nil
        }
        if let start = nextReplyStart {
            // Room for a few at once: grown one at a time, the list was reallocated for the second and the fourth.
            if nextReplies.isEmpty { nextReplies.reserveCapacity(4) }
            nextReplies.append(
                instance(
                    .nextReply, start: start, stop: stop, reason: reason, span: .init(start: start, end: time), attributes: attributes,
                    stopSource: source))
            nextReplyStart = nil
        }
    }

    mutating func finish() -> TicketResult {
        let asOf = evaluator.asOf
        guard let opened else {
            for event in beforeOpen {
                evaluator.update(&attributes, from: event); trail?.note(event, nil)
            }
            trail?.say("no open event in the input: incomplete ticket, metrics unmeasured")
            return result(requester: .customer, policy: nil)
        }
        stopReplyClocks(at: asOf, reason: .running, source: nil)
        if state == .resolved, let resolvedAt {
            resolution = instance(
                .resolution, start: opened.time, stop: resolvedAt, reason: .completed,
                spans: activeSpans, attributes: attributesAtResolve, stopSource: resolveSource)
        } else {
            var spans = activeSpans
            if state == .active, let since = activeSince { spans.append(.init(start: since, end: asOf)) }
            resolution = instance(
                .resolution, start: opened.time, stop: nil, reason: .running,
                spans: spans, attributes: attributes, stopSource: nil)
        }
        return result(requester: opened.requester, policy: evaluator.policyIndex(attributes))
    }

    private var resolution: MetricInstance?

    /// The result, taking the walk's lists (the walk ends here: its replies and extras move into the
    /// result instead of being copied, retained, and released with the walk).
    private mutating func result(requester: Requester, policy: Int?) -> TicketResult {
        var replies: [MetricInstance] = []
        swap(&replies, &nextReplies)
        var extras: [String?]? = nil
        swap(&extras, &attributes.extras)
        return TicketResult(
            ticket: ticket, customer: evaluator.attributeText(attributes.customer),
            priority: evaluator.attributeText(attributes.priority), channel: evaluator.attributeText(attributes.channel),
            agent: evaluator.attributeText(attributes.agent), extras: extras ?? [],
            requester: requester, state: state, openedAt: opened?.time, openSource: opened?.source,
            resolvedAt: state == .resolved ? resolvedAt : nil, reopens: reopens, policy: policy,
            firstResponse: firstResponse, nextReplies: replies, resolution: resolution)
    }

    /// Measures one instance on the calendar of the policy that matches the
    /// attributes at its stop (or at `as_of` while running).
    /// `span`: the one span of a reply metric, else `spans` (given to the audit trail, if any).
    private func instance(
        _ metric: Metric, start: Instant, stop: Instant?, reason: StopReason, span: MetricInstance.Span? = nil,
        spans: [MetricInstance.Span] = [], attributes: Attributes, stopSource: SourceLocation?
    ) -> MetricInstance {
        let policyIndex = evaluator.policyIndex(attributes)
        let policy = policyIndex.map { evaluator.policies.policies[$0] }
        let calendar = policy?.calendar ?? evaluator.alwaysOpen
        var value = spans.reduce(Milliseconds(0)) { $0 + calendar.duration(from: $1.start, to: $1.end) }
        if let span { value += calendar.duration(from: span.start, to: span.end) }
        let target = policy?.target(metric)
        let outcome: Outcome
        switch (reason, target) {
        case (.running, nil), (.completed, nil), (.resolvedWithoutReply, nil):
            outcome = reason == .running ? .running : .unmeasured
        case let (.completed, target?):
            outcome = value <= target ? .met : .breached
        case let (.resolvedWithoutReply, target?):
            outcome = value > target ? .breached : .unmeasured
        case let (.running, target?):
            if value > target {
                outcome = .ongoingBreach
            } else if Double(value) >= evaluator.policies.atRiskFraction * Double(target) {
                outcome = .atRisk
            } else {
                outcome = .running
            }
        }
        let measured = MetricInstance(
            metric: metric, start: start, stop: stop, stopReason: reason, value: value,
            target: target, policy: policyIndex, outcome: outcome, stopSource: stopSource)
        if let stop {
            let why = reason == .resolvedWithoutReply ? " (resolved before any reply)" : ""
            trail?.say("\(metric.rawValue) stops at \(stop.iso8601)\(why): \(formatSeconds(value)) s counted")
        }
        trail?.measured(measured, spans: span.map { [$0] } ?? spans, policyName: policy?.name ?? "none", calendar: calendar)
        return measured
    }
}
