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

    /// The fixed-offset fast path returns what the general parser returns, whenever it returns
    /// anything, over random timestamps of every shape near the common ones (out-of-range fields,
    /// other separators, fraction lengths and offsets, a byte damaged), with one date memo across them
    /// all (the date repeats half the time, as in a log) and with a fresh one; and it does take the
    /// common shapes themselves (else it would be dead code).
    @Test(arguments: [TimestampFormat.auto, .iso8601, .datetime])
    func fixedOffsetFastPathAgreesWithTheGeneralParser(format: TimestampFormat) {
        var rng = SystemRandomNumberGenerator()
        let fractions = ["", ".123", ".5", ".1234", ",123", ".12x", "."]
        let zones = [
            "Z", " Z", "+01", "+0130", "+01:30", "-0800", " +0100", "-18:00", "", "+1", "+01:", "Zx", "+0100x", "+19", "+0160", "+01:3",
        ]
        var taken = 0, memo = TimestampParser.DateMemo()
        var (y, mo, d) = (2026, 3, 1)
        for _ in 0..<30_000 {
            if Bool.random(using: &rng) {
                (y, mo, d) = (
                    Int.random(in: 1999...2101, using: &rng), Int.random(in: 0...13, using: &rng), Int.random(in: 0...32, using: &rng)
                )
            }
            let h = Int.random(in: 0...25, using: &rng)
            let mi = Int.random(in: 0...61, using: &rng), s = Int.random(in: 0...61, using: &rng)
            let separator = ["T", " ", "t", "_"].randomElement(using: &rng)!
            let fraction = fractions.randomElement(using: &rng)!, zone = zones.randomElement(using: &rng)!
            var bytes = Array(String(format: "%04d-%02d-%02d%@%02d:%02d:%02d", y, mo, d, separator, h, mi, s).utf8)
            bytes += Array((fraction + zone).utf8)
            let damaged = Int.random(in: 0..<10, using: &rng) == 0
            if damaged { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0x20...0x7e, using: &rng) }
            let fast = bytes.withUnsafeBytes { TimestampParser.parseCommon($0, format: format, memo: &memo) }
            var fresh = TimestampParser.DateMemo()
            #expect(fast == bytes.withUnsafeBytes { TimestampParser.parseCommon($0, format: format, memo: &fresh) })
            let general = bytes.withUnsafeBytes { TimestampParser(format: format).parseGeneral($0) }
            let text = String(decoding: bytes, as: UTF8.self)
            if let fast {
                taken += 1
                #expect(general == .success(fast), "\(text)")
            }
            let common =
                !damaged
                && (format == .datetime ? separator == " " : format == .iso8601 ? separator == "T" : ["T", " "].contains(separator))
                && (fraction == "" || fraction == ".123")
                && ["Z", " Z", "+01", "+0130", "+01:30", "-0800", " +0100", "-18:00"].contains(zone)
            if common, case .success = general { #expect(fast != nil, "\(text)") }
        }
        #expect(taken > 300)
        // The datetime format still wants a space between date and time.
        #expect(throws: TimestampParser.Failure.self) { try parse("2026-03-01T10:00:00Z", .datetime).get() }
        if format != .iso8601 { #expect(parse("2026-03-01 10:00:00.250 +0130", format) == .success(utc(2026, 3, 1, 8, 30, 0, 250))) }
    }

    @Test func leapYears() throws {
        #expect(try parse("2028-02-29T00:00:00Z").get() == utc(2028, 2, 29, 0, 0, 0))
        #expect(throws: TimestampParser.Failure.self) { try parse("2100-02-29T00:00:00Z").get() }
    }
}
