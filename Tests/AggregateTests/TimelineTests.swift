import SLACore
import TestSupport
import Testing

@testable import Aggregate

/// Builds one ticket's events tersely: minutes after 2026-03-02T00:00Z.
struct TicketScript {
    var interner = ByteInterner()
    var events: [Event] = []
    var attributes = AttributeTable()
    let ticket: Symbol
    var line: Int64 = 0

    init(_ id: String = "T1") { ticket = interner.intern(id) }

    static let base = Instant(year: 2026, month: 3, day: 2).milliseconds

    mutating func add(
        _ minute: Double, _ kind: EventKind, requester: Requester = .customer, customer: String = "",
        priority: String = "", channel: String = "", agent: String = "", file: Int32 = 0
    ) {
        line += 1
        let values = [customer, priority, channel, agent].map { interner.intern($0) }
        let joined = [customer, priority, channel, agent].joined(separator: "\u{1F}")
        let tuple = values.allSatisfy(\.isNone) ? 0 : attributes.id(of: interner.intern(joined)) { values }
        events.append(
            Event(
                time: Instant(milliseconds: Self.base + Int64(minute * 60_000)), ticket: ticket, kind: kind,
                requester: requester, attributes: tuple, source: SourceLocation(file: file, line: line)))
    }

    func evaluate(
        _ policies: [Policy] = [Policy(name: "p", targets: [.firstResponse: 3_600_000, .nextReply: 3_600_000, .resolution: 14_400_000])],
        asOfMinute: Double? = nil, atRisk: Double = 0.75, trail: TrailRecorder? = nil
    ) -> (TicketResult, [SetAside]) {
        let asOf = asOfMinute.map { Instant(milliseconds: Self.base + Int64($0 * 60_000)) } ?? events.map(\.time).max()!
        return TimelineEvaluator(
            policies: PolicySet(policies: policies, atRiskFraction: atRisk),
            strings: SymbolTexts(interner), asOf: asOf,
            attributes: attributes
        )
        .evaluate(events, ticket: "T1", trail: trail)
    }
}

let minute: Int64 = 60_000

extension TicketResult {
    /// All metric instances in metric order (test convenience).
    var instances: [MetricInstance] {
        var all: [MetricInstance] = []
        forEachInstance { all.append($0) }
        return all
    }
}

@Suite struct TimelineTests {
    @Test func firstResponseIsOpenToFirstAgentReply() {
        var s = TicketScript()
        s.add(0, .open); s.add(10, .customerMessage); s.add(25, .agentReply); s.add(40, .agentReply)
        let (t, _) = s.evaluate()
        #expect(t.firstResponse?.value == 25 * minute)
        #expect(t.firstResponse?.outcome == .met)
        #expect(t.nextReplies.isEmpty)  // no customer message after the first reply
    }

    @Test func valueEqualToTargetIsMetOneMillisecondMoreIsBreached() {
        var s = TicketScript()
        s.add(0, .open); s.add(60, .agentReply)
        #expect(s.evaluate().0.firstResponse?.outcome == .met)
        var late = TicketScript()
        late.add(0, .open); late.add(60.0 + 1.0 / 60_000, .agentReply)
        let (t, _) = late.evaluate()
        #expect(t.firstResponse?.outcome == .breached)
        #expect(t.firstResponse?.overTarget == 1)
    }

    @Test func nextReplyStartsAtFirstCustomerMessageAfterAReply() {
        var s = TicketScript()
        s.add(0, .open); s.add(5, .agentReply)
        s.add(10, .customerMessage); s.add(20, .customerMessage); s.add(100, .agentReply)  // 90 min: breached
        s.add(110, .customerMessage); s.add(115, .agentReply)  // 5 min: met
        let (t, _) = s.evaluate()
        #expect(t.nextReplies.map(\.value) == [90 * minute, 5 * minute])
        #expect(t.nextReplies.map(\.outcome) == [.breached, .met])
        #expect(t.isBreached)
    }

