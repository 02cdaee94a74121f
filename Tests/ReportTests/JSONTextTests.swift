import Foundation
import TestSupport
import Testing

@testable import Report

/// run.json is written by `JSONText`, in the form Foundation's `JSONSerialization` writes (pretty,
/// sorted keys, slashes unescaped): random documents of run.json's shapes give the same bytes as
/// Foundation's writer, the independent reference.
@Suite struct JSONTextTests {
    static let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]

    func foundation(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: Self.options), as: UTF8.self)
    }

    /// Keys as run.json's: lowercase words joined by underscores.
    func key(_ random: inout SeededGenerator) -> String {
        let words = ["path", "lines", "long", "events", "as", "of", "known", "from", "byte", "a", "b", "tickets", "x"]
        return (0..<Int.random(in: 1...3, using: &random)).map { _ in words.randomElement(using: &random)! }.joined(separator: "_")
    }

    func text(_ random: inout SeededGenerator) -> String {
        let pieces = [
            "a", "Z", "/", "\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{1f}", "\u{8}", "\u{c}", "\u{7f}", "é", "✓", "日本", " ", "x:y", "",
        ]
        return (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    func value(_ random: inout SeededGenerator, depth: Int) -> Any {
        switch Int.random(in: 0..<(depth < 3 ? 9 : 7), using: &random) {
        case 0: return text(&random)
        case 1: return Int.random(in: -1_000_000_000...1_000_000_000, using: &random) >> Int.random(in: 0..<30, using: &random)
        case 2: return Int64.random(in: Int64.min...Int64.max, using: &random)
        case 3: return (Double(Int.random(in: 0...100_000_000, using: &random)) * 1000).rounded() / 1000 / 1000
        case 4: return Bool.random(using: &random)
        case 5: return NSNull()
        case 6: return Double(Int.random(in: -5...5_000, using: &random))
        case 7: return (0..<Int.random(in: 0...4, using: &random)).map { _ in value(&random, depth: depth + 1) }
        default:
            var object: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &random) { object[key(&random)] = value(&random, depth: depth + 1) }
            return object
        }
    }

    @Test func randomDocumentsMatchFoundationsWriter() throws {
        var random = SeededGenerator(state: 41)
        for _ in 0..<400 {
            var document: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0...8, using: &random) { document[key(&random)] = value(&random, depth: 0) }
            #expect(JSONText.pretty(document) == (try foundation(document)))
        }
    }

    @Test func aRunReportMatchesFoundationsWriter() throws {
        var statistics = RunStatistics()
        statistics.seconds = 12.0
        var input = InputStatistics(path: "logs/desk.log.1")
        input.bytes = 1234; input.lines = 10
        statistics.inputs = [input, InputStatistics(path: "/abs/path with spaces/\"q\".log")]
        var result = RunResult(
            statistics: statistics, problems: [], asOf: nil, outputs: ["tickets.csv", "summary.csv"], isPartial: false, generation: "g",
            unverifiedTextKept: false, warnings: [], strict: false)
        result.store = StoreAccount(
            path: "/tmp/s.db", inputs: [StoreAccount.Input(path: "a.log", fate: "new", knownAs: nil, from: 0)], events: 7, tickets: 2,
            sources: 1)
        let json = RunReport.json(result, pipeline: "pipelines/demo.yaml")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8))
        #expect(json == (try foundation(parsed)) + "\n")
    }
}
