import Foundation
import SLACore
import TestSupport
import Testing

@testable import Aggregate

/// Service measurement (docs/semantics.md §10) against a deliberately simple
/// minute-by-minute model that states the rules declaratively and asks
/// Foundation's Calendar (not ZoneRules) for local dates and times.
@Suite struct ServiceMeasurerTests {
    struct Happening {
        var minute: Int64  // minutes since the start
        var kind: ServiceRecord.Kind
    }

    /// Health at minute `t` by the declarative rule: the last state event decides; a failed check
    /// decides "down" only when its streak of consecutive failures reaches N, else the health before the streak.
    static func health(at t: Int64, _ events: [Happening], threshold: Int, assumeUp: Bool) -> Bool? {
        let decisive = events.enumerated().filter { (_, e) in
            switch e.kind {
            case .down, .up, .checks: return true
            default: return false
            }
        }
        guard let lastIndex = decisive.lastIndex(where: { $0.element.minute <= t }) else { return assumeUp ? true : nil }
        let last = decisive[lastIndex].element
        switch last.kind {
        case .down: return false
        case .up, .checks(ok: true, _): return true
        default:
            var first = lastIndex, end = lastIndex
            while first > 0, case .checks(ok: false, _) = decisive[first - 1].element.kind { first -= 1 }
            while end + 1 < decisive.count, case .checks(ok: false, _) = decisive[end + 1].element.kind { end += 1 }
            if end - first + 1 >= threshold { return false }
            return first == 0
                ? (assumeUp ? true : nil)
                : health(
                    at: decisive[first].element.minute - 1, Array(events.prefix(decisive[first].offset)), threshold: threshold,
                    assumeUp: assumeUp)
        }
    }

    static func inMaintenance(at t: Int64, _ events: [Happening]) -> Bool {
        var depth = 0
        for e in events where e.minute <= t {
            if case .maintenanceStart = e.kind { depth += 1 }
            if case .maintenanceEnd = e.kind, depth > 0 { depth -= 1 }
        }
        return depth > 0
    }

    @Test(arguments: ["Europe/Berlin", "America/New_York", "UTC"])
    func periodSumsAgreeWithTheMinuteByMinuteModel(zone: String) {
        var rng = SeededGenerator(state: zone.utf8.reduce(UInt64(99)) { $0 &* 31 &+ UInt64($1) })
        var foundation = Calendar(identifier: .gregorian)
        foundation.timeZone = TimeZone(identifier: zone)!
        let origin = Instant(year: 2026, month: 3, day: 20, hour: 7).milliseconds  // spans a DST change and a month end
        for index in 0..<6 {
            let businessHours = index % 2 == 0
            var table = [[BusinessCalendar.LocalInterval]](repeating: [], count: 8)
            if businessHours { for day in 1...5 { table[day] = [.init(start: 9 * 3_600_000, end: 17 * 3_600_000)] } }
            let holiday = CivilDate(year: 2026, month: 4, day: 3)
            let calendar =
                businessHours
                ? BusinessCalendar(name: "office", zone: ZoneRules(identifier: zone)!, hours: table, holidays: [holiday]) : .alwaysOpen
            var contract = ServiceContract(name: GlobPattern("s"), calendar: calendar, zone: ZoneRules(identifier: zone)!)
            contract.period = index % 3 == 2 ? .week : .month
            contract.failThreshold = Int.random(in: 1...3, using: &rng)
            contract.staleAfter = Bool.random(using: &rng) ? Int64(Int.random(in: 30...900, using: &rng)) * 60_000 : nil
            contract.assumeInitialUp = Bool.random(using: &rng)
            contract.availabilityTarget = 990_000
            var events: [Happening] = []
            var minute: Int64 = Int64(Int.random(in: 0..<600, using: &rng))
            for _ in 0..<28 {
                minute += Int64(Int.random(in: 0..<1500, using: &rng))
                let kinds: [ServiceRecord.Kind] = [
                    .down, .up, .checks(ok: true, count: 1), .checks(ok: false, count: 1), .checks(ok: false, count: 1), .maintenanceStart,
                    .maintenanceEnd,
                ]
                events.append(Happening(minute: minute, kind: kinds[Int.random(in: 0..<kinds.count, using: &rng)]))
            }
            let asOfMinute = minute + Int64(Int.random(in: 1...3000, using: &rng))
            let asOf = Instant(milliseconds: origin + asOfMinute * 60_000)
            let records = events.enumerated().map { (line, e) in
                ServiceRecord(
                    kind: e.kind, time: Instant(milliseconds: origin + e.minute * 60_000),
                    source: SourceLocation(file: 0, line: Int64(line + 1)))
            }
            let measured = ServiceMeasurer(contract: contract, asOf: asOf, atRiskFraction: 0.75).measure(records, service: "s").periods

            // The model: every minute from the first event's period start to as_of.
            var sums: [String: [Int64]] = [:]  // label → scheduled, up, down, unmonitored, maintenance (minutes)
            var labels: [String] = []
            let firstDate = Date(timeIntervalSince1970: Double(origin + events[0].minute * 60_000) / 1000)
            let periodStart: Date
            if contract.period == .month {
                periodStart = foundation.date(from: foundation.dateComponents([.year, .month], from: firstDate))!
            } else {
                var start = foundation.startOfDay(for: firstDate)
                while foundation.component(.weekday, from: start) != 2 { start = foundation.date(byAdding: .day, value: -1, to: start)! }
                periodStart = start
            }
            var t = Int64((periodStart.timeIntervalSince1970 * 1000).rounded()) - origin
            t /= 60_000
            while t < asOfMinute {
                let date = Date(timeIntervalSince1970: Double(origin + t * 60_000) / 1000)
                let c = foundation.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
                var label = String(format: "%04d-%02d", c.year!, c.month!)
                if contract.period == .week {
                    var monday = foundation.startOfDay(for: date)
                    while foundation.component(.weekday, from: monday) != 2 {
                        monday = foundation.date(byAdding: .day, value: -1, to: monday)!
                    }
                    label = Summarizer.isoWeek(
                        CivilDate(
                            year: foundation.component(.year, from: monday), month: foundation.component(.month, from: monday),
                            day: foundation.component(.day, from: monday)))
                }
                if sums[label] == nil { sums[label] = [0, 0, 0, 0, 0]; labels.append(label) }
                let isoWeekday = (c.weekday! + 5) % 7 + 1
                let isHoliday = c.year == 2026 && c.month == 4 && c.day == 3
                let inHours = !businessHours || (isoWeekday <= 5 && c.hour! >= 9 && c.hour! < 17 && !isHoliday)
                if inHours {
                    if Self.inMaintenance(at: t, events) {
                        sums[label]![4] += 1
                    } else {
                        sums[label]![0] += 1
                        let covered =
                            (contract.assumeInitialUp && t < events[0].minute)
                            || (contract.staleAfter.map { stale in events.contains { $0.minute <= t && t < $0.minute + stale / 60_000 } }
                                ?? (t >= events[0].minute))
                        switch Self.health(at: t, events, threshold: contract.failThreshold, assumeUp: contract.assumeInitialUp) {
                        case _ where !covered: sums[label]![3] += 1
                        case nil: sums[label]![3] += 1
                        case true?: sums[label]![1] += 1
                        case false?: sums[label]![2] += 1
                        }
                    }
                }
                t += 1
            }
            #expect(measured.map(\.period) == labels, "\(zone) case \(index)")
            for period in measured {
                guard let model = sums[period.period] else { continue }
                let got = [period.scheduled, period.up, period.down, period.unmonitored, period.maintenance].map { $0 / 60_000 }
                #expect(got == model, "\(zone) case \(index) \(period.period): got \(got) want \(model)")
            }
        }
    }

