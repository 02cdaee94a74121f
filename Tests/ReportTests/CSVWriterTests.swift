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
}