    @Test func pauseStopsResolutionClockButNotReplyClocks() {
        var s = TicketScript()
        s.add(0, .open); s.add(30, .pause); s.add(90, .agentReply); s.add(120, .resume); s.add(150, .resolve)
        let (t, _) = s.evaluate()
        #expect(t.firstResponse?.value == 90 * minute)  // not paused
        #expect(t.resolution?.value == (30 + 30) * minute)  // 0–30 and 120–150 active
        // The audit trail records the two active spans the resolution counted.
        let trail = TrailRecorder()
        _ = s.evaluate(trail: trail)
        let spans = trail.entries.compactMap { entry -> [MetricInstance.Span]? in
            guard case let .measurement(instance, spans, _, _) = entry, instance.metric == .resolution else { return nil }
            return spans
        }
        #expect(spans.first?.count == 2)
    }

    @Test func customerMessageOnWaitingTicketKeepsItWaiting() {
        var s = TicketScript()
        s.add(0, .open); s.add(10, .agentReply); s.add(20, .pause); s.add(50, .customerMessage); s.add(80, .resolve)
        let (t, _) = s.evaluate()
        #expect(t.resolution?.value == 20 * minute)
        #expect(t.reopens == 0)
        // The message started a next_reply instance that the resolve ended without a reply, within target.
        #expect(t.nextReplies.first?.stopReason == .resolvedWithoutReply)
        #expect(t.nextReplies.first?.outcome == .unmeasured)
    }

    @Test func reopenAddsToTheSameResolutionTotalAndIsCounted() {
        var s = TicketScript()
        s.add(0, .open); s.add(10, .agentReply); s.add(60, .resolve)
        s.add(600, .customerMessage)  // reopens the solved ticket
        s.add(630, .agentReply); s.add(660, .resolve)
        let (t, _) = s.evaluate()
        #expect(t.reopens == 1)
        #expect(t.resolution?.value == (60 + 60) * minute)
        #expect(t.resolvedAt == Instant(milliseconds: TicketScript.base + 660 * minute))
        #expect(t.nextReplies.map(\.value) == [30 * minute])
        #expect(t.state == .resolved)
    }

    @Test func resolveAfterResolveKeepsTheFirstResolveTime() {
        var s = TicketScript()
        s.add(0, .open); s.add(5, .agentReply); s.add(60, .resolve); s.add(120, .resolve)
        let (t, _) = s.evaluate()
        #expect(t.resolvedAt == Instant(milliseconds: TicketScript.base + 60 * minute))
        #expect(t.resolution?.value == 60 * minute)
        #expect(t.reopens == 0)
    }

    @Test func pauseFromResolvedIsAReopenToWaiting() {
        var s = TicketScript()
        s.add(0, .open); s.add(5, .agentReply); s.add(60, .resolve); s.add(70, .pause); s.add(100, .resume); s.add(130, .resolve)
        let (t, _) = s.evaluate()
        #expect(t.reopens == 1)
        #expect(t.resolution?.value == (60 + 30) * minute)
    }

    @Test func agentOpenedTicketsHaveNoFirstResponse() {
        var s = TicketScript()
        s.add(0, .open, requester: .agent); s.add(1, .agentReply); s.add(30, .customerMessage); s.add(45, .agentReply)
        let (t, _) = s.evaluate()
        #expect(t.firstResponse == nil)
        #expect(t.requester == .agent)
        #expect(t.nextReplies.map(\.value) == [15 * minute])
    }

    @Test func ticketWithoutOpenIsIncompleteAndUnmeasured() {
        var s = TicketScript()
        s.add(0, .agentReply, customer: "acme"); s.add(10, .resolve)
        let (t, aside) = s.evaluate()
        #expect(t.state == .incomplete)
        #expect(t.customer == "acme")
        #expect(t.instances.isEmpty)
        #expect(aside.isEmpty)
    }

    @Test func eventsBeforeOpenAndSecondOpensAreAnomalies() {
        var s = TicketScript()
        s.add(0, .customerMessage); s.add(10, .open); s.add(20, .open); s.add(30, .agentReply)
        let (t, aside) = s.evaluate()
        #expect(aside.map(\.reason) == [.beforeOpen, .secondOpen])
        #expect(t.firstResponse?.value == 20 * minute)
        #expect(t.nextReplies.isEmpty)
    }

