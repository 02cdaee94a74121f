import Foundation
import SLACore
import Testing

@testable import Aggregate
@testable import Definition
@testable import Pipeline
@testable import Report

/// The pipeline's own attributes and case folding (docs/pipeline-format.md, "Attributes").
@Suite struct AttributeTests {
    static let log = """
        2026-03-02T09:00:00Z event=open ticket=T1 customer=SE region=EU team=L1
        2026-03-02T09:30:00Z event=reply ticket=T1
        2026-03-02T09:00:00Z event=open ticket=T2 customer=se region=US
        2026-03-02T11:00:00Z event=reply ticket=T2 team=l2
        2026-03-02T09:00:00Z event=open ticket=T3 customer=Se
        2026-03-02T10:00:00Z event=update ticket=T3 region=eu
        2026-03-02T10:30:00Z event=reply ticket=T3

        """
    static let yaml = """
        inputs: [desk.log]
        attributes:
          customer: {fold_case: true}
          region: {fold_case: true}
          team: {}
        rules:
          - name: desk
            pattern: '^(?<ts>\\S+) event=(?<event>\\w+) ticket=(?<ticket>\\S+)(?: customer=(?<customer>\\S+))?(?: region=(?<region>\\S+))?(?: team=(?<team>\\S+))?'
            kind: {group: event, map: {open: open, reply: agent_reply, update: update}}
        policies:
          - name: eu
            when: {region: EU}
            targets: {first_response: 15m}
          - name: default
            targets: {first_response: 1h}
        outputs: {dir: out}
        """

    func run(groupBy: [String]) throws -> (tickets: [[String]], summary: [[String]]) {
        let scratch = Scratch()
        scratch.write("desk.log", Array(Self.log.utf8))
        scratch.write("p.yaml", Array(Self.yaml.utf8))
        let definition = try PipelineDefinition.load(path: scratch.path + "/p.yaml")
        var options = RunOptions()
        options.groupBy = groupBy.map { GroupDimension(rawValue: $0, attributes: definition.attributes)! }
        _ = try Runner.run(definition, options: options)
        return (parseCSV(read(scratch.path + "/out/tickets.csv")), parseCSV(read(scratch.path + "/out/summary.csv")))
    }

    @Test func declaredAttributesAreColumnsConditionsAndGroupsAndFoldCase() throws {
        // T1: se / eu / L1 → policy eu (region folded; the pattern EU compares without case): FR 1800 s > 900.
        // T2: se / us / l2 → default: FR 7200 s > 3600. T3: se, region eu set at 10:00 before the reply at
        // 10:30 → FR 5400 s under eu, breached. SE, se and Se are one customer.
        let run = try run(groupBy: ["customer"])
        let header = run.tickets[0]
        #expect(Array(header[4...7]) == ["agent", "region", "team", "requester"])
        func value(_ ticket: String, _ column: String) -> String { run.tickets.first { $0[0] == ticket }![header.firstIndex(of: column)!] }
        #expect(value("T1", "customer") == "se" && value("T1", "region") == "eu" && value("T1", "team") == "L1")
        #expect(value("T2", "region") == "us" && value("T2", "team") == "l2" && value("T3", "team") == "")
        #expect(value("T1", "policy") == "eu" && value("T2", "policy") == "default" && value("T3", "first_response_policy") == "eu")
        #expect(run.summary.count == 2 && run.summary[1][0] == "se" && run.summary[1][1] == "3")
        let byRegion = try self.run(groupBy: ["region"])
        #expect(byRegion.summary.dropFirst().map { [$0[0], $0[1]] } == [["eu", "2"], ["us", "1"]])
    }

    @Test func eventsAreThirtyTwoBytes() {
        #expect(MemoryLayout<Event>.stride == 32)  // time, source, ticket, attribute tuple, status, kind, requester, rule
    }

    @Test func groupByAnUndeclaredAttributeIsAUsageError() throws {
        let run = try runSlalog(["run", "pipelines/demo.yaml", "--group-by", "region", "--out", Scratch().path])
        #expect(run.status == 2 && run.stderr.contains("--group-by takes"))
    }
}
