import SLACore
import TestSupport
import Testing

@testable import Report

/// The HTML report's texts are escaped, and its group table written, as bytes: numbers as `String(n)`
/// would print them, texts with the five characters that matter as entities (a plain model below).
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

    /// Seconds as the rest of the page writes them (`formatSeconds`), percentages as "66.67".
    @Test func secondsAndPercentagesAreWrittenAsThePageWritesThem() {
        var random = SeededGenerator(state: 9)
        let values: [Int64] = [0, 1, 9, 10, 99, 100, 999, 1000, 1005, -1, -1005, 86_400_000, 3_600_250]
        for ms in values + (0..<300).map({ _ in Int64.random(in: -10_000_000_000...10_000_000_000, using: &random) }) {
            var html = HTMLBytes(capacity: 0)
            html.put(seconds: ms)
            #expect(html.text == formatSeconds(ms))
        }
        for hundredths in [0, 1, 9, 10, 99, 100, 6667, 9500, 10_000] {
            var html = HTMLBytes(capacity: 0)
            html.put(hundredths: hundredths)
            #expect(html.text == "\(hundredths / 100)." + String(String(hundredths % 100 + 100).dropFirst()))
        }
    }

    static func model(_ text: String) -> String {
        let entities: [Character: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]
        return text.map { entities[$0] ?? String($0) }.joined()
    }

    @Test func textsAreEscapedWithEntities() {
        let texts = [
            "", "acme", "<script>alert(1)</script>", "a & b", "\"quoted\" and 'single'", "naïve <café> ✓ & 日本",
            "&amp; already", ">>><<<", "tab\tand\nnewline",
        ]
        for text in texts {
            var html = HTMLBytes(capacity: 0)
            html.putEscaped(text)
            #expect(html.text == Self.model(text))
            #expect(HTMLReport.escape(text) == Self.model(text))
        }
    }
}
