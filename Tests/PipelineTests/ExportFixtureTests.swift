import Foundation
import Ingest
import SLACore
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// The CSV and JSON-lines exports against fixtures/EXPECTED.md ("Exports").
@Suite struct ExportFixtureTests {
    func run(_ pipeline: String, asOf: Instant? = nil, jobs: Int = 2, chunkSize: Int = 1 << 20) throws -> PipelineRun {
        try runPipeline(pipeline, asOf: asOf, jobs: jobs, chunkSize: chunkSize)
    }

    func value(_ rows: [[String]], _ ticket: String, _ column: String) -> String {
        rows.first { $0[0] == ticket }![rows[0].firstIndex(of: column)!]
    }

    @Test func processMiningCSVGivesTheHandWorkedCases() throws {
        let run = try run("pipelines/process-mining.yaml", asOf: Instant(year: 2026, month: 3, day: 2, hour: 18))
        let t = run.tickets
        #expect(t.dropFirst().map { $0[0] } == ["1", "2", "3"])
        #expect(value(t, "1", "policy") == "urgent" && value(t, "1", "state") == "active" && value(t, "1", "reopens") == "1")
        #expect(value(t, "1", "first_response_s") == "2400.000" && value(t, "1", "first_response_outcome") == "met")
        #expect(value(t, "1", "resolution_s") == "7200.000" && value(t, "1", "resolution_outcome") == "running")
        #expect(value(t, "2", "policy") == "standard" && value(t, "2", "reopens") == "1")
        #expect(value(t, "2", "first_response_s") == "7200.000" && value(t, "2", "resolution_s") == "17400.000")
        #expect(
            value(t, "2", "open_source")
                == "fixtures/exports/incidents.csv:3".replacingOccurrences(of: "fixtures", with: repositoryRoot + "/fixtures"))
        #expect(value(t, "3", "state") == "resolved" && value(t, "3", "first_response_stop") == "resolved_without_reply")
        #expect(value(t, "3", "first_response_outcome") == "unmeasured" && value(t, "3", "resolution_s") == "3600.000")
        #expect(run.rejects.count == 2)
        #expect(Array(run.rejects[1].dropFirst(2)) == ["9", "394", "activity", "3", "ragged row: 4 fields where the header has 6"])
        #expect(run.result.statistics.lines == 17)  // 16 records, one of them on two lines
    }

    @Test(arguments: [(1, 1 << 20), (2, 64), (8, 100), (1, 17)])
    func csvRecordsSurviveAnyChunkBoundaryAndThreadCount(jobs: Int, chunkSize: Int) throws {
        let reference = try run("pipelines/process-mining.yaml", asOf: Instant(year: 2026, month: 3, day: 2, hour: 18))
        let other = try run(
            "pipelines/process-mining.yaml", asOf: Instant(year: 2026, month: 3, day: 2, hour: 18), jobs: jobs, chunkSize: chunkSize)
        #expect(other.raw == reference.raw)
        #expect(other.rejects == reference.rejects)
    }

    @Test func jsonLogsGiveTheHandWorkedTickets() throws {
        let run = try run("pipelines/json-logs.yaml")
        let t = run.tickets
        #expect(value(t, "W-1", "customer") == "acme" && value(t, "W-1", "priority") == "high" && value(t, "W-1", "channel") == "web")
        #expect(value(t, "W-1", "agent") == "böb")
        #expect(value(t, "W-1", "first_response_outcome") == "breached" && value(t, "W-1", "first_response_over_target_s") == "900.000")
        #expect(value(t, "W-1", "next_reply_worst_s") == "1800.000" && value(t, "W-1", "resolution_s") == "3600.000")
        #expect(value(t, "W-2", "first_response_s") == "7200.000" && value(t, "W-2", "first_response_outcome") == "met")
        #expect(value(t, "W-2", "resolution_s") == "12600.000" && value(t, "W-2", "resolution_outcome") == "running")
        #expect(run.rejects.count == 2 && run.rejects[1][2] == "9" && run.rejects[1][3] == "955")
        #expect(run.rejects[1][6].hasPrefix("not a JSON-lines record"))
        #expect(run.result.statistics.unmatched == 2)
    }

    @Test func csvEdgeCasesGiveExactFieldsOrAClearReject() throws {
        // No header row (columns from the pipeline), `;` delimiter, a quoted empty field, an unterminated quote at the end.
        let scratch = Scratch()
        let csv = "T1;open;2026-03-02T09:00:00Z;\"\"\nT1;reply;2026-03-02T09:10:00Z;\"a;b\"\nT2;open;2026-03-02T09:20:00Z;\"never closed\n"
        scratch.write("x.csv", Array(csv.utf8))
        let yaml = """
            inputs: [{path: x.csv, format: csv, delimiter: ";", columns: [id, what, at, note]}]
            rules:
              - name: r
                fields: {ts: at, ticket: id, what: what, agent: note}
                kind: {group: what, map: {open: open, reply: agent_reply}}
            outputs: {dir: out}
            """
        scratch.write("p.yaml", Array(yaml.utf8))
        let events = try runSlalog(["events", scratch.path + "/p.yaml"])
        let rows = events.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.count == 3, "\(events.stdout)")
        #expect(rows[0][4] == "open" && rows[0][5] == "")  // an empty quoted field is no agent
        #expect(rows[1][4] == "agent_reply" && rows[1][5] == "agent=a;b")
        #expect(rows[2][0].hasSuffix("x.csv:3") && rows[2][4] == "REJECT")
        #expect(rows[2][5] == "unterminated quoted field: the record runs to the end of the file")
    }

    @Test func statusChangeExportGivesTheHandWorkedTickets() throws {
        let run = try run("pipelines/status-export.yaml")
        let t = run.tickets
        #expect(value(t, "H-1", "first_response_s") == "1200.000" && value(t, "H-1", "resolution_s") == "5400.000")
        #expect(value(t, "H-1", "state") == "resolved" && value(t, "H-1", "resolution_outcome") == "met")
        #expect(value(t, "H-2", "first_response_stop") == "resolved_without_reply" && value(t, "H-2", "first_response_s") == "600.000")
        #expect(value(t, "H-2", "reopens") == "1" && value(t, "H-2", "resolution_s") == "600.000")
        #expect(value(t, "H-2", "resolution_outcome") == "running" && run.rejects.count == 1)
    }

    @Test func aDamagedGzipMemberDropsOnlyWholeCSVRecordsOfIt() throws {
        // incidents.csv as two gzip members split inside the quoted field that holds a line break
        // (line 5): the record spanning both members counts only if the second verifies. Every
        // third byte of the second member flipped in turn: the reports are the whole file's, or
        // those of the records that end in the first member, never anything else.
        let scratch = Scratch()
        let data = Array(read(fixture("fixtures/exports/incidents.csv")).utf8)
        let split = data.firstIndex(of: UInt8(ascii: "w"))!  // inside "two lines:…"
        let firstRecords = data[..<split].withUnsafeBytes { CSVScanner.lastRecordEnd(in: UnsafeRawBufferPointer($0))! }
        for (folder, bytes) in [("whole", data), ("first", Array(data[..<firstRecords]))] {
            try FileManager.default.createDirectory(atPath: "\(scratch.path)/\(folder)", withIntermediateDirectories: true)
            scratch.write("\(folder)/incidents.csv", bytes)
        }
        scratch.write("a", Array(data[..<split]))
        scratch.write("b", Array(data[split...]))
        scratch.shell("gzip -c a > two.gz && gzip -c b >> two.gz")
        let packed = Array(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/two.gz")))
        scratch.shell("gzip -c a > one.gz")
        let memberLength = Array(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/one.gz"))).count
        let definition = try PipelineDefinition.load(path: fixture("pipelines/process-mining.yaml"))
        func tickets(_ path: String) throws -> String {
            var options = RunOptions()
            options.inputs = [path]
            options.asOf = Instant(year: 2026, month: 3, day: 2, hour: 18)
            options.outputDirectory = scratch.path + "/out"
            _ = try Runner.run(definition, options: options)
            return read(scratch.path + "/out/tickets.csv").replacingOccurrences(of: path, with: "X")
        }
        let whole = try tickets(scratch.path + "/whole/incidents.csv")
        let first = try tickets(scratch.path + "/first/incidents.csv")
        #expect(whole != first)
        try FileManager.default.createDirectory(atPath: scratch.path + "/flip", withIntermediateDirectories: true)
        var dropped = 0
        for position in stride(from: memberLength, to: packed.count, by: 3) {
            var damaged = packed
            damaged[position] ^= 0xA5
            scratch.write("flip/incidents.csv", damaged)
            let got = try tickets(scratch.path + "/flip/incidents.csv")
            #expect(got == whole || got == first, "flip at \(position): made-up figures")
            if got == first { dropped += 1 }
        }
        #expect(dropped > 0)
    }
}
