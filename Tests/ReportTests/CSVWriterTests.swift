import Aggregate
import Foundation
import SLACore
import Testing

@testable import Report

@Suite struct CSVWriterTests {
    func row(neutralize: Bool = true, _ build: (inout CSVWriter) -> Void) -> String {
        var csv = CSVWriter(neutralizeFormulas: neutralize)
        build(&csv)
        csv.endRow()
        return csv.text
    }

    @Test func quotesOnlyWhatRFC4180Requires() {
        #expect(
            row { for t in ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r"] { $0.text(t) } }
                == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n")
        #expect(row { $0.text("") } == "\r\n")
        #expect(row { $0.text("Zürich ✓") } == "Zürich ✓\r\n")
    }

    @Test func formulaLikeTextIsNeutralizedButNumbersAreNot() {
        #expect(
            row {
                for t in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM", "\tx"] { $0.text(t) }; $0.seconds(-1500)
            }
                == "\"'=HYPERLINK(\"\"x\"\")\",'+1,'-2,'@SUM,'\tx,-1.500\r\n")
        #expect(row(neutralize: false) { $0.text("=1+1") } == "=1+1\r\n")
    }

    @Test func numbersInstantsAndPercentages() {
        #expect(
            row {
                $0.integer(0); $0.integer(-42); $0.seconds(3_600_250); $0.seconds(5); $0.seconds(nil)
            }
                == "0,-42,3600.250,0.005,\r\n")
        #expect(
            row {
                $0.instant(.init(milliseconds: 1_772_356_502_123)); $0.instant(nil)
            } == "2026-03-01T09:15:02.123Z,\r\n")
        #expect(
            row {
                $0.percent(hundredths: 6667); $0.percent(hundredths: 5); $0.percent(hundredths: 10000)
            } == "66.67,0.05,100.00\r\n")
    }

    @Test func sourceCellsStayOneFieldWhateverThePath() {
        #expect(
            row {
                $0.source(("logs/a.log", 12)); $0.source(nil)
            } == "logs/a.log:12,\r\n")
        #expect(row { $0.source(("logs/a,b.log", 3)) } == "\"logs/a,b.log:3\"\r\n")
        #expect(row { $0.source(("-x.log", 1)) } == "'-x.log:1\r\n")
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        let folder = NSTemporaryDirectory() + "slalog-atomic-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/nested/report.csv"
        try AtomicFile.write("old\n", to: path)
        try AtomicFile.write("new\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/nested") == ["report.csv"])
        // An abandoned writer leaves the old file and no temporary behind.
        do {
            let writer = try AtomicFile(path: path)
            try writer.write(Array("half".utf8))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/nested") == ["report.csv"])
    }

    /// Write-behind flushes (writes through the page cache) run on a helper thread while the writer
    /// goes on (many of them here: one every 64 KiB); the file must still hold exactly the bytes
    /// written, in order.
    @Test func writeBehindKeepsEveryByteInOrder() throws {
        let folder = NSTemporaryDirectory() + "slalog-behind-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/tickets.csv"
        var expected: [UInt8] = []
        let file = try OutputFile(creating: path, writeBehindBytes: 1 << 16, direct: false)
        for piece in 0..<2000 {
            let bytes = (0..<(piece * 37 % 9000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ piece) }
            expected += bytes
            try file.write(bytes)
        }
        try file.finish()
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == expected)
    }
}

extension CSVWriterTests {
    /// Instants in a row: the day part is reused while days repeat; every cell must still equal the
    /// independent ISO 8601 formatter of SLACore (days before 1970 and past 9999 included).
    @Test func instantsEqualTheISO8601FormatterWhileDaysRepeat() {
        var random = SystemRandomNumberGenerator()
        var times: [Int64] = [
            0, -1, 86_399_999, 86_400_000, -86_400_000, 253_402_300_799_999, 253_402_300_800_000, -62_135_596_800_000,
            Int64.max, Int64.min + 86_400_000, Int64.max - 86_399_999, -9_000_000_000_000_000_000,
        ]
        for _ in 0..<2000 {
            let base = times.last!
            times.append(
                Bool.random(using: &random)
                    ? base + Int64.random(in: 0..<3_600_000, using: &random) : Int64.random(in: -1 << 40...1 << 42, using: &random))
        }
        var csv = CSVWriter()
        for time in times { csv.instant(Instant(milliseconds: time)) }
        csv.endRow()
        #expect(csv.text == times.map { Instant(milliseconds: $0).iso8601 }.joined(separator: ",") + "\r\n")
    }
}

