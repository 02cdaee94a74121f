import SLACore
import TestSupport
import Testing

@testable import Aggregate

@Suite struct SummaryTests {
    @Test func nearestRankPercentiles() {
        let stats = MetricStats()
        let values: [Milliseconds] = (1...10).map { Milliseconds($0) }
        #expect(stats.percentile(50, sorted: values) == 5)  // ceil(5) = 5
        #expect(stats.percentile(90, sorted: values) == 9)
        #expect(stats.percentile(95, sorted: values) == 10)  // ceil(9.5) = 10
        #expect(stats.percentile(50, sorted: [7]) == 7)
        #expect(stats.percentile(50, sorted: [1, 2, 3]) == 2)  // ceil(1.5) = 2
        #expect(stats.percentile(90, sorted: []) == nil)
    }

    @Test func complianceRoundsHalfUpToHundredths() {
        var stats = MetricStats()
        stats.measured = 3; stats.met = 2
        #expect(stats.complianceHundredths == 6667)
        stats.measured = 8; stats.met = 1
        #expect(stats.complianceHundredths == 1250)
        stats.measured = 0
        #expect(stats.complianceHundredths == nil)
    }

    @Test func meansRoundToTheMillisecond() {
        #expect(MetricStats.mean(total: 10, count: 4) == 3)  // 2.5 → 3
        #expect(MetricStats.mean(total: 10, count: 3) == 3)
        #expect(MetricStats.mean(total: 0, count: 0) == nil)
    }

    @Test func isoWeeksAcrossYearEnds() {
        #expect(Summarizer.isoWeek(CivilDate(year: 2026, month: 1, day: 1)) == "2026-W01")  // Thursday
        #expect(Summarizer.isoWeek(CivilDate(year: 2027, month: 1, day: 1)) == "2026-W53")  // Friday of 2026's week 53
        #expect(Summarizer.isoWeek(CivilDate(year: 2024, month: 12, day: 30)) == "2025-W01")
        #expect(Summarizer.isoWeek(CivilDate(year: 2026, month: 3, day: 2)) == "2026-W10")
    }

    /// The one-dimension index finds a group by its hash and then its key: groups whose hashes are
    /// equal (forced here: real 64-bit hashes rarely are) stay apart, across the table's growth.
    @Test func singleKeyIndexKeepsGroupsWithEqualHashesApart() {
        var index = SingleKeyIndex()
        // Same-length keys and the empty key; 7 hashes for 201 keys (the same tag: long collision chains
        // whose slots only the key's bytes tell apart), through several growths of the table.
        let keys = [""] + (0..<200).map { "customer-\($0 + 100)" }
        func hash(_ key: Int) -> UInt64 { UInt64(key % 7) }
        func find(_ key: String, hash: UInt64) -> Int? {
            var key = key
            return key.withUTF8 { index.find(UnsafeRawBufferPointer($0), hash: hash) }
        }
        for (group, key) in keys.enumerated() {
            #expect(find(key, hash: hash(group)) == nil)
            var key = key
            key.withUTF8 { index.insert(UnsafeRawBufferPointer($0), hash: hash(group), group: group) }
        }
        for (group, key) in keys.enumerated() {
            #expect(find(key, hash: hash(group)) == group)
        }
        #expect(find("customer-999", hash: 3) == nil)
        #expect(find("customer-10", hash: 3) == nil)  // a prefix of stored keys
        #expect(find("customer-1000", hash: 3) == nil)  // one of them followed by more
        #expect(find(keys[5], hash: 99) == nil)  // the right key under another hash
    }

