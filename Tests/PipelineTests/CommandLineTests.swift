import Foundation
import Testing

/// Runs the built `slalog` binary as a user would, checking exit codes and streams.
@Suite struct CommandLineTests {
    func slalog(_ arguments: [String]) throws -> Outcome { try runSlalog(arguments) }

    @Test func partialRunExitsOneAndWritesReports() throws {
        let scratch = Scratch()
        let run = try slalog(["run", "pipelines/demo.yaml", "--out", scratch.path])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("PARTIAL run"))
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/summary.csv"))
        let report =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path + "/run.json"))) as? [String: Any]
        #expect(report?["status"] as? String == "partial")
        #expect(report?["exit_code"] as? Int == 1)
    }

    @Test func cleanInputExitsZero() throws {
        let scratch = Scratch()
        let run = try slalog(["run", "pipelines/demo.yaml", "fixtures/chat/", "--out", scratch.path, "--quiet"])
        #expect(run.status == 0)
        // --quiet drops the summary; warnings stay (the chat log leaves desk rules and policies unused).
        let lines = run.stderr.split(separator: "\n")
        #expect(
            !lines.isEmpty && lines.allSatisfy { $0.hasPrefix("slalog: warning: rule '") || $0.hasPrefix("slalog: warning: policy '") },
            "\(run.stderr)")
    }

    @Test func pipelineAndUsageErrorsExitTwoAndWriteNothing() throws {
        let scratch = Scratch()
        try "rules: [{name: r, pattern: '(', kind: open}]\n".write(toFile: scratch.path + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try slalog(["run", scratch.path + "/bad.yaml", "fixtures/chat/", "--out", scratch.path + "/out"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yaml:1:"))
        #expect(bad.stderr.contains("invalid regex"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out"))
        #expect(try slalog(["run", "pipelines/demo.yaml", "--jobs", "0", "--out", scratch.path]).status == 2)
        #expect(try slalog(["run", "pipelines/demo.yaml", "--as-of", "yesterday", "--out", scratch.path]).status == 2)
        #expect(try slalog(["frobnicate"]).status == 2)
    }

    @Test func helpTeachesWithAnExample() throws {
        let help = try slalog(["run", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example:"))
        #expect(help.stdout.contains("--as-of"))
    }

    @Test func checkValidatesWithoutReadingLogs() throws {
        let check = try slalog(["check", "pipelines/demo.yaml"])
        #expect(check.status == 0)
        #expect(check.stdout.contains("rules: 7"))
    }
}

@Suite struct InterruptionTests {
    @Test func killedRunLeavesPreviousReportsAndNoTemporaryFiles() throws {
        let scratch = Scratch()
        // ~40 MB of input so the debug build is still reading when the signal arrives.
        let line = try String(contentsOfFile: fixture("fixtures/helpdesk/desk-2026-03-02.log"), encoding: .isoLatin1)
        let big = String(repeating: line, count: 20_000)
        try big.write(toFile: scratch.path + "/big.log", atomically: false, encoding: .isoLatin1)
        let out = scratch.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for name in ["summary.csv", "tickets.csv", "rejects.csv", "run.json"] {
            try "previous \(name)\n".write(toFile: "\(out)/\(name)", atomically: true, encoding: .utf8)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: repositoryRoot + "/.build/debug/slalog")
        process.arguments = ["run", fixture("pipelines/demo.yaml"), scratch.path + "/big.log", "--out", out, "--quiet"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.4)
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 143)
        for name in ["summary.csv", "tickets.csv", "rejects.csv", "run.json"] {
            #expect(read("\(out)/\(name)") == "previous \(name)\n")
        }
        // The earlier plain files stay as they were, beside slalog's control folder with no staging leftovers.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out).sorted() == [
                ".slalog", "rejects.csv", "run.json", "summary.csv", "tickets.csv",
            ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/.slalog") == ["lock"])
    }
}

@Suite struct ExplainTests {
    @Test func explainShowsTheTrailWithSourcesPolicyAndSkippedTime() throws {
        let run = try CommandLineTests().slalog(["explain", "pipelines/business-hours.yaml", "T-1006", "--as-of", "2026-03-03T18:00:00Z"])
        #expect(run.status == 0)
        let text = run.stdout
        // Hand-worked: opened Mon 21:00 CET, replied 21:30 CET: no office time; resolution at as_of
        // (Tue 19:00 CET) counts Tue 09:00–12:00 and 13:00–17:30 = 7.5 h.
        #expect(text.contains("first_response: 0.000 s, target 14400.000 s (policy office, calendar berlin-office): MET"))
        #expect(text.contains("resolution: 27000.000 s elapsed so far"))
        #expect(text.contains("fixtures/helpdesk/desk-2026-03-02.log:27  rule desk-event"))
        #expect(text.contains("2. office: no conditions  ← APPLIES"))
        #expect(text.contains("skipped      2026-03-03T11:00:00.000Z → 2026-03-03T12:00:00.000Z"))
        #expect(text.contains("local Tue 2026-03-03 09:00 → 12:00 Europe/Berlin"))
    }

    @Test func explainOfAnUnknownTicketExitsOne() throws {
        let run = try CommandLineTests().slalog(["explain", "pipelines/demo.yaml", "T-404"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no event of ticket 'T-404'"))
    }

    @Test func groupByCustomerAndMonthFromTheCommandLine() throws {
        let scratch = Scratch()
        let run = try CommandLineTests().slalog(["run", "pipelines/demo.yaml", "--group-by", "customer,month", "--out", scratch.path, "-q"])
        #expect(run.status == 1)
        let rows = parseCSV(read(scratch.path + "/summary.csv"))
        #expect(rows[0].prefix(3) == ["customer", "month", "tickets"])
        // T-1004 has no open: its month is empty and sorts first within acme.
        #expect(
            rows.dropFirst().map { "\($0[0])/\($0[1])/\($0[2])" } == ["acme//1", "acme/2026-03/3", "globex/2026-03/5", "initech/2026-03/2"])
    }
}
