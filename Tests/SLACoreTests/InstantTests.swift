import Testing

@testable import SLACore

@Suite struct InstantTests {
    @Test func formatsISO8601WithMilliseconds() {
        #expect(
            Instant(year: 2026, month: 3, day: 1, hour: 9, minute: 15, second: 2, millisecond: 123).iso8601 == "2026-03-01T09:15:02.123Z")
        #expect(Instant(milliseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Instant(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
    }

    @Test func civilDateRoundTripsAgainstDayCounting() {
        // Reference: walk day by day from 1970-01-01 with a month-length table.
        var y = 1970, m = 1, d = 1
        for days in 0..<20_000 {
            #expect(CivilDate(daysSinceEpoch: days) == CivilDate(year: y, month: m, day: d))
            #expect(CivilDate.daysFromCivil(year: y, month: m, day: d) == days)
            d += 1
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            if d > lengths[m - 1] { d = 1; m += 1 }
            if m > 12 { m = 1; y += 1 }
        }
    }

    @Test func isoWeekdays() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).isoWeekday == 4)  // Thursday
        #expect(CivilDate(year: 2026, month: 3, day: 2).isoWeekday == 1)  // Monday
        #expect(CivilDate(year: 2026, month: 3, day: 1).isoWeekday == 7)  // Sunday
    }

    @Test func secondsKeepMillisecondPrecision() {
        #expect(formatSeconds(3_600_250) == "3600.250")
        #expect(formatSeconds(5) == "0.005")
        #expect(formatSeconds(-1500) == "-1.500")
    }

    @Test func sourceLocationPacksFileAndLineInInputOrder() {
        let a = SourceLocation(file: 0, line: 900_000_000_000)
        let b = SourceLocation(file: 1, line: 1)
        #expect(a < b)
        #expect(a.line == 900_000_000_000 && b.file == 1)
        #expect(b.advanced(byLines: 41).line == 42)
    }
}

@Suite struct ZoneRulesTests {
    let berlin = ZoneRules(identifier: "Europe/Berlin")!
    let newYork = ZoneRules(identifier: "America/New_York")!

    func local(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int = 0) -> Int64 {
        Instant(year: y, month: mo, day: d, hour: h, minute: mi).milliseconds
    }

    /// The bucketed period lookup finds what a binary search over the periods finds: at every
    /// period start and a millisecond either side, at random instants inside and outside
    /// 1900-2200, and at the extremes.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
    func periodLookupAgreesWithBinarySearch(zone: String) {
        let rules = ZoneRules(identifier: zone)!
        var instants: [Int64] = [Int64.min, Int64.min + 1, Int64.max, -2_208_988_800_000, -2_208_988_800_001, 7_258_118_400_000]
        for start in rules.periodStarts.dropFirst() { instants += [start - 1, start, start + 1] }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { instants.append(Int64.random(in: -3_800_000_000_000...8_900_000_000_000, using: &rng)) }
        for utc in instants { #expect(rules.periodIndex(utc) == rules.searchedPeriodIndex(utc), "\(zone) \(utc)") }
        if zone == "Europe/Berlin" { #expect(rules.periodStarts.count > 400) }  // daylight saving time, 1916-2200
    }

    @Test func unknownZoneIsNil() { #expect(ZoneRules(identifier: "Mars/Olympus") == nil) }

    @Test func berlinOffsetsAroundTransitions() {
        // 2026: CEST from 2026-03-29 01:00Z to 2026-10-25 01:00Z.
        #expect(berlin.offset(atUTC: local(2026, 3, 29, 0, 59)) == 3_600_000)
        #expect(berlin.offset(atUTC: local(2026, 3, 29, 1, 0)) == 7_200_000)
        #expect(berlin.offset(atUTC: local(2026, 10, 25, 0, 59)) == 7_200_000)
        #expect(berlin.offset(atUTC: local(2026, 10, 25, 1, 0)) == 3_600_000)
    }

    @Test func localTimesConvertOnNormalAndDSTDays() {
        #expect(berlin.utc(fromLocal: local(2026, 3, 2, 12, 30)) == local(2026, 3, 2, 11, 30))
        #expect(berlin.utc(fromLocal: local(2026, 7, 1, 12)) == local(2026, 7, 1, 10))
        // Spring forward: 02:30 does not exist; read with the pre-jump offset → 01:30Z (03:30 CEST).
        #expect(berlin.utc(fromLocal: local(2026, 3, 29, 2, 30)) == local(2026, 3, 29, 1, 30))
        // Fall back: 02:30 happens twice; the earlier (CEST) instant is chosen.
        #expect(berlin.utc(fromLocal: local(2026, 10, 25, 2, 30)) == local(2026, 10, 25, 0, 30))
        // New York 2026: DST from 03-08 07:00Z to 11-01 06:00Z.
        #expect(newYork.utc(fromLocal: local(2026, 3, 8, 3, 0)) == local(2026, 3, 8, 7, 0))
        #expect(newYork.utc(fromLocal: local(2026, 11, 1, 1, 30)) == local(2026, 11, 1, 5, 30))
    }
}
