import TestSupport
import Testing

@testable import Report

/// The group table of the HTML report is written as bytes: numbers as `String(n)` would print them,
/// texts escaped as `HTMLReport.escape` (the page's other texts) escapes them.
@Suite struct HTMLBytesTests {
    @Test func numbersAreWrittenAsDecimalText() {
        var random = SeededGenerator(state: 5)
        var numbers = [0, 1, -1, 9, 10, 99, 100, -100, 12_345, Int.max, Int.min, Int(Int32.max), -999]
        numbers += (0..<500).map { _ in Int.random(in: Int.min...Int.max, using: &random) >> Int.random(in: 0..<63, using: &random) }
        for n in numbers {
            var html = HTMLBytes(capacity: 0)
            html.put(n)
            #expect(html.text == String(n))
        }
    }

    @Test func textsAreEscapedAsThePageEscapesThem() {
        let texts = [
            "", "acme", "<script>alert(1)</script>", "a & b", "\"quoted\" and 'single'", "naïve <café> ✓ & 日本",
            "&amp; already", ">>><<<", "tab\tand\nnewline",
        ]
        for text in texts {
            var html = HTMLBytes(capacity: 0)
            html.putEscaped(text)
            #expect(html.text == HTMLReport.escape(text))
        }
    }
}
