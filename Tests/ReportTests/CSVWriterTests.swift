import Foundation
import Testing
@testable import Report

@Suite struct CSVWriterTests {
    func row(_ cells: [CSVWriter.Cell], neutralize: Bool = true) -> String {
        var csv = CSVWriter(neutralizeFormulas: neutralize)
        csv.row(cells)
        return csv.text
    }

    @Test func quotesOnlyWhatRFC4180Requires() {
        #expect(row([.text("plain"), .text("a,b"), .text("say \"hi\""), .text("two\nlines"), .text("cr\r")])
            == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n")
        #expect(row([.text("")]) == "\r\n")
    }

    @Test func formulaLikeTextIsNeutralizedButNumbersAreNot() {
        #expect(row([.text("=HYPERLINK(\"x\")"), .text("+1"), .text("-2"), .text("@SUM"), .text("\tx"), .number("-1.500")])
            == "\"'=HYPERLINK(\"\"x\"\")\",'+1,'-2,'@SUM,'\tx,-1.500\r\n")
        #expect(row([.text("=1+1")], neutralize: false) == "=1+1\r\n")
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        let folder = NSTemporaryDirectory() + "slalog-atomic-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/nested/report.csv"
        try AtomicFile.write("old\n", to: path)
        try AtomicFile.write("new\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/nested") == ["report.csv"])
    }
}
