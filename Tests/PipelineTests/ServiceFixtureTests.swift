import Foundation
import SLACore
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// The Nagios fixture against its hand-worked expectations (fixtures/EXPECTED.md, "Monitoring").
@Suite struct ServiceFixtureTests {
    func run(jobs: Int) throws -> (availability: String, outages: String, result: RunResult) {
        let scratch = Scratch()
        let definition = try PipelineDefinition.load(path: fixture("pipelines/nagios.yaml"))
        var options = RunOptions()
        options.outputDirectory = scratch.path
        options.asOf = Instant(year: 2026, month: 4, day: 2, hour: 12)
        options.jobs = jobs
        let result = try Runner.run(definition, options: options)
        let strip = { (text: String) in text.replacingOccurrences(of: repositoryRoot + "/", with: "") }
        return (strip(read(scratch.path + "/availability.csv")), strip(read(scratch.path + "/outages.csv")), result)
    }

    @Test(arguments: [1, 2, 8])
    func nagiosLogGivesTheHandWorkedAvailabilityAndOutages(jobs: Int) throws {
        let run = try run(jobs: jobs)
        #expect(run.availability == read(fixture("fixtures/expected-nagios/availability.csv")))
        #expect(run.outages == read(fixture("fixtures/expected-nagios/outages.csv")))
        #expect(!run.result.isPartial)
        #expect(run.result.statistics.unmatched == 4)  // three SOFT states and a notification
    }

    @Test func healthChecksAndHeartbeatsGiveTheHandWorkedFigures() throws {
        // fixtures/monitoring/health.log, day 2026-03-02 (UTC) up to as_of 09:40 = 34,800 s.
        // api-eu (N = 3, stale 5 m): unknown 00:00–09:00 (32,400 s); checks each minute 09:00–09:10 ok,
        // 09:11–09:13 failed → down from 09:11 to the ok at 09:14 (180 s); then checks at 09:14, 09:30, 09:40
        // only: covered until 09:19 and 09:35, so 09:19–09:30 and 09:35–09:40 are unmonitored (960 s).
        // up = 09:00–09:11 + 09:14–09:19 + 09:30–09:35 = 1,260 s; availability 1,260 / 1,440 = 87.5 %.
        // batch-eu (assume_initial up, stale 15 m, unmonitored: down): heartbeats 09:00, 09:10, 09:40 →
        // 09:25–09:40 unmonitored (900 s) counted as down: 33,900 / 34,800 = 97.41379… → 97.4138.
        let scratch = Scratch()
        let definition = try PipelineDefinition.load(path: fixture("pipelines/healthcheck.yaml"))
        var options = RunOptions()
        options.outputDirectory = scratch.path
        _ = try Runner.run(definition, options: options)
        let rows = parseCSV(read(scratch.path + "/availability.csv"))
        let header = rows[0]
        func value(_ row: [String], _ column: String) -> String { row[header.firstIndex(of: column)!] }
        let api = rows.first { $0[0] == "service" && $0[1] == "api-eu" }!
        #expect(value(api, "scheduled_s") == "34800.000" && value(api, "up_s") == "1260.000" && value(api, "down_s") == "180.000")
        #expect(value(api, "unmonitored_s") == "33360.000" && value(api, "availability_pct") == "87.5000")
        #expect(value(api, "outages") == "1" && value(api, "outcome") == "breached")
        let batch = rows.first { $0[0] == "service" && $0[1] == "batch-eu" }!
        #expect(value(batch, "unmonitored_s") == "900.000" && value(batch, "availability_pct") == "97.4138")
        #expect(value(batch, "outcome") == "unmeasured")
        let outages = parseCSV(read(scratch.path + "/outages.csv"))
        #expect(outages.count == 2 && outages[1][1] == "2026-03-02T09:11:00.000Z" && outages[1][4] == "180.000")
    }