    @Test func exactDuplicatesCountOnceEvenAcrossFiles() {
        var s = TicketScript()
        s.add(0, .open); s.add(10, .agentReply, agent: "a"); s.add(20, .customerMessage); s.add(30, .agentReply, agent: "a")
        let once = s.evaluate().0
        var twice = s
        for event in s.events {
            var copy = event; copy.source = SourceLocation(file: 1, line: event.source.line); twice.events.append(copy)
        }
        let (again, aside) = twice.evaluate()
        #expect(aside.count == 4 && aside.allSatisfy { $0.reason == .duplicate && $0.source.file == 1 })
        #expect(again.instances == once.instances)
        // Same time but another agent is not a duplicate.
        var other = TicketScript()
        other.add(0, .open); other.add(10, .agentReply, agent: "a"); other.add(10, .agentReply, agent: "b")
        #expect(other.evaluate().1.isEmpty)
    }

    @Test func equalTimesKeepInputOrder() {
        var s = TicketScript()
        s.add(0, .open); s.add(10, .agentReply); s.add(20, .resolve); s.add(20, .customerMessage)  // resolve then message → reopen
        let (t, _) = s.evaluate()
        #expect(t.reopens == 1 && t.state == .active)
        var reversed = TicketScript()
        reversed.add(0, .open); reversed.add(10, .agentReply); reversed.add(20, .customerMessage); reversed.add(20, .resolve)
        #expect(reversed.evaluate().0.state == .resolved)
    }

    @Test func runningMetricsAtAsOfOngoingBreachAtRiskAndRunning() {
        var s = TicketScript()
        s.add(0, .open)
        // FR target 60 min: at 30 min running, at 45 at risk (75 %), at 61 ongoing breach.
        #expect(s.evaluate(asOfMinute: 30).0.firstResponse?.outcome == .running)
        #expect(s.evaluate(asOfMinute: 45).0.firstResponse?.outcome == .atRisk)
        #expect(s.evaluate(asOfMinute: 44.9).0.firstResponse?.outcome == .running)
        let (late, _) = s.evaluate(asOfMinute: 61)
        #expect(late.firstResponse?.outcome == .ongoingBreach)
        #expect(late.firstResponse?.overTarget == minute)
        #expect(late.resolution?.outcome == .running)
        #expect(late.state == .active)
        #expect(s.evaluate(asOfMinute: 30, atRisk: 0.5).0.firstResponse?.outcome == .atRisk)
    }

    @Test func eventsAfterAsOfAreIgnored() {
        var s = TicketScript()
        s.add(0, .open); s.add(30, .agentReply); s.add(90, .resolve)
        let (t, _) = s.evaluate(asOfMinute: 20)
        #expect(t.firstResponse?.stop == nil)
        #expect(t.firstResponse?.value == 20 * minute)
        #expect(t.state == .active)
    }

    @Test func resolvedWithoutReplyIsBreachOnlyIfAlreadyLate() {
        var early = TicketScript()
        early.add(0, .open); early.add(30, .resolve)
        #expect(early.evaluate().0.firstResponse?.outcome == .unmeasured)
        var late = TicketScript()
        late.add(0, .open); late.add(90, .resolve)
        let fr = late.evaluate().0.firstResponse
        #expect(fr?.outcome == .breached && fr?.overTarget == 30 * minute && fr?.isStoppedDuration == false)
    }

    @Test func targetComesFromThePolicyMatchingWhenTheMetricStops() {
        let policies = [
            Policy(name: "urgent", priority: [GlobPattern("urgent")], targets: [.firstResponse: 15 * minute]),
            Policy(name: "normal", targets: [.firstResponse: 60 * minute]),
        ]
        var s = TicketScript()
        s.add(0, .open, priority: "normal"); s.add(10, .update, priority: "urgent"); s.add(20, .agentReply)
        let (t, _) = s.evaluate(policies)
        #expect(t.firstResponse?.target == 15 * minute)  // measured from the open, not from the change
        #expect(t.firstResponse?.outcome == .breached)
        #expect(t.policy == 0)
    }

