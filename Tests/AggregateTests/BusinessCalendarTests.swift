import Foundation
import SLACore
import TestSupport
import Testing

@testable import Aggregate

/// The reference model: step through every minute of [start, stop) and ask
/// Foundation's Calendar (not ZoneRules) for the local weekday, date and
/// time. Deliberately simple and slow; the fast interval arithmetic must agree.
func referenceMinutes(from start: Int64, to stop: Int64, zone: String, hours: [Int: [(Int, Int)]], holidays: Set<String>) -> Int64 {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone)!
    var minutes: Int64 = 0
    var t = start
    while t < stop {
        let date = Date(timeIntervalSince1970: Double(t) / 1000)
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        let key = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        let isoWeekday = (c.weekday! + 5) % 7 + 1  // Foundation: 1 = Sunday
        let minuteOfDay = c.hour! * 60 + c.minute!
        if !holidays.contains(key), let spans = hours[isoWeekday], spans.contains(where: { minuteOfDay >= $0.0 && minuteOfDay < $0.1 }) {
            minutes += 1
        }
        t += 60_000
    }
    return minutes
}

@Suite struct BusinessCalendarTests {
    func calendar(_ zone: String, _ hours: [Int: [(Int, Int)]], holidays: [String] = []) -> BusinessCalendar {
        var table = [[BusinessCalendar.LocalInterval]](repeating: [], count: 8)
        for (day, spans) in hours { table[day] = spans.map { .init(start: Int64($0.0) * 60_000, end: Int64($0.1) * 60_000) } }
        let dates = Set(
            holidays.map { text -> CivilDate in
                let p = text.split(separator: "-").map { Int($0)! }
                return CivilDate(year: p[0], month: p[1], day: p[2])
            })
        return BusinessCalendar(name: "test", zone: ZoneRules(identifier: zone)!, hours: table, holidays: dates)
    }