    @Test func explainServicePrintsTheTimelineOutagesAndBudgetArithmetic() throws {
        let run = try runSlalog(["explain", "pipelines/nagios.yaml", "--service", "web01;HTTPS", "--as-of", "2026-04-02T12:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        let text = run.stdout
        #expect(text.contains("2026-03-28T23:30:00.000Z  down  fixtures/monitoring/nagios.log:19"))
        #expect(text.contains("60.000 s ignored"))
        #expect(text.contains("ignored: shorter than min_outage 120.000 s"))
        #expect(text.contains("availability = 2653980.000 / (2653980.000 + 11820.000) = 99.5566 % (target 99.5000 %)"))
        #expect(text.contains("budget = 0.5000 % × 2669400.000 s = 13347.000 s; used 11820.000 s; remaining 1527.000 s"))
        let missing = try runSlalog(["explain", "pipelines/nagios.yaml", "--service", "nope"])
        #expect(missing.status == 1 && missing.stderr.contains("no event of service 'nope'"))
    }

    @Test func serviceEventsNeedAServiceGroupAndTicketEventsATicketGroup() {
        let base = "rules:\n  - name: r\n    pattern: '^(?<ts>\\\\S+) (?<ticket>\\\\S+)'\n    kind: service_down\n"
        #expect(throws: PipelineError.self) { try PipelineDefinition.parse(base, path: "p.yaml") }
        let mixed = "rules:\n  - name: r\n    pattern: '^(?<ts>\\\\S+) (?<service>\\\\S+)'\n    kind: open\n"
        #expect(throws: PipelineError.self) { try PipelineDefinition.parse(mixed, path: "p.yaml") }
        let good = "rules:\n  - name: r\n    pattern: '^(?<ts>\\\\S+) (?<service>\\\\S+)'\n    kind: check_fail\n"
        #expect(throws: Never.self) { try PipelineDefinition.parse(good, path: "p.yaml") }
    }

    @Test func averageViolationsCountTicketAndServiceBreachesPerCustomerPeriod() throws {
        // One log with ticket and service lines; acme is served by `api` (99 % per day), every
        // customer has first_response 1h and resolution 8h; as_of 2026-03-03T23:00Z.
        // Day 03-02: api down 10:00–12:00 → 22 h / 24 h = 91.6667 % → 1 service breach;
        //   T1 (acme) first reply after 2 h → 1 ticket breach (its 3 h resolution is met).
        // Day 03-03 (running): api up all day → no service breach; T2 resolved after 12 h (> 8 h),
        //   T5 first reply after 2 h, T3 unanswered since 20:00 (breached at 21:00, ongoing at as_of)
        //   → 3 ticket breaches. T4 is globex's (not served by api): never counted for acme.
        // average = (2 + 3) / 2 = 2.5.
        let scratch = Scratch()
        let log = """
            2026-03-02T00:00:00Z mon: svc=api state=up
            2026-03-02T09:00:00Z desk: event=open ticket=T1 customer=acme
            2026-03-02T10:00:00Z mon: svc=api state=down
            2026-03-02T11:00:00Z desk: event=reply ticket=T1
            2026-03-02T12:00:00Z mon: svc=api state=up
            2026-03-02T12:00:00Z desk: event=resolve ticket=T1
            2026-03-03T01:00:00Z desk: event=open ticket=T5 customer=acme
            2026-03-03T03:00:00Z desk: event=reply ticket=T5
            2026-03-03T04:00:00Z desk: event=resolve ticket=T5
            2026-03-03T05:00:00Z desk: event=open ticket=T4 customer=globex
            2026-03-03T08:00:00Z desk: event=open ticket=T2 customer=acme
            2026-03-03T08:30:00Z desk: event=reply ticket=T2
            2026-03-03T20:00:00Z desk: event=resolve ticket=T2
            2026-03-03T20:00:00Z desk: event=open ticket=T3 customer=acme

            """
        try log.write(toFile: scratch.path + "/mixed.log", atomically: true, encoding: .utf8)
        let yaml = """
            version: 1
            inputs: [mixed.log]
            rules:
              - name: desk
                pattern: '^(?<ts>\\S+) desk: event=(?<event>\\w+) ticket=(?<ticket>\\S+)(?: customer=(?<customer>\\S+))?'
                kind: {group: event, map: {open: open, reply: agent_reply, resolve: resolve}}
              - name: mon
                pattern: '^(?<ts>\\S+) mon: svc=(?<service>\\S+) state=(?<state>\\w+)'
                kind: {group: state, map: {up: service_up, down: service_down}}
            policies:
              - name: all
                targets: {first_response: 1h, resolution: 8h}
            services:
              - name: api
                customers: [acme]
                period: day
                availability: 99%
            outputs:
              dir: out
            """
        try yaml.write(toFile: scratch.path + "/mixed.yaml", atomically: true, encoding: .utf8)
        let definition = try PipelineDefinition.load(path: scratch.path + "/mixed.yaml")
        var options = RunOptions()
        options.asOf = Instant(year: 2026, month: 3, day: 3, hour: 23)
        _ = try Runner.run(definition, options: options)
        let rows = parseCSV(read(scratch.path + "/out/availability.csv"))
        let header = rows[0]
        func value(_ row: [String], _ column: String) -> String { row[header.firstIndex(of: column)!] }
        let api = rows.filter { $0[0] == "service" }
        #expect(api.map { value($0, "availability_pct") } == ["91.6667", "100.0000"])
        #expect(api.map { value($0, "outcome") } == ["breached", "running"])
        let acme = rows.filter { $0[0] == "customer" && value($0, "customer") == "acme" }
        #expect(acme.map { value($0, "ticket_breaches") } == ["1", "3"])
        #expect(acme.map { value($0, "service_breaches") } == ["1", "0"])
        #expect(acme.map { value($0, "violations") } == ["2", "3"])
        #expect(acme.map { value($0, "average_violations") } == ["2.50", "2.50"])
        #expect(!rows.contains { value($0, "customer") == "globex" })
    }

    @Test(arguments: [1 << 20, 300])
    func checkRunsWaitingForAChecksumGiveTheSameFigures(chunkSize: Int) throws {
        // A compressed health log is one LZ4 frame: its events wait for the frame's checksum, compressed
        // into runs while they wait. Plain and compressed copies must give the same figures and counts.
        let scratch = Scratch()
        let log = read(fixture("fixtures/monitoring/health.log"))
        try FileManager.default.createDirectory(atPath: scratch.path + "/plain", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.path + "/packed", withIntermediateDirectories: true)
        try log.write(toFile: scratch.path + "/plain/health.log", atomically: true, encoding: .utf8)
        scratch.shell("lz4 -q plain/health.log packed/health.log")
        let definition = try PipelineDefinition.load(path: fixture("pipelines/healthcheck.yaml"))
        func run(_ folder: String) throws -> (String, String, RunResult) {
            var options = RunOptions()
            options.inputs = [scratch.path + "/" + folder + "/health.log"]
            options.outputDirectory = scratch.path + "/out-" + folder
            options.chunkSize = chunkSize
            let result = try Runner.run(definition, options: options)
            let strip = { (text: String) in text.replacingOccurrences(of: "/" + folder + "/", with: "/") }
            return (
                read(scratch.path + "/out-" + folder + "/availability.csv"), strip(read(scratch.path + "/out-" + folder + "/outages.csv")),
                result
            )
        }
        let plain = try run("plain"), packed = try run("packed")
        #expect(packed.2.statistics.inputs[0].format == .lz4)
        #expect(packed.0 == plain.0 && packed.1 == plain.1)
        #expect(packed.2.statistics.checkLines == plain.2.statistics.checkLines && plain.2.statistics.checkLines > 0)
        #expect(packed.2.statistics.serviceRecords == plain.2.statistics.serviceRecords)
    }
}
