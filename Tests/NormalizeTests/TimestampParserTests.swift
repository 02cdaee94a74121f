import SLACore
import Testing

@testable import Normalize

@Suite struct TimestampParserTests {
    func parse(_ text: String, _ format: TimestampFormat = .auto, zone: ZoneRules? = nil) -> Result<Instant, TimestampParser.Failure> {
        Array(text.utf8).withUnsafeBytes { TimestampParser(format: format, zone: zone).parse($0) }
    }

    func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, _ ms: Int = 0) -> Instant {
        Instant(year: y, month: mo, day: d, hour: h, minute: mi, second: s, millisecond: ms)
    }

    @Test func iso8601Forms() throws {
        #expect(try parse("2026-03-01T09:15:02Z").get() == utc(2026, 3, 1, 9, 15, 2))
        #expect(try parse("2026-03-01T09:15:02.123Z").get() == utc(2026, 3, 1, 9, 15, 2, 123))
        #expect(try parse("2026-03-01T09:15:02.1234567+01:00").get() == utc(2026, 3, 1, 8, 15, 2, 123))
        #expect(try parse("2026-03-01T09:15:02-0530").get() == utc(2026, 3, 1, 14, 45, 2))
        #expect(try parse("2026-03-01T09:15:02+02").get() == utc(2026, 3, 1, 7, 15, 2))
        #expect(try parse("2026-03-01T00:15:02,5+01:00", .iso8601).get() == utc(2026, 2, 28, 23, 15, 2, 500))
    }

    @Test func spaceSeparatedAndSlashedForms() throws {
        #expect(try parse("2026-03-02 10:00:05 +0100").get() == utc(2026, 3, 2, 9, 0, 5))
        #expect(try parse("2026-03-02 10:00:05.250+0100", .datetime).get() == utc(2026, 3, 2, 9, 0, 5, 250))
        #expect(try parse("2026/03/02 10:00:05 Z").get() == utc(2026, 3, 2, 10, 0, 5))
    }

    @Test func zonelessTimesUseThePipelineZone() throws {
        let berlin = ZoneRules(identifier: "Europe/Berlin")!
        #expect(try parse("2026/03/02 12:30:00", zone: berlin).get() == utc(2026, 3, 2, 11, 30, 0))
        #expect(try parse("2026-07-02 12:30:00", zone: berlin).get() == utc(2026, 7, 2, 10, 30, 0))
        guard case let .failure(failure) = parse("2026/03/02 12:30:00") else { Issue.record("expected failure"); return }
        #expect(failure.reason.contains("no UTC offset"))
    }

    @Test func epochSecondsAndMilliseconds() throws {
        #expect(try parse("1772442000").get() == utc(2026, 3, 2, 9, 0, 0))
        #expect(try parse("1772442000.5").get() == utc(2026, 3, 2, 9, 0, 0, 500))
        #expect(try parse("1772442000123").get() == utc(2026, 3, 2, 9, 0, 0, 123))
        #expect(try parse("1772442000", .epochMillis).get() == Instant(milliseconds: 1_772_442_000))
        #expect(try parse("1772442000123", .epochSeconds).get() == Instant(milliseconds: 1_772_442_000_123_000))
    }

    @Test(arguments: [
        ("2026-02-30T10:00:00Z", "does not exist"), ("2026-13-01T10:00:00Z", "month"), ("2026-03-01T24:00:00Z", "out of range"),
        ("2026-03-01T10:60:00Z", "out of range"), ("2026-03-01 10:00:00Z", "'T'"), ("26-03-01T10:00:00Z", "4-digit"),
        ("2026-03-01T10:00:00+25:00", "offset"), ("2026-03-01T10:00:00Z trailing", "unexpected text"), ("yesterday", "4-digit"),
        ("2026-03-01T10:00", "HH:MM:SS"), ("", "4-digit"),
    ])
    func badTimestampsAreRejectedWithAReason(text: String, expected: String) {
        guard case let .failure(failure) = parse(text, text.contains(" 10:00:00Z") ? .iso8601 : .auto, zone: nil) else {
            Issue.record("'\(text)' parsed"); return
        }
        #expect(failure.reason.contains(expected), "\(text): \(failure.reason)")
    }

    @Test func fixedOffsetFastPathAgreesWithTheGeneralParser() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let y = Int.random(in: 1999...2101, using: &rng), mo = Int.random(in: 0...13, using: &rng)
            let d = Int.random(in: 0...32, using: &rng), h = Int.random(in: 0...25, using: &rng)
            let mi = Int.random(in: 0...61, using: &rng), s = Int.random(in: 0...61, using: &rng)
            var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s)
            if Bool.random(using: &rng) { text += String(format: ".%03d", Int.random(in: 0...999, using: &rng)) }
            text += "Z"
            let fast = Array(text.utf8).withUnsafeBytes { TimestampParser.parseCommonUTC($0) }
            let general = Array(text.utf8).withUnsafeBytes { TimestampParser(format: .iso8601).parseGeneral($0) }
            if let fast {
                #expect(general == .success(fast), "\(text)")
            } else {
                #expect(throws: TimestampParser.Failure.self, "\(text)") { try general.get() }
            }
        }
        // The datetime format still wants a space between date and time.
        #expect(throws: TimestampParser.Failure.self) { try parse("2026-03-01T10:00:00Z", .datetime).get() }
    }

    @Test func leapYears() throws {
        #expect(try parse("2028-02-29T00:00:00Z").get() == utc(2028, 2, 29, 0, 0, 0))
        #expect(throws: TimestampParser.Failure.self) { try parse("2100-02-29T00:00:00Z").get() }
    }
}
