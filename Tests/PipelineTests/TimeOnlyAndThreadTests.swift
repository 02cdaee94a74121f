import Foundation
import SLACore
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// Time-only stamps and message threads against fixtures/EXPECTED.md ("Time-only chat", "Mail threads").
@Suite struct TimeOnlyAndThreadTests {
    func run(_ pipeline: String, jobs: Int = 2, chunkSize: Int = 1 << 20) throws -> PipelineRun {
        try runPipeline(pipeline, jobs: jobs, chunkSize: chunkSize)
    }

    func value(_ rows: [[String]], _ ticket: String, _ column: String) -> String {
        rows.first { $0[0] == ticket }![rows[0].firstIndex(of: column)!]
    }

    @Test func timeOnlyStampsTakeTheirDateFromTheFileNameDateLinesAndMidnight() throws {
        let run = try run("pipelines/chat-timeonly.yaml")
        let t = run.tickets
        #expect(
            value(t, "C-601", "opened_at") == "2026-03-02T22:50:00.000Z" && value(t, "C-601", "resolved_at") == "2026-03-02T23:10:00.000Z")
        #expect(value(t, "C-601", "first_response_s") == "480.000" && value(t, "C-601", "first_response_outcome") == "breached")
        #expect(value(t, "C-601", "next_reply_worst_s") == "60.000" && value(t, "C-601", "resolution_s") == "1200.000")
        #expect(value(t, "C-602", "opened_at") == "2026-03-05T08:00:00.000Z" && value(t, "C-602", "first_response_s") == "300.000")
        #expect(value(t, "C-602", "next_reply_count") == "0" && value(t, "C-602", "resolution_s") == "1200.000")
        #expect(run.rejects.count == 2 && run.rejects[1][1].hasSuffix("transcript.log") && run.rejects[1][2] == "1")
        #expect(run.rejects[1][5] == "C-603" && run.rejects[1][6].hasPrefix("a time-only stamp with no date"))
    }

    @Test func threadsAreTicketsNamedByTheirRootWhateverTheLineOrder() throws {
        let run = try run("pipelines/mail-threads.yaml")
        let t = run.tickets
        #expect(t.dropFirst().map { $0[0] } == ["<c1@acme.example>", "<g1@globex.example>"])
        #expect(
            value(t, "<c1@acme.example>", "first_response_s") == "3000.000"
                && value(t, "<c1@acme.example>", "next_reply_worst_s") == "2400.000")
        #expect(value(t, "<c1@acme.example>", "resolution_s") == "9000.000")
        #expect(value(t, "<g1@globex.example>", "open_source").hasSuffix("mailgw.log:5"))
        #expect(value(t, "<g1@globex.example>", "first_response_s") == "7200.000")
        #expect(value(t, "<g1@globex.example>", "first_response_over_target_s") == "3600.000")
    }

    @Test(arguments: [(1, 1 << 20), (2, 64), (8, 90)])
    func datingAndThreadsDoNotDependOnChunksOrThreads(jobs: Int, chunkSize: Int) throws {
        for pipeline in ["pipelines/chat-timeonly.yaml", "pipelines/mail-threads.yaml"] {
            let reference = try run(pipeline)
            let other = try run(pipeline, jobs: jobs, chunkSize: chunkSize)
            #expect(other.raw == reference.raw, "\(pipeline)")
            #expect(other.rejects == reference.rejects, "\(pipeline)")
        }
    }

    @Test func explainFindsEveryLineOfAThreadAndDatesTimeOnlyLines() throws {
        let thread = try runSlalog(["explain", "pipelines/mail-threads.yaml", "<g1@globex.example>"])
        #expect(thread.status == 0, "\(thread.stderr)")
        #expect(thread.stdout.contains("mailgw.log:4  rule inbound") && thread.stdout.contains("mailgw.log:7  rule outbound"))
        let chat = try runSlalog(["explain", "pipelines/chat-timeonly.yaml", "C-601"])
        #expect(chat.stdout.contains("2026-03-02T23:03:00.000Z  customer_message"), "\(chat.stdout)")
    }

    @Test func ruleTestsDateTimeOnlySamplesAndEveryReadyPipelinePassesItsTests() throws {
        for pipeline in [
            "demo", "process-mining", "status-export", "json-logs", "mail-threads", "chat-timeonly",
        ] {
            let run = try runSlalog(["check", "pipelines/\(pipeline).yaml"])
            #expect(run.status == 0, "\(pipeline): \(run.stderr)")
            #expect(run.stdout.contains(" passed") && !run.stdout.contains(" 0 of "), "\(pipeline)")
        }
        let scratch = Scratch()
        let yaml = read(fixture("pipelines/chat-timeonly.yaml")).replacingOccurrences(
            of: "time: \"2026-03-02T23:03:00Z\"", with: "time: \"2026-03-03T23:03:00Z\"")
        scratch.write("p.yaml", Array(yaml.utf8))
        let wrong = try runSlalog(["check", scratch.path + "/p.yaml"])
        #expect(wrong.status == 1 && wrong.stderr.contains("+ event 2: customer_message time=2026-03-02T23:03:00.000Z"), "\(wrong.stderr)")
    }

    @Test func fileNameDates() {
        #expect(TimeOnlySettings.day(inFileName: "/x/chat-2026-03-02.log") == 20514)
        #expect(TimeOnlySettings.day(inFileName: "irc_20260302.txt") == 20514)
        #expect(TimeOnlySettings.day(inFileName: "a/2026_03_02") == 20514)
        #expect(
            TimeOnlySettings.day(inFileName: "2026-02-30.log") == nil && TimeOnlySettings.day(inFileName: "build-1234567890.log") == nil)
    }
}