/// report.html lists at most `listedGroups` groups: those with the most tickets, in key order.
@Suite struct HTMLReportTests {
    @Test func manyGroupsListTheLargestAndSayHowManyMore() {
        let count = HTMLReport.listedGroups + 37
        // Group i has (i * 7919) % 5000 tickets: many ties, broken by key order.
        let groups = (0..<count).map { i -> GroupSummary in
            var group = GroupSummary(key: [String(format: "c%05d", i)])
            group.tickets = (i * 7919) % 5000
            return group
        }
        let expected = groups.indices.sorted { (groups[$0].tickets, -$0) > (groups[$1].tickets, -$1) }.prefix(HTMLReport.listedGroups)
            .sorted()
        let page = HTMLReport(
            headline: .init(
                asOf: nil, partial: false, generation: "1", inputs: 1, bytes: 0, lines: 0, events: 0, tickets: 0, ticketsBreached: 0,
                breaches: 0, atRisk: 0, seconds: 0),
            groups: groups, dimensions: [.customer], breachesPerDay: [:], zoneName: "UTC", worst: [], problems: [], problemCounts: [],
            rejectCounts: [], context: ReportContext(inputs: [], ruleNames: [], policyNames: []))
        let html = String(decoding: page.bytes, as: UTF8.self)
        let listed = html.components(separatedBy: "<td class=\"group\">").dropFirst().map { String($0.prefix(6)) }
        #expect(listed == expected.map { groups[$0].key[0] })
        #expect(
            html.contains("The table lists the \(HTMLReport.listedGroups) groups with the most tickets; the other 37 are in summary.csv."))
    }
}

/// Every cell kind is written by `CSVWriter.Row`, the cursor tickets.csv rows go through (the writer's
/// cell methods use it too): the cases only the cursor has, and random rows against a simple model.
@Suite struct CSVRowTests {
    func row(neutralize: Bool = true, _ build: (inout CSVWriter.Row) -> Void) -> String {
        var csv = CSVWriter(neutralizeFormulas: neutralize)
        var row = csv.beginRow()
        build(&row)
        csv.endRow(row)
        return csv.text
    }