    @Test func checkRunsKeepMemoryBoundedByStateChanges() {
        // 100 services checked every 10 s for 3 days: 2.6 M check lines, one run per service while nothing changes.
        var log = ServiceLog()
        let start = Instant(year: 2026, month: 3, day: 1).milliseconds
        for step in 0..<(3 * 8640) {
            for service in 0..<100 {
                let event = Event(
                    time: Instant(milliseconds: start + Int64(step) * 10_000), ticket: Symbol(rawValue: UInt32(service + 1)),
                    kind: .checkOK,
                    source: SourceLocation(file: 0, line: Int64(step * 100 + service + 1)))
                log.add(event, staleAfter: 60_000)
            }
        }
        log.finish()
        #expect(log.checks == 2_592_000)
        #expect(log.recordCount == 100)
    }

    @Test func aHeartbeatGapIsUnmonitoredAndAFailStreakIsDownFromItsFirstCheck() {
        // Hand-worked, 24x7 UTC, period day: checks every minute from 00:00; a 30-minute silence
        // (stale_after 5 m) → 25 minutes unmonitored; three failures 12:00, 12:01, 12:02 with N = 3
        // → down from 12:00 until the OK at 12:05 (5 minutes); a single failure at 13:00 is not an outage.
        var contract = ServiceContract(name: GlobPattern("s"))
        contract.period = .day
        contract.failThreshold = 3
        contract.staleAfter = 300_000
        var records: [ServiceRecord] = []
        let day = Instant(year: 2026, month: 3, day: 2).milliseconds
        var line: Int64 = 0
        func check(_ minute: Int64, _ ok: Bool) {
            line += 1
            records.append(
                ServiceRecord(
                    kind: .checks(ok: ok, count: 1), time: Instant(milliseconds: day + minute * 60_000),
                    source: SourceLocation(file: 0, line: line)))
        }
        for m in Int64(0)..<120 { check(m, true) }  // 00:00–01:59
        for m in Int64(150)..<720 { check(m, true) }  // silence 02:00–02:29: covered until 02:04, unmonitored 02:04–02:30 (26 m)
        check(720, false); check(721, false); check(722, false)
        for m in Int64(725)..<780 { check(m, true) }
        check(780, false)
        for m in Int64(781)..<1440 { check(m, true) }
        let asOf = Instant(milliseconds: day + 1440 * 60_000)
        let (periods, outages) = ServiceMeasurer(contract: contract, asOf: asOf, atRiskFraction: 0.75).measure(records, service: "s")
        #expect(periods.count == 1)
        let p = periods[0]
        #expect(p.unmonitored == 26 * 60_000)  // 02:04 → 02:30
        #expect(p.down == 5 * 60_000)  // 12:00 → 12:05
        #expect(p.up == (1440 - 26 - 5) * 60_000)
        #expect(outages.count == 1 && outages[0].start == Instant(milliseconds: day + 720 * 60_000))
    }
}
