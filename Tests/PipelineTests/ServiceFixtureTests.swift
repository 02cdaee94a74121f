import Foundation
import SLACore
import Testing

@testable import Pipeline

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

    @Test func serviceEventsNeedAServiceGroupAndTicketEventsATicketGroup() {
        let base = "rules:\n  - name: r\n    pattern: '^(?<ts>\\\\S+) (?<ticket>\\\\S+)'\n    kind: service_down\n"
        #expect(throws: PipelineError.self) { try PipelineDefinition.parse(base, path: "p.yaml") }
        let mixed = "rules:\n  - name: r\n    pattern: '^(?<ts>\\\\S+) (?<service>\\\\S+)'\n    kind: open\n"
        #expect(throws: PipelineError.self) { try PipelineDefinition.parse(mixed, path: "p.yaml") }
        let good = "rules:\n  - name: r\n    pattern: '^(?<ts>\\\\S+) (?<service>\\\\S+)'\n    kind: check_fail\n"
        #expect(throws: Never.self) { try PipelineDefinition.parse(good, path: "p.yaml") }
    }
}
