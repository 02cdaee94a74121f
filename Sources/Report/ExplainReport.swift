import Aggregate
import SLACore

/// `slalog explain`: one ticket's audit trail in words, for a person who
/// must show from the raw logs how each number was computed.
public struct ExplainReport {
    public var ticket: String
    public var result: TicketResult
    public var trail: [TrailRecorder.Entry]
    public var policies: PolicySet
    public var strings: SymbolTexts
    public var context: ReportContext
    public var asOf: Instant
    public var asOfSource: String
    /// The attribute values of the events' tuple ids.
    public var attributeTable: AttributeTable

    public init(
        ticket: String, result: TicketResult, trail: [TrailRecorder.Entry], policies: PolicySet, strings: SymbolTexts,
        context: ReportContext, asOf: Instant, asOfSource: String, attributes: AttributeTable = AttributeTable()
    ) {
        self.ticket = ticket; self.result = result; self.trail = trail; self.policies = policies; self.strings = strings
        self.context = context; self.asOf = asOf; self.asOfSource = asOfSource; self.attributeTable = attributes
    }

    public var text: String {
        var out: [String] = []
        let r = result
        out.append("Ticket \(ticket)")
        out.append("  as of \(asOf.iso8601) (\(asOfSource)); events after it are ignored")
        let attributes = [("customer", r.customer), ("priority", r.priority), ("channel", r.channel), ("agent", r.agent)]
            .map { "\($0.0) \($0.1 ?? "(none)")" }.joined(separator: " · ")
        out.append("  \(attributes) · opened by the \(r.requester)")
        switch r.state {
        case .incomplete:
            out.append("  state: INCOMPLETE: the ticket's open event is not in the input, so nothing is measured")
        case .resolved:
            out.append(
                "  state at as_of: resolved since \(r.resolvedAt?.iso8601 ?? "?")\(r.reopens > 0 ? ", reopened \(r.reopens) time(s)" : "")")
        case .active, .waiting:
            out.append("  state at as_of: \(r.state.rawValue)\(r.reopens > 0 ? ", reopened \(r.reopens) time(s)" : "")")
        }
        out.append("")
        out.append("Policy (the first policy whose conditions all match the ticket's attributes at as_of)")
        out += policyLines(customer: r.customer, channel: r.channel, priority: r.priority)
        var perMetric: [String] = []
        r.forEachInstance { i in
            let name = i.policy.map { policies.policies[$0].name } ?? "none"
            let target = i.target.map { "target \(formatSeconds($0)) s" } ?? "no target"
            let when = i.stop.map { "at its stop \($0.iso8601)" } ?? "at as_of (running)"
            let flag = i.stopReason == .resolvedWithoutReply ? ", resolved without reply" : ""
            perMetric.append("  \(i.metric.rawValue): policy \(name), \(target) (attributes \(when)\(flag))")
        }
        if !perMetric.isEmpty {
            out.append("Target of each metric (the policy matching the ticket's attributes when the metric stopped)")
            out += perMetric
        }
        out.append("")
        out.append("Timeline (time order; equal times in input order)")
        for entry in trail {
            switch entry {
            case let .event(event, note):
                out.append(
                    "  \(event.time.iso8601)  \(event.kind.description.padded(16)) \(context.inputs[Int(event.source.file)]):\(event.source.line)  rule \(context.ruleNames[Int(event.rule)])\(eventAttributes(event))"
                )
                if let note { out.append("      ! \(note)") }
            case let .step(text):
                out.append("      → \(text)")
            case .measurement:
                break
            }
        }
        out.append("")
        out.append("Measurements")
        for entry in trail {
            guard case let .measurement(instance, spans, policyName, calendar) = entry else { continue }
            out += measurementLines(instance, spans: spans, policyName: policyName, calendar: calendar)
        }
        if r.firstResponse == nil && r.state != .incomplete {
            out.append("  first_response: not measured (the ticket was opened by an agent)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func eventAttributes(_ event: Event) -> String {
        let names = ["customer", "priority", "channel", "agent"] + context.attributes
        let pairs = (0..<attributeTable.width).compactMap { slot -> String? in
            let value = attributeTable.value(event.attributes, slot)
            return value.isNone || slot >= names.count ? nil : "\(names[slot])=\(strings[Int(value.rawValue)])"
        }
        let requester = event.kind == .open && event.requester == .agent ? ["requester=agent"] : []
        let all = pairs + requester
        return all.isEmpty ? "" : "  " + all.joined(separator: " ")
    }

    private func policyLines(customer: String?, channel: String?, priority: String?) -> [String] {
        var lines: [String] = []
        for (index, policy) in policies.policies.enumerated() {
            let checks = [
                ("customer", policy.customer, customer), ("channel", policy.channel, channel), ("priority", policy.priority, priority),
            ]
            .filter { !$0.1.isEmpty }
            .map { name, patterns, value -> String in
                let ok = value.map { v in patterns.contains { $0.matches(v) } } ?? false
                return "\(name) \(value ?? "(none)") \(ok ? "matches" : "does not match") [\(patterns.map(\.text).joined(separator: ", "))]"
            }
            let matches = policy.matches(customer: customer, channel: channel, priority: priority)
            let conditions = checks.isEmpty ? "no conditions" : checks.joined(separator: "; ")
            lines.append("  \(index + 1). \(policy.name): \(conditions)\(matches ? "  ← APPLIES (calendar \(policy.calendar.name))" : "")")
            if matches { return lines }
        }
        lines.append("  no policy matches: reported under policy none, never breaches")
        return lines
    }

    private func measurementLines(_ i: MetricInstance, spans: [MetricInstance.Span], policyName: String, calendar: BusinessCalendar)
        -> [String]
    {
        var lines: [String] = []
        let target = i.target.map { "target \(formatSeconds($0)) s" } ?? "no target"
        let verdict: String
        switch i.outcome {
        case .met: verdict = "MET"
        case .breached: verdict = "BREACHED by \(formatSeconds(i.overTarget ?? 0)) s"
        case .ongoingBreach: verdict = "ONGOING BREACH at as_of, over by \(formatSeconds(i.overTarget ?? 0)) s"
        case .running: verdict = "running at as_of"
        case .atRisk: verdict = "AT RISK at as_of (≥ \(Int(policies.atRiskFraction * 100))% of target)"
        case .unmeasured:
            verdict =
                i.stopReason == .resolvedWithoutReply ? "unmeasured (resolved without a reply, within target)" : "unmeasured (no target)"
        }
        let how =
            i.stopReason == .running ? " elapsed so far" : (i.stopReason == .resolvedWithoutReply ? " until the resolve (no reply)" : "")
        let stop = i.stop.map(\.iso8601) ?? "as_of " + asOf.iso8601
        lines.append(
            "  \(i.metric.rawValue): \(formatSeconds(i.value)) s\(how), \(target) (policy \(policyName), calendar \(calendar.name)): \(verdict)"
        )
        lines.append("      from \(i.start.iso8601) to \(stop)")
        var previousEnd: Instant?
        for span in spans {
            if let previousEnd, previousEnd < span.start {
                lines.append("      not counted  \(previousEnd.iso8601) → \(span.start.iso8601)  (ticket waiting or resolved)")
            }
            lines += spanLines(span, calendar: calendar)
            previousEnd = span.end
        }
        return lines
    }

    /// Business time counted inside one span, and what was skipped.
    private func spanLines(_ span: MetricInstance.Span, calendar: BusinessCalendar) -> [String] {
        guard let zone = calendar.zone else {
            return [
                "      counted      \(span.start.iso8601) → \(span.end.iso8601)  \(formatSeconds(span.end.milliseconds - span.start.milliseconds)) s (24x7)"
            ]
        }
        var lines: [String] = []
        var cursor = span.start.milliseconds
        calendar.forEachBusinessInterval(from: span.start, to: span.end) { start, end in
            if start > cursor { lines.append(skipped(cursor, start, calendar: calendar, zone: zone)) }
            lines.append(
                "      counted      \(Instant(milliseconds: start).iso8601) → \(Instant(milliseconds: end).iso8601)  \(formatSeconds(end - start)) s  (\(local(start, end, zone)))"
            )
            cursor = end
        }
        if span.end.milliseconds > cursor { lines.append(skipped(cursor, span.end.milliseconds, calendar: calendar, zone: zone)) }
        return lines
    }

    private func skipped(_ from: Int64, _ to: Int64, calendar: BusinessCalendar, zone: ZoneRules) -> String {
        // Name what the gap covers: holidays, closed weekdays, or hours outside business hours.
        var reasons: [String] = []
        var day = zone.local(from).day
        let lastDay = zone.local(to - 1).day
        while day <= lastDay {
            let date = CivilDate(daysSinceEpoch: Int(day))
            if calendar.holidays.contains(date) {
                reasons.append("holiday \(date.description)")
            } else if calendar.hours[date.isoWeekday].isEmpty {
                reasons.append("closed \(date.weekdayAbbreviation) \(date.description)")
            }
            day += 1
        }
        let why = reasons.isEmpty ? "outside business hours" : "outside business hours: " + reasons.joined(separator: ", ")
        return
            "      skipped      \(Instant(milliseconds: from).iso8601) → \(Instant(milliseconds: to).iso8601)  (\(why); \(local(from, to, zone)))"
    }
}

/// `Tue 2026-03-03 09:00 → 12:00 Europe/Berlin`: a span in the calendar's local time.
private func local(_ from: Int64, _ to: Int64, _ zone: ZoneRules) -> String {
    func parts(_ utc: Int64) -> (date: CivilDate, clock: String) {
        let local = zone.local(utc)
        return (CivilDate(daysSinceEpoch: Int(local.day)), clockText(local.millisecondOfDay))
    }
    let a = parts(from), b = parts(to)
    let start = "\(a.date.weekdayAbbreviation) \(a.date.description) \(a.clock)"
    let end = a.date == b.date ? b.clock : "\(b.date.weekdayAbbreviation) \(b.date.description) \(b.clock)"
    return "local \(start) → \(end) \(zone.identifier)"
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