    func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int = 0) -> Instant { Instant(year: y, month: mo, day: d, hour: h, minute: mi) }
    let hour: Int64 = 3_600_000
    let officeHours: [Int: [(Int, Int)]] = [1: [(540, 1020)], 2: [(540, 1020)], 3: [(540, 1020)], 4: [(540, 1020)], 5: [(540, 1020)]]

    @Test func aNineToFiveDayIsEightHoursOnDSTDaysInBothDirections() {
        // Berlin 2026: spring forward Sun 03-29 (use daily hours), fall back Sun 10-25.
        let daily = calendar("Europe/Berlin", Dictionary(uniqueKeysWithValues: (1...7).map { ($0, [(540, 1020)]) }))
        // Sat 12:00Z = 13:00 CET → Mon 00:00Z = 02:00 CEST: Sat 13:00–17:00 (4 h) + Sun 09:00–17:00 (8 h).
        #expect(daily.duration(from: utc(2026, 3, 28, 12), to: utc(2026, 3, 30, 0)) == 4 * hour + 8 * hour)
        #expect(daily.duration(from: utc(2026, 3, 29, 0), to: utc(2026, 3, 30, 0)) == 8 * hour)
        #expect(daily.duration(from: utc(2026, 10, 25, 0), to: utc(2026, 10, 26, 0)) == 8 * hour)
        let ny = calendar("America/New_York", Dictionary(uniqueKeysWithValues: (1...7).map { ($0, [(540, 1020)]) }))
        #expect(ny.duration(from: utc(2026, 3, 8, 5), to: utc(2026, 3, 9, 5)) == 8 * hour)
        #expect(ny.duration(from: utc(2026, 11, 1, 4), to: utc(2026, 11, 2, 5)) == 8 * hour)
    }

    @Test func aWholeDayIsTwentyThreeOrTwentyFiveHoursWhenTheJumpIsInside() {
        let allDay = calendar("Europe/Berlin", Dictionary(uniqueKeysWithValues: (1...7).map { ($0, [(0, 1440)]) }))
        // Local 2026-03-29 00:00 CET = 03-28 23:00Z; 2026-03-30 00:00 CEST = 03-29 22:00Z.
        #expect(allDay.duration(from: utc(2026, 3, 28, 23), to: utc(2026, 3, 29, 22)) == 23 * hour)
        #expect(allDay.duration(from: utc(2026, 10, 24, 22), to: utc(2026, 10, 25, 23)) == 25 * hour)
        // Hours inside the jump: 02:00–03:00 does not exist in spring, happens twice in autumn.
        let night = calendar("Europe/Berlin", Dictionary(uniqueKeysWithValues: (1...7).map { ($0, [(120, 180)]) }))
        #expect(night.duration(from: utc(2026, 3, 28, 12), to: utc(2026, 3, 29, 12)) == 0)
        #expect(night.duration(from: utc(2026, 10, 24, 12), to: utc(2026, 10, 25, 12)) == 2 * hour)
    }

    @Test func midnightIsNotLostBetweenDays() {
        let allDay = calendar("UTC", Dictionary(uniqueKeysWithValues: (1...7).map { ($0, [(0, 1440)]) }))
        #expect(allDay.duration(from: utc(2026, 3, 2, 23, 59), to: utc(2026, 3, 3, 0, 1)) == 2 * 60_000)
        #expect(allDay.duration(from: utc(2026, 3, 2, 0), to: utc(2026, 3, 9, 0)) == 7 * 24 * hour)
    }

    @Test func weekendsHolidaysAndYearEnd() {
        let office = calendar("Europe/Berlin", officeHours, holidays: ["2026-12-31", "2027-01-01"])
        // Wed 2026-12-30 16:00Z (17:00 CET) → Mon 2027-01-04 09:00Z (10:00 CET):
        // 0 Wed after 17:00, Thu/Fri holidays, weekend, Mon 09:00–10:00 = 1 h.
        #expect(office.duration(from: utc(2026, 12, 30, 16), to: utc(2027, 1, 4, 9)) == hour)
        #expect(office.duration(from: utc(2026, 3, 7, 0), to: utc(2026, 3, 9, 0)) == 0)  // a weekend
        #expect(office.duration(from: utc(2026, 3, 3, 0), to: utc(2026, 3, 2, 0)) == 0)  // stop before start
    }

    @Test func alwaysOpenIsWallClock() {
        #expect(BusinessCalendar.alwaysOpen.duration(from: utc(2026, 3, 1, 0), to: utc(2026, 3, 1, 0, 30)) == 30 * 60_000)
    }

    @Test(arguments: ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"])
    func fastArithmeticAgreesWithTheMinuteByMinuteModel(zone: String) {
        var rng = SeededGenerator(state: zone.utf8.reduce(UInt64(42)) { $0 &* 31 &+ UInt64($1) })
        // Intervals that start near DST transitions of 2026 and around the year end, plus random ones.
        let anchors: [Int64] = [
            utc(2026, 3, 8, 0), utc(2026, 3, 28, 0), utc(2026, 4, 4, 0), utc(2026, 10, 24, 0),
            utc(2026, 10, 31, 0), utc(2026, 12, 30, 0), utc(2026, 6, 15, 0),
        ].map(\.milliseconds)
        for index in 0..<24 {
            let hours = randomHours(&rng)
            let holidays = Int.random(in: 0..<2, using: &rng) == 0 ? ["2026-03-09", "2026-10-26", "2026-12-31", "2027-01-01"] : []
            let begin = anchors[index % anchors.count] + Int64(Int.random(in: 0..<(48 * 60), using: &rng)) * 60_000
            let end = begin + Int64(Int.random(in: 0..<(6 * 24 * 60), using: &rng)) * 60_000
            let fast = calendar(zone, hours, holidays: holidays).duration(
                from: Instant(milliseconds: begin), to: Instant(milliseconds: end))
            let slow = referenceMinutes(from: begin, to: end, zone: zone, hours: hours, holidays: Set(holidays)) * 60_000
            #expect(fast == slow, "\(zone) case \(index): \(Instant(milliseconds: begin).iso8601) → \(Instant(milliseconds: end).iso8601)")
        }
    }

    func randomHours(_ rng: inout SeededGenerator) -> [Int: [(Int, Int)]] {
        var hours: [Int: [(Int, Int)]] = [:]
        for day in 1...7 where Int.random(in: 0..<4, using: &rng) > 0 {
            var start = Int.random(in: 0..<12, using: &rng) * 60 + [0, 15, 30][Int.random(in: 0..<3, using: &rng)]
            var spans: [(Int, Int)] = []
            while start < 1440 && spans.count < 3 {
                let end = min(1440, start + Int.random(in: 30...600, using: &rng))
                spans.append((start, end))
                start = end + Int.random(in: 15...240, using: &rng)
            }
            hours[day] = spans
        }
        return hours
    }

    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"])
    func longSpansAgreeWithTheMinuteByMinuteModel(zone: String) {
        // Spans of 22–80 days take the closed-form path; they cross DST changes and holidays.
        var rng = SeededGenerator(state: zone.utf8.reduce(UInt64(7)) { $0 &* 31 &+ UInt64($1) })
        for index in 0..<3 {
            let hours = randomHours(&rng)
            let holidays = ["2026-03-09", "2026-04-03", "2026-10-26", "2026-11-02", "2026-12-25"]
            let begin = utc(2026, 2 + index * 4, 20, 0).milliseconds + Int64(Int.random(in: 0..<(48 * 60), using: &rng)) * 60_000
            let end = begin + Int64(Int.random(in: (22 * 24 * 60)..<(80 * 24 * 60), using: &rng)) * 60_000
            let fast = calendar(zone, hours, holidays: holidays).duration(
                from: Instant(milliseconds: begin), to: Instant(milliseconds: end))
            let slow = referenceMinutes(from: begin, to: end, zone: zone, hours: hours, holidays: Set(holidays)) * 60_000
            #expect(fast == slow, "\(zone) case \(index): \(Instant(milliseconds: begin).iso8601) → \(Instant(milliseconds: end).iso8601)")
        }
    }

    @Test func yearsLongSpansAgreeWithTheDayByDayWalk() {
        // The walk is the definition; the closed form must equal it over spans of up to 30 years.
        var rng = SeededGenerator(state: 2026)
        for (index, zone) in ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"].enumerated() {
            for _ in 0..<8 {
                let hours = randomHours(&rng)
                let holidays = (0..<20).map { _ in
                    "\(Int.random(in: 2020...2050, using: &rng))-\(String(format: "%02d", Int.random(in: 1...12, using: &rng)))-\(String(format: "%02d", Int.random(in: 1...28, using: &rng)))"
                }
                let calendar = calendar(zone, hours, holidays: holidays)
                let begin = utc(2020 + index, 1, 1, 0).milliseconds + Int64(Int.random(in: 0..<(400 * 24 * 60), using: &rng)) * 60_000
                let end = begin + Int64(Int.random(in: (22 * 24 * 60)..<(30 * 365 * 24 * 60), using: &rng)) * 60_000
                let start = Instant(milliseconds: begin), stop = Instant(milliseconds: end)
                #expect(
                    calendar.duration(from: start, to: stop) == calendar.walkedDuration(from: start, to: stop, zone: calendar.zone!),
                    "\(zone)")
            }
        }
    }

    /// Each measuring thread gets its own policy objects (`PolicySet.copy()`): the copies are new
    /// objects, down to the zone, and measure what the reference model does.
    @Test func aPolicySetsCopyHasObjectsOfItsOwnAndMeasuresTheSame() {
        var rng = SeededGenerator(state: 7)
        let hours = randomHours(&rng)
        let holidays = ["2026-03-09", "2026-12-25"]
        let office = Policy(
            name: "office", customer: [GlobPattern("acme*")], calendar: calendar("America/New_York", hours, holidays: holidays),
            targets: [.firstResponse: 3_600_000, .resolution: 86_400_000])
        let original = PolicySet(policies: [office, Policy(name: "default", targets: [.nextReply: 600_000])], atRiskFraction: 0.5)
        let copy = original.copy()
        #expect(copy.atRiskFraction == 0.5)
        #expect(copy.policies.map(\.name) == ["office", "default"])
        #expect(copy.match(customer: "acme-1", channel: nil, priority: nil) == 0)
        #expect(copy.match(customer: "other", channel: nil, priority: nil) == 1)
        for (mine, theirs) in zip(copy.policies, original.policies) {
            #expect(mine !== theirs && mine.calendar !== theirs.calendar)
            #expect(mine.targets == theirs.targets && mine.calendar.name == theirs.calendar.name)
        }
        let zone = try! #require(copy.policies[0].calendar.zone)
        #expect(zone !== original.policies[0].calendar.zone! && zone.identifier == "America/New_York")
        for _ in 0..<20 {
            let begin = utc(2026, 3, 1, 0).milliseconds + Int64(Int.random(in: 0..<(20 * 24 * 60), using: &rng)) * 60_000
            let end = begin + Int64(Int.random(in: 0..<(10 * 24 * 60), using: &rng)) * 60_000
            let slow = referenceMinutes(from: begin, to: end, zone: "America/New_York", hours: hours, holidays: Set(holidays)) * 60_000
            #expect(copy.policies[0].calendar.duration(from: Instant(milliseconds: begin), to: Instant(milliseconds: end)) == slow)
        }
    }

    @Test func aFarAsOfCostsMillisecondsNotSeconds() {
        // A line dated 9999-12-31 once took ~1.6 s per open ticket on a business calendar.
        let berlin = calendar("Europe/Berlin", officeHours, holidays: ["2026-12-25", "2027-01-01"])
        let clock = ContinuousClock()
        var total: Milliseconds = 0
        let elapsed = clock.measure {
            for i in 0..<100 {
                total &+= berlin.duration(from: utc(2026, 3, 2, i % 24), to: Instant(year: 9999, month: 12, day: 31, hour: 23))
            }
        }
        #expect(total > 0)
        // The day-by-day walk needs minutes for this (2.9 M days per span); the closed form a few ms per span, even in debug.
        #expect(elapsed < .seconds(5), "100 spans to 9999 took \(elapsed)")
    }

    @Test func resolutionOnABusinessCalendarSkipsNightsAndPauses() {
        // Policy on Berlin office hours (Mon–Fri 09:00–17:00 local).
        let office = calendar("Europe/Berlin", officeHours)
        let policy = Policy(name: "office", calendar: office, targets: [.resolution: 8 * hour])
        var s = TicketScript()
        // Minutes after Mon 2026-03-02 00:00Z: open 15:00Z (16:00 CET), pause 15:30Z, resume Tue 08:00Z (09:00), resolve 10:00Z (11:00).
        s.add(15 * 60, .open); s.add(15 * 60 + 30, .pause); s.add(32 * 60, .resume); s.add(34 * 60, .resolve)
        let (t, _) = s.evaluate([policy])
        #expect(t.resolution?.value == 30 * 60_000 + 2 * hour)
        #expect(t.resolution?.outcome == .met)
        #expect(t.firstResponse == nil || t.firstResponse?.stopReason == .resolvedWithoutReply)
    }
}
