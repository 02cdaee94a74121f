import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The HTML page in a real browser (Debian's chromium, headless), the
/// Prometheus textfile checked by `promtool`, the progress line.
@Suite(.serialized) struct ReportPageTests {
    /// Where CI keeps the screenshot of the fixtures' report (README: "Reading the report").
    static let screenshot = repositoryRoot + "/.build/artifacts/report-fixtures.png"

    struct Rendered {
        var dom: String
        /// Messages the page's scripts wrote to the console (errors included).
        var console: [String]
    }

    /// Loads `page` in headless chromium: the DOM after scripts ran, and the console lines.
    func render(_ page: String, screenshot: String? = nil) throws -> Rendered {
        let arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
            "--window-size=1280,1600",
        ]
        func chromium(_ extra: [String]) throws -> (String, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
            process.arguments = arguments + extra + ["file://" + page]
            process.environment = ProcessInfo.processInfo.environment.merging(["HOME": NSTemporaryDirectory()]) { $1 }
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            // A page that blocks (a script's alert() waits for a click that never comes) is stopped: its
            // DOM comes back empty and the test fails instead of hanging.
            let deadline = DispatchWorkItem { if process.isRunning { process.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: deadline)
            defer { deadline.cancel() }
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
        }
        let (dom, log) = try chromium(["--dump-dom"])
        if let screenshot {
            try FileManager.default.createDirectory(
                atPath: (screenshot as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = try chromium(["--screenshot=\(screenshot)"])
        }
        return Rendered(dom: dom, console: log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init))
    }

    @Test func theFixturesReportLoadsWithoutConsoleErrorsAndShowsTheSummaryNumbers() throws {
        let scratch = Scratch()
        let run = try runSlalog(["run", "pipelines/demo.yaml", "--out", scratch.path, "-q"])
        #expect(run.status == 1)
        let page = try render(scratch.path + "/.slalog/current/report.html", screenshot: Self.screenshot)
        #expect(page.console.isEmpty, "console: \(page.console)")
        #expect(page.dom.contains("<h1>SLA report"))
        // Every number of summary.csv's key columns is in the page: tickets, compliance, breaches, at risk, p90.
        let rows = parseCSV(read(scratch.path + "/summary.csv"))
        let header = rows[0]
        for row in rows.dropFirst() {
            #expect(page.dom.contains("<td class=\"group\">\(row[0])</td><td>\(row[1])</td>"), "\(row[0]) tickets")
            for metric in ["first_response", "next_reply", "resolution"] {
                for column in ["compliance_pct", "breached", "at_risk", "p90_s"] {
                    let value = row[header.firstIndex(of: "\(metric)_\(column)")!]
                    guard !value.isEmpty else { continue }
                    #expect(page.dom.contains(">\(value)</td>"), "\(row[0]) \(metric)_\(column) = \(value)")
                }
            }
        }
        // The worst ticket and its trail; the page's own script sorted nothing yet but is alive (no errors above).
        #expect(page.dom.contains("T-1005"))
        #expect(page.dom.contains("audit trail"))
        let png = try Data(contentsOf: URL(fileURLWithPath: Self.screenshot))
        #expect(png.count > 20_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func theBrowserCheckCatchesAScriptErrorAndABlankPage() throws {
        let scratch = Scratch()
        _ = try runSlalog(["run", "pipelines/demo.yaml", "--out", scratch.path, "-q"])
        let good = read(scratch.path + "/report.html")
        let broken = scratch.write(
            "broken.html", Array(good.replacingOccurrences(of: "</body>", with: "<script>noSuchThing();</script></body>").utf8))
        #expect(try render(broken).console.contains { $0.contains("noSuchThing") })
        let blank = scratch.write("blank.html", Array("<!DOCTYPE html><html><body></body></html>".utf8))
        #expect(!(try render(blank).dom.contains("<h1>SLA report")))
    }

    @Test func hostileLogTextStaysTextInThePage() throws {
        let scratch = Scratch()
        let log = scratch.write(
            "hostile.log",
            Array(
                ("2026-03-02T09:00:00Z desk[1]: event=created ticket=X1 customer=<script>alert(1)</script> via=customer\n"
                    + "2026-03-02T19:00:00Z desk[1]: event=reply ticket=X1 agent=a\n").utf8))
        _ = try runSlalog(["run", "pipelines/demo.yaml", log, "--out", scratch.path + "/out", "-q"])
        // In the file itself: escaped in the table and in the ticket's audit trail (escaped apart from
        // the template's values), never raw.
        let source = read(scratch.path + "/out/.slalog/current/report.html")
        #expect(!source.contains("<script>alert"))
        let trail = try #require(source.range(of: "<pre>Ticket X1").map { source[$0.upperBound...] })
        #expect(trail.prefix(while: { $0 != "<" }).contains("customer &lt;script&gt;alert(1)&lt;/script&gt;"))
        let page = try render(scratch.path + "/out/.slalog/current/report.html")
        #expect(page.console.isEmpty, "\(page.console)")
        #expect(page.dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    func promtool(_ file: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        let err = Pipe()
        process.standardError = err
        process.standardOutput = err
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func theTextfilePassesPromtoolAndEscapesLabelValues() throws {
        let scratch = Scratch()
        let log = scratch.write(
            "labels.log",
            Array(
                ("2026-03-02T09:00:00Z desk[1]: event=created ticket=Q1 customer=say\"hi\"\\back via=customer\n"
                    + "2026-03-02T09:00:00Z desk[1]: event=created ticket=Q2 customer=acme via=customer\n").utf8))
        let file = scratch.path + "/textfile/slalog.prom"
        let run = try runSlalog(["run", "pipelines/demo.yaml", log, "--out", scratch.path + "/out", "--metrics", file, "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        let (status, output) = try promtool(file)
        #expect(status == 0, "promtool: \(output)")
        let text = read(file)
        #expect(text.contains("slalog_tickets{customer=\"say\\\"hi\\\"\\\\back\"} 1"))
        #expect(text.contains("slalog_run_exit_code 0"))
        #expect(text.contains("slalog_last_success_timestamp_seconds "))
        #expect(text.contains("slalog_problems{category=\"corrupt_input\"} 0"))
    }

    @Test func theTextfileInTheReportSetAndTheRestGroupedAsOther() throws {
        let scratch = Scratch()
        var lines = ""
        for i in 0..<30 { lines += "2026-03-02T09:00:00Z desk[1]: event=created ticket=G\(i) customer=c\(i % 12) via=customer\n" }
        let log = scratch.write("many.log", Array(lines.utf8))
        let pipeline = scratch.write(
            "p.yaml", Array((read(fixture("pipelines/demo.yaml")) + "\n").utf8))
        // outputs: append metrics settings to the demo pipeline's outputs mapping.
        var yaml = read(pipeline)
        yaml = yaml.replacingOccurrences(of: "outputs:\n", with: "outputs:\n  metrics: slalog.prom\n  metrics_groups: 3\n")
        try yaml.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let run = try runSlalog(["run", pipeline, log, "--out", scratch.path + "/out", "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        let text = read(scratch.path + "/out/slalog.prom")
        #expect(try promtool(scratch.path + "/out/slalog.prom").0 == 0)
        // Hand-worked: c0…c5 have 3 tickets each, c6…c11 two; the top 3 by tickets (ties: key order) are c0, c1, c10?
        // Key order is byte order: c0, c1, c10, c11, c2, …; c0 and c1 have 3, c10 and c11 have 2, c2 has 3 → c0, c1, c2.
        for kept in ["c0", "c1", "c2"] { #expect(text.contains("slalog_tickets{customer=\"\(kept)\"} 3")) }
        #expect(text.contains("slalog_tickets{customer=\"other\"} 21"))
        #expect(!text.contains("customer=\"c3\""))
    }

    @Test func aPartialRunCarriesTheLastSuccessOverAndAKilledWriteKeepsThePreviousTextfile() throws {
        let scratch = Scratch()
        let file = scratch.path + "/slalog.prom"
        #expect(
            try runSlalog([
                "run", "pipelines/demo.yaml", fixture("fixtures/chat/"), "--out", scratch.path + "/out", "--metrics", file, "-q",
            ]).status == 0)
        let first = read(file)
        let success = first.split(separator: "\n").first { $0.hasPrefix("slalog_last_success_timestamp_seconds ") }
        #expect(success != nil)
        Thread.sleep(forTimeInterval: 1.1)
        // A partial run: exit code 1, the last success is the first run's.
        #expect(try runSlalog(["run", "pipelines/demo.yaml", "--out", scratch.path + "/out", "--metrics", file, "-q"]).status == 1)
        let second = read(file)
        #expect(second.contains("slalog_run_exit_code 1"))
        #expect(second.split(separator: "\n").contains { $0 == success! })
        // A run killed while the textfile is written: the previous file stays whole; the next run removes the leftover.
        let killed = try runSlalog(
            ["run", "pipelines/demo.yaml", fixture("fixtures/chat/"), "--out", scratch.path + "/out", "--metrics", file, "-q"],
            environment: ["SLALOG_TEST_FAULT": "kill@atomic-file-written"])
        #expect(killed.signal == SIGKILL)
        #expect(read(file) == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).contains { $0.hasPrefix(".slalog.prom.tmp-") })
        // A run that writes nothing (exit 2) still says so in the textfile.
        #expect(
            try runSlalog(["run", "pipelines/demo.yaml", scratch.path + "/*.none", "--out", scratch.path + "/out", "--metrics", file])
                .status == 2)
        #expect(read(file).contains("slalog_run_exit_code 2"))
        #expect(read(file).split(separator: "\n").contains { $0 == success! })
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: scratch.path).contains { $0.hasPrefix(".slalog.prom.tmp-") }))
    }

    @Test func progressIsShownOnlyWhenAskedOrOnATerminal() throws {
        let scratch = Scratch()
        let line = try String(contentsOfFile: fixture("fixtures/helpdesk/desk-2026-03-02.log"), encoding: .isoLatin1)
        try String(repeating: line, count: 6000).write(toFile: scratch.path + "/big.log", atomically: false, encoding: .isoLatin1)
        let forced = try runSlalog([
            "run", "pipelines/demo.yaml", scratch.path + "/big.log", "--out", scratch.path + "/a", "-q", "--progress",
        ])
        #expect(forced.stderr.contains("% of 12 MB") && forced.stderr.contains("ETA "), "\(forced.stderr.prefix(300))")
        #expect(forced.stderr.contains("MB/s") && forced.stderr.contains("big.log"))
        let piped = try runSlalog(["run", "pipelines/demo.yaml", scratch.path + "/big.log", "--out", scratch.path + "/b", "-q"])
        #expect(!piped.stderr.contains("ETA") && !piped.stderr.contains("\r"))
        let off = try runSlalog([
            "run", "pipelines/demo.yaml", scratch.path + "/big.log", "--out", scratch.path + "/c", "-q", "--no-progress",
        ])
        #expect(!off.stderr.contains("ETA") && !off.stderr.contains("\r"))
    }
}
