import Foundation
import SLACore
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// The demo pipeline over the bundled fixtures against the hand-worked
/// expectations in fixtures/expected (explained in fixtures/EXPECTED.md).
@Suite struct FixtureTests {
    @Test func demoMatchesTheHandWorkedExpectations() throws {
        let run = try runDemo()
        #expect(run.summary == read(fixture("fixtures/expected/summary.csv")))
        #expect(run.tickets == read(fixture("fixtures/expected/tickets.csv")))
        #expect(run.rejects == read(fixture("fixtures/expected/rejects.csv")))
        let s = run.result.statistics
        #expect(s.inputs.map(\.lines) == [28, 12, 17, 3])
        #expect(s.events == 44 && s.rejects == 2 && s.ignored == 1)
        #expect(s.duplicates == 1 && s.anomalies == 2)
        #expect(run.result.isPartial)  // two rejected lines
        #expect(run.result.asOf?.iso8601 == "2026-03-03T18:00:00.000Z")
    }

    @Test(arguments: [1, 2, 8])
    func outputIsByteIdenticalAtAnyThreadCountAndChunkSize(jobs: Int) throws {
        let reference = try runDemo(jobs: 1)
        let run = try runDemo(jobs: jobs, chunkSize: 64)  // tiny chunks: many out-of-order merges
        #expect(run.summary == reference.summary)
        #expect(run.tickets == reference.tickets)
        #expect(run.rejects == reference.rejects)
    }

    @Test func plainGzipZstdAndLZ4GiveTheSameReports() throws {
        let scratch = Scratch()
        scratch.shell(
            """
            cp \(fixture("fixtures/helpdesk/desk-2026-03-02.log")) d1.log && gzip -dc \(fixture("fixtures/helpdesk/desk-2026-03-03.log.gz")) > d2.log \
            && cp \(fixture("fixtures/chat/chat-2026-03-02.log")) chat.log && cp \(fixture("fixtures/mail/mailgw-2026-03-02.log")) mail.log \
            && for f in d1 d2 chat mail; do gzip -c $f.log > $f.gz; zstd -q -c $f.log > $f.zst; lz4 -q -c $f.log > $f.lz4; done
            """)
        var outputs: [String: (String, String)] = [:]
        for ext in ["log", "gz", "zst", "lz4"] {
            let run = try runDemo(inputs: ["d1", "d2", "chat", "mail"].map { "\(scratch.path)/\($0).\(ext)" })
            outputs[ext] = (run.summary, run.tickets.replacingOccurrences(of: ".\(ext):", with: ":"))
            #expect(run.result.statistics.inputs.allSatisfy { $0.failure == nil })
        }
        for ext in ["gz", "zst", "lz4"] {
            #expect(outputs[ext]!.0 == outputs["log"]!.0, "summary differs for \(ext)")
            #expect(outputs[ext]!.1 == outputs["log"]!.1, "tickets differ for \(ext)")
        }
        #expect(outputs["log"]!.0 == read(fixture("fixtures/expected/summary.csv")))
    }

    @Test func theCommittedLZ4ZstdAndGzipCopiesGiveTheHandWorkedReports() throws {
        let copies = ["desk-2026-03-02.log.lz4", "desk-2026-03-03.log.zst", "chat-2026-03-02.log.lz4", "mailgw-2026-03-02.log.gz"]
        let run = try runDemo(inputs: copies.map { fixture("fixtures/compressed/\($0)") })
        #expect(run.summary == read(fixture("fixtures/expected/summary.csv")))
        let renamed = run.tickets
            .replacingOccurrences(of: "fixtures/compressed/desk-2026-03-02.log.lz4", with: "fixtures/helpdesk/desk-2026-03-02.log")
            .replacingOccurrences(of: "fixtures/compressed/desk-2026-03-03.log.zst", with: "fixtures/helpdesk/desk-2026-03-03.log.gz")
            .replacingOccurrences(of: "fixtures/compressed/chat-2026-03-02.log.lz4", with: "fixtures/chat/chat-2026-03-02.log")
        #expect(renamed == read(fixture("fixtures/expected/tickets.csv")))
        #expect(run.result.statistics.inputs.map { $0.format?.rawValue } == ["lz4", "zstd", "lz4", "gzip"])
    }

    @Test func feedingTheSameFileTwiceChangesNoFigure() throws {
        let scratch = Scratch()
        scratch.shell("cp \(fixture("fixtures/chat/chat-2026-03-02.log")) copy.log")
        let once = try runDemo(inputs: [fixture("fixtures/chat/chat-2026-03-02.log")])
        let twice = try runDemo(inputs: [fixture("fixtures/chat/chat-2026-03-02.log"), "\(scratch.path)/copy.log"])
        #expect(twice.summary == once.summary)
        #expect(twice.tickets == once.tickets)
        #expect(twice.result.statistics.duplicates == 15)  // every chat event of the copy
    }

    @Test func asOfMovesTheClockBack() throws {
        let scratch = Scratch()
        let definition = try PipelineDefinition.load(path: fixture("pipelines/demo.yaml"))
        var options = RunOptions()
        options.outputDirectory = scratch.path
        options.inputs = [fixture("fixtures/helpdesk/desk-2026-03-02.log")]
        options.asOf = Instant(year: 2026, month: 3, day: 2, hour: 15, minute: 40)
        let result = try Runner.run(definition, options: options)
        let tickets = read("\(scratch.path)/tickets.csv")
        // At 15:40, T-1002 (urgent, opened 15:00) has waited 40 min > 30 min: an ongoing breach.
        let row = tickets.split(separator: "\r\n").first { $0.hasPrefix("T-1002,") } ?? ""
        #expect(row.contains(",2400.000,1800.000,ongoing_breach,600.000,"))
        #expect(!tickets.contains("T-1006"))  // opened after as_of
        // After 15:40: T-1002's reply (15:50) and solve (16:30), T-1006's open (20:00) and reply (20:30).
        #expect(result.statistics.eventsAfterAsOf == 4)
    }
}
