import Aggregate
import Report
import SLACore
import TestSupport
import Testing

/// summary.csv rendered in pieces on several threads: the same bytes whatever the threads and piece
/// size (the header once, each group's row once, in key order), as the README promises of every report.
@Suite struct SummaryReportTests {
    @Test func piecesOnThreadsGiveTheSameBytes() {
        var random = SeededGenerator(state: 17)
        var summary = Summarizer(dimensions: [.customer], policyNames: ["p"])
        for n in 0..<3_000 {
            func instance(_ metric: Metric) -> MetricInstance {
                let value = Milliseconds.random(in: 0...50_000_000, using: &random)
                return MetricInstance(
                    metric: metric, start: Instant(milliseconds: 0), stop: Instant(milliseconds: value), stopReason: .completed,
                    value: value, target: 3_600_000, policy: 0, outcome: value <= 3_600_000 ? .met : .breached, stopSource: nil)
            }
            summary.add(
                TicketResult(
                    ticket: "T\(n)", customer: "c\(Int.random(in: 0..<700, using: &random))", priority: nil, channel: nil, agent: nil,
                    requester: .customer, state: .resolved, openedAt: Instant(milliseconds: 0), openSource: nil, resolvedAt: nil,
                    reopens: 0,
                    policy: 0, firstResponse: instance(.firstResponse), nextReplies: [], resolution: instance(.resolution)))
        }
        let rows = summary.takeRows()
        let context = ReportContext(inputs: [], ruleNames: [], policyNames: ["p"])
        func render(threads: Int, rowsPerPiece: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            SummaryReport.write(rows, dimensions: [.customer], context: context, threads: threads, rowsPerPiece: rowsPerPiece) {
                (buffer: UnsafeRawBufferPointer) throws(Never) in bytes += buffer
            }
            return bytes
        }
        let one = render(threads: 1, rowsPerPiece: 1 << 20)
        let lines = String(decoding: one, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count == 1 + rows.count)
        #expect(lines.dropFirst().map { String($0.prefix { $0 != "," }) } == rows.map { $0.key[0] })
        for (threads, piece) in [(1, 7), (2, 1), (2, 100), (3, 7), (8, 64)] {
            #expect(render(threads: threads, rowsPerPiece: piece) == one, "\(threads) threads, \(piece) rows a piece")
        }
    }
}