    @Test func longCellsPiecedCellsAndPreparedPaths() {
        // Longer than a word, the byte needing quotes after the first eight bytes, or only among them.
        #expect(row { $0.text("ticket-0001-long, with a comma") } == "\"ticket-0001-long, with a comma\"\r\n")
        #expect(row { $0.text("1,2,3,4,abcdefghij") } == "\"1,2,3,4,abcdefghij\"\r\n")
        #expect(
            row {
                $0.text(nil as String?); $0.empty(); $0.word("met"); $0.integer(Int.max)
            } == ",,met,9223372036854775807\r\n")
        #expect(
            row {
                $0.beginCell(); $0.append("first_response +"); $0.appendSeconds(90_500); $0.append("s over ")
                $0.appendSeconds(3_600_000); $0.append("s")
            } == "first_response +90.500s over 3600.000s\r\n")
        "logs/a.log".utf8CString.withUnsafeBytes { path in
            #expect(row { $0.source(cell: UnsafeRawBufferPointer(rebasing: path.dropLast()), line: 12) } == "logs/a.log:12\r\n")
        }
    }

    /// Every digit count, at both sides of each power of ten (the count is worked out from the bit length).
    @Test func integersAtEveryPowerOfTen() {
        var power = 1
        for _ in 0..<19 {
            for value in [power - 1, power, power + 1, -power, 2 * power - 1] {
                #expect(row { $0.integer(value) } == "\(value)\r\n")
            }
            if power <= Int.max / 10 { power *= 10 }
        }
        for value in [Int.max, Int.min + 1, 1 << 62, (1 << 62) - 1] { #expect(row { $0.integer(value) } == "\(value)\r\n") }
        #expect(
            row {
                $0.seconds(0); $0.seconds(999); $0.seconds(-1)
            } == "0.000,0.999,-0.001\r\n")
        // Seconds of every digit count (eight and fewer are built in one word, more the long way),
        // against the plain model.
        var seconds: Int64 = 1
        for _ in 0..<15 {  // up to 10^14 s (10 × 10^14 × 1000 ms still fits)
            for ms in [seconds * 1000 - 1, seconds * 1000, seconds * 1000 + 7, -seconds * 1000 + 1, 10 * seconds * 1000 - 1] {
                #expect(row { $0.seconds(ms) } == Model.seconds(ms) + "\r\n")
            }
            seconds *= 10
        }
        for ms in [Int64.max, Int64.min + 1] { #expect(row { $0.seconds(ms) } == Model.seconds(ms) + "\r\n") }
    }

    /// The compile-time cells of the enums are their raw values.
    @Test func enumCellsAreTheirRawValues() {
        func text(_ cell: StaticString) -> String { cell.description }
        for outcome in Outcome.allCases { #expect(text(outcome.cell) == outcome.rawValue) }
        for reason in StopReason.allCases { #expect(text(reason.cell) == reason.rawValue) }
        for state in TicketState.allCases { #expect(text(state.cell) == state.rawValue) }
        for metric in Metric.allCases { #expect(text(metric.cell) == metric.rawValue) }
        for requester in [Requester.customer, .agent] { #expect(text(requester.cell) == requester.description) }
    }

    /// The CSV rules written plainly with Strings: the model random rows are checked against.
    enum Model {
        static func text(_ value: String, neutralize: Bool) -> String {
            let quote = value.utf8.contains { [0x2c, 0x22, 0x0a, 0x0d].contains($0) }
            let formula = neutralize && "=+-@\t\r".utf8.contains(value.utf8.first ?? 0)
            let body = (formula ? "'" : "") + (quote ? value.replacingOccurrences(of: "\"", with: "\"\"") : value)
            return quote ? "\"" + body + "\"" : body
        }
        static func seconds(_ ms: Int64) -> String {
            (ms < 0 ? "-" : "") + "\(ms.magnitude / 1000)." + String(String(ms.magnitude % 1000 + 1000).dropFirst())
        }
        static func percent(_ hundredths: Int) -> String {
            "\(hundredths / 100)." + String(String(hundredths % 100 + 100).dropFirst())
        }
    }

    /// A text cell is quoted exactly when a byte needs it, wherever that byte is: every length up to
    /// 24 bytes, each byte that needs quotes (and a few that do not, just above and below) at every
    /// position (the scan reads whole words, the last one overlapping, and four-byte halves under eight).
    @Test func quotesWhateverPositionTheByteIsAt() {
        for length in 0...24 {
            for special: UInt8 in [0x2c, 0x22, 0x0a, 0x0d, 0x2d, 0x2b, 0x20, 0xc3] {
                for position in 0..<max(1, length) {
                    var bytes = [UInt8](repeating: UInt8(ascii: "k"), count: length)
                    if length > 0 { bytes[position] = special }
                    if special == 0xc3, length > 0 {  // a two-byte UTF-8 character (é) where it fits
                        guard position + 1 < length else { continue }
                        bytes[position + 1] = 0xa9
                    }
                    let text = String(decoding: bytes, as: UTF8.self)
                    #expect(row(neutralize: false) { $0.text(text) } == Model.text(text, neutralize: false) + "\r\n", "\(bytes)")
                }
            }
        }
    }

    /// Random rows through the cursor, from a 16-byte buffer (so it grows in the middle of rows),
    /// equal the model's.
    @Test func randomRowsEqualAPlainModel() {
        var random = SystemRandomNumberGenerator()
        let texts = [
            "", "a", "T-000123", "Acme, Inc.", "=cmd", "-5", "say \"x\"", "multi\nline", "1,2,3,4,abcdefghij", "naïve café ✓",
            String(repeating: "x", count: 40),
        ]
        let numbers = [0, 1, 9, 10, 99, 100, 999, 1000, 12_345, Int(Int32.max), Int.max, -1, -10, -99_999, Int.min + 1]
        for neutralize in [true, false] {
            var csv = CSVWriter(neutralizeFormulas: neutralize, capacity: 16)
            var expected = ""
            for _ in 0..<300 {
                var row = csv.beginRow()
                var cells: [String] = []
                for _ in 0..<Int.random(in: 1...40, using: &random) {
                    switch Int.random(in: 0..<7, using: &random) {
                    case 0:
                        let t = texts.randomElement(using: &random)!
                        row.text(t); cells.append(Model.text(t, neutralize: neutralize))
                    case 1:
                        let n = numbers.randomElement(using: &random)! / (Bool.random(using: &random) ? 1 : 7)
                        row.integer(n); cells.append(String(n))
                    case 2:
                        let ms = Bool.random(using: &random) ? Int64.random(in: -10_000_000...10_000_000_000, using: &random) : nil
                        row.seconds(ms); cells.append(ms.map(Model.seconds) ?? "")
                    case 3:
                        let at = Instant(milliseconds: Int64.random(in: -1 << 40...1 << 43, using: &random))
                        row.instant(at); cells.append(at.iso8601)
                    case 4:
                        row.empty(); cells.append("")
                    case 5:
                        let hundredths = Bool.random(using: &random) ? Int.random(in: 0...10_000, using: &random) : nil
                        row.percent(hundredths: hundredths); cells.append(hundredths.map(Model.percent) ?? "")
                    default:
                        row.word("breached"); cells.append("breached")
                    }
                }
                csv.endRow(row)
                expected += cells.joined(separator: ",") + "\r\n"
            }
            #expect(csv.text == expected)
        }
    }
}