    @Test func noPolicyMeansNoneAndNeverBreaches() {
        var s = TicketScript()
        s.add(0, .open, customer: "x"); s.add(600, .agentReply)
        let (t, _) = s.evaluate([Policy(name: "only-acme", customer: [GlobPattern("acme")], targets: [.firstResponse: 1])])
        #expect(t.policy == nil)
        #expect(t.firstResponse?.outcome == .unmeasured)
        #expect(t.firstResponse?.value == 600 * minute)
        #expect(!t.isBreached)
    }

    @Test func latestAttributeValueWins() {
        var s = TicketScript()
        s.add(0, .open, customer: "a", priority: "low"); s.add(5, .update, customer: "b"); s.add(6, .agentReply, agent: "z")
        let (t, _) = s.evaluate()
        #expect(t.customer == "b" && t.priority == "low" && t.agent == "z")
    }
}

@Suite struct PolicyTests {
    @Test func globsAndFirstMatchWins() {
        #expect(GlobPattern("acme-*").matches("acme-eu"))
        #expect(!GlobPattern("acme-*").matches("acme"))
        #expect(GlobPattern("a?c*").matches("abcdef"))
        #expect(GlobPattern("*").matches(""))
        #expect(!GlobPattern("ab").matches("abc"))
        let set = PolicySet(policies: [
            Policy(name: "gold", customer: [GlobPattern("acme"), GlobPattern("globex")], priority: [GlobPattern("urgent")], targets: [:]),
            Policy(name: "chat", channel: [GlobPattern("chat")], targets: [:]),
            Policy(name: "default", targets: [:]),
        ])
        #expect(set.match(customer: "globex", channel: "chat", priority: "urgent") == 0)
        #expect(set.match(customer: "globex", channel: "chat", priority: "low") == 1)
        #expect(set.match(customer: nil, channel: nil, priority: "urgent") == 2)  // absent values never match a condition
    }
}

/// A ticket's policy from the per-value policy masks (and, past 64 policies, the cache of combinations)
/// is the first policy `PolicySet.match` finds by testing every condition, for random policy lists and values.
@Suite struct PolicyLookupTests {
    @Test func policyMasksFindWhatMatchingEveryConditionFinds() {
        var rng = SeededGenerator(state: 41)
        var interner = ByteInterner()
        // Values with shared prefixes and suffixes, so globs hold for some and not others; none (symbol 0) too.
        let words = ["acme", "acme-eu", "acme1", "beta", "beta1", "chat", "email", "urgent", "low", "x"]
        let values = [Symbol.none] + (words + (0..<60).map { "c\($0)" }).map { interner.intern($0) }
        let patterns = ["acme", "acme*", "*1", "beta", "c1*", "c?", "chat", "*", "low", "urgent", "*e*"]
        let strings = SymbolTexts(interner)
        func conditions() -> [GlobPattern] {
            (0..<Int.random(in: 0...2, using: &rng)).map { _ in GlobPattern(patterns.randomElement(using: &rng)!) }
        }
        for count in [1, 3, 8, 64, 70] {
            let policies = (0..<count).map {
                Policy(name: "p\($0)", customer: conditions(), channel: conditions(), priority: conditions(), targets: [:])
            }
            let set = PolicySet(policies: policies)
            let evaluator = TimelineEvaluator(policies: set, strings: strings, asOf: Instant(milliseconds: 0))
            for _ in 0..<3_000 {
                var attributes = Attributes()
                attributes.customer = values.randomElement(using: &rng)!
                attributes.channel = values.randomElement(using: &rng)!
                attributes.priority = values.randomElement(using: &rng)!
                func text(_ symbol: Symbol) -> String? { symbol.isNone ? nil : strings[Int(symbol.rawValue)] }
                let expected = set.match(
                    customer: text(attributes.customer), channel: text(attributes.channel), priority: text(attributes.priority))
                #expect(evaluator.policyIndex(attributes) == expected, "\(count) policies")
                // Asked again (the last lookup is remembered).
                #expect(evaluator.policyIndex(attributes) == expected, "\(count) policies, again")
            }
        }
    }
}