    /// Rows come in byte order of the key values, value by value (a prefix first, NUL and
    /// non-ASCII bytes included), against a plain element-wise sort of the UTF-8 arrays.
    @Test func rowsAreInByteOrderOfTheirKeys() {
        let values = ["", "a", "ab", "a\u{0}", "a\u{0}b", "a\u{1}", "b", "B", "é", "\u{FF}", "z\u{0}\u{0}", "zz"]
        var summarizer = Summarizer(dimensions: [.customer, .agent], policyNames: ["p"])
        var expected: [[String]] = []
        var random = SystemRandomNumberGenerator()
        for customer in values.shuffled(using: &random) {
            for agent in values.shuffled(using: &random).prefix(5) {
                var s = TicketScript()
                s.add(0, .open, customer: customer, agent: agent)
                summarizer.add(s.evaluate().0)
                expected.append([customer, agent])
            }
        }
        expected.sort { $0.lexicographicallyPrecedes($1) { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
        #expect(summarizer.rows().map(\.key) == expected)
    }

    /// Group values are bytes: the two spellings of é (one code point; e + combining accent) are two
    /// groups, as they are two values in tickets.csv (docs/semantics.md §6).
    @Test func canonicallyEquivalentSpellingsAreTwoGroups() {
        var summarizer = Summarizer(dimensions: [.customer], policyNames: ["p"])
        var twoDimensions = Summarizer(dimensions: [.customer, .agent], policyNames: ["p"])
        for customer in ["caf\u{E9}", "cafe\u{301}", "caf\u{E9}"] {
            var s = TicketScript()
            s.add(0, .open, customer: customer, agent: "a")
            summarizer.add(s.evaluate().0)
            twoDimensions.add(s.evaluate().0)
        }
        let rows = summarizer.rows()
        #expect(rows.map { Array($0.key[0].utf8) } == [Array("cafe\u{301}".utf8), Array("caf\u{E9}".utf8)])
        #expect(rows.map(\.tickets) == [1, 2])
        #expect(twoDimensions.rows().map(\.tickets) == [1, 2])
    }

    @Test func groupsByCustomerAndMonthInAZone() {
        var s = TicketScript()
        s.add(0, .open, customer: "acme"); s.add(10, .agentReply)
        let (t, _) = s.evaluate()
        let berlin = ZoneRules(identifier: "America/New_York")!
        var summarizer = Summarizer(dimensions: [.customer, .month, .day], zone: berlin, policyNames: ["p"])
        summarizer.add(t)
        // 2026-03-02T00:00Z is still March 1 in New York.
        #expect(summarizer.rows().map(\.key) == [["acme", "2026-03", "2026-03-01"]])
        #expect(summarizer.rows()[0][.firstResponse].met == 1)
    }

    /// A group keeps the values of all three metrics in one list: each metric's durations in the rows
    /// are exactly its own values, ascending, also when merged from other summarizers and for zero,
    /// negative and very large values (a plain per-metric model, sorted separately).
    @Test func eachMetricGetsItsOwnValuesFromTheGroupsOneList() {
        var random = SystemRandomNumberGenerator()
        var whole = Summarizer(dimensions: [.customer], policyNames: ["p"])
        var parts = [Summarizer](repeating: Summarizer(dimensions: [.customer], policyNames: ["p"]), count: 3)
        var model: [Metric: [Milliseconds]] = [:]
        let special: [Milliseconds] = [0, -1, -86_400_000, 1 << 50, -(1 << 50), 1, 999]
        for n in 0..<400 {
            func instance(_ metric: Metric) -> MetricInstance {
                let value = n < special.count ? special[n] : Milliseconds.random(in: -5_000...10_000_000, using: &random)
                model[metric, default: []].append(value)
                return MetricInstance(
                    metric: metric, start: Instant(milliseconds: 0), stop: Instant(milliseconds: value), stopReason: .completed,
                    value: value, target: nil, policy: nil, outcome: .met, stopSource: nil)
            }
            let replies = (0..<Int.random(in: 0...3, using: &random)).map { _ in instance(.nextReply) }
            let ticket = TicketResult(
                ticket: "T\(n)", customer: "acme", priority: nil, channel: nil, agent: nil, requester: .customer, state: .resolved,
                openedAt: Instant(milliseconds: 0), openSource: nil, resolvedAt: nil, reopens: 0, policy: nil,
                firstResponse: Bool.random(using: &random) ? instance(.firstResponse) : nil, nextReplies: replies,
                resolution: instance(.resolution))
            whole.add(ticket)
            parts[n % 3].add(ticket)
        }
        var merged = parts[0]
        merged.merge(parts[1])
        merged.merge(parts[2])
        for rows in [whole.rows(), merged.rows()] {
            #expect(rows.count == 1)
            for metric in Metric.allCases {
                #expect(Array(rows[0][metric].durations) == (model[metric] ?? []).sorted(), "\(metric)")
                #expect(rows[0][metric].measured == (model[metric] ?? []).count)
            }
        }
    }

    /// Groups' values are sorted on several threads when there are many groups: every group's
    /// values by metric, ascending, as a per-group, per-metric model has them, and the rows in key order.
    @Test(arguments: [1, 2, 3, 8])
    func manyGroupsSortedOnThreadsMatchTheModel(threads: Int) {
        var random = SeededGenerator(state: UInt64(threads))
        var summary = Summarizer(dimensions: [.customer], policyNames: ["p"])
        var model: [String: [Metric: [Milliseconds]]] = [:]
        for n in 0..<6_000 {
            // Group sizes from 1 to hundreds: customer c0 gets the most tickets.
            let customer = "c\(Int.random(in: 0..<500, using: &random) % (1 + n % 500))"
            func instance(_ metric: Metric) -> MetricInstance {
                let value = Milliseconds.random(in: -5_000...100_000_000, using: &random)
                model[customer, default: [:]][metric, default: []].append(value)
                return MetricInstance(
                    metric: metric, start: Instant(milliseconds: 0), stop: Instant(milliseconds: value), stopReason: .completed,
                    value: value, target: nil, policy: nil, outcome: .met, stopSource: nil)
            }
            let ticket = TicketResult(
                ticket: "T\(n)", customer: customer, priority: nil, channel: nil, agent: nil, requester: .customer, state: .resolved,
                openedAt: Instant(milliseconds: 0), openSource: nil, resolvedAt: nil, reopens: 0, policy: nil,
                firstResponse: instance(.firstResponse),
                nextReplies: (0..<Int.random(in: 0...2, using: &random)).map { _ in instance(.nextReply) },
                resolution: instance(.resolution))
            summary.add(ticket)
        }
        let rows = summary.takeRows(threads: threads)
        #expect(rows.map { $0.key[0] } == model.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        for row in rows {
            for metric in Metric.allCases {
                #expect(Array(row[metric].durations) == (model[row.key[0]]?[metric] ?? []).sorted(), "\(row.key[0]) \(metric)")
            }
        }
    }
}
