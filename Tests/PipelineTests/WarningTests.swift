import Foundation
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// Runs that look wrong say so (docs/semantics.md §8, "A run that looks wrong"):
/// each warning caused by a pipeline that does not fit its log.
@Suite struct WarningTests {
    /// A status-change export, one line per status (ticket, from, to), as a naive author maps it.
    static let log = """
        2026-03-02T09:00:00Z ticket=1 status=New
        2026-03-02T09:10:00Z ticket=1 status=InProgress
        2026-03-02T10:00:00Z ticket=1 status=Closed
        2026-03-02T09:00:00Z ticket=2 status=New
        2026-03-02T11:00:00Z ticket=2 status=InProgress
        2026-03-02T09:30:00Z ticket=3 status=New
        2026-03-02T12:00:00Z ticket=3 status=Closed

        """

    func pipeline(_ map: String, extraRule: String = "", policies: String = "", warnings: String = "") -> String {
        """
        version: 1
        inputs: [desk.log]
        rules:
          - name: status
            pattern: '^(?<ts>\\S+) ticket=(?<ticket>\\S+) status=(?<status>\\w+)'
            kind: {group: status, map: {\(map)}}
        \(extraRule)
        \(policies.isEmpty ? "policies:\n  - name: all\n    targets: {first_response: 1h, resolution: 8h}" : policies)
        \(warnings)
        outputs: {dir: out}
        """
    }

    func run(_ yaml: String, log: String = WarningTests.log, strict: Bool = false) throws -> (outcome: Outcome, json: [String: Any]) {
        let scratch = Scratch()
        scratch.write("desk.log", Array(log.utf8))
        scratch.write("p.yaml", Array(yaml.utf8))
        let outcome = try runSlalog(["run", scratch.path + "/p.yaml"] + (strict ? ["--strict"] : []))
        let data = FileManager.default.contents(atPath: scratch.path + "/out/run.json") ?? Data()
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (outcome, json)
    }

    func codes(_ json: [String: Any]) -> [String] {
        (json["warnings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }

    @Test func everyTicketIncompleteIsAWarningAndStrictExits3() throws {
        // No status maps to `open`: all 3 tickets are incomplete (100 % > 20 %).
        let yaml = pipeline("New: update, InProgress: agent_reply, Closed: resolve")
        let plain = try run(yaml)
        #expect(plain.outcome.status == 0, "\(plain.outcome.stderr)")
        #expect(codes(plain.json) == ["incomplete_tickets", "policy_never_applied"])
        #expect(plain.outcome.stderr.contains("warning: 3 of 3 tickets (100 %) are incomplete, above warnings.incomplete 20 %"))
        #expect(plain.json["exit_code"] as? Int == 0)
        let strict = try run(yaml, strict: true)
        #expect(strict.outcome.status == 3)
        #expect(strict.json["exit_code"] as? Int == 3 && strict.json["status"] as? String == "complete")
    }

    @Test func secondOpensAboveTheThresholdAreAWarning() throws {
        // Every status opens: ticket 1 opens 3 times, 2 twice, 3 twice → 4 second opens for 3 tickets.
        let run = try run(pipeline("New: open, InProgress: open, Closed: open"))
        #expect(codes(run.json) == ["anomalies"])
        #expect(run.outcome.stderr.contains("4 second opens and 0 events before an open for 3 tickets (133.3 %)"))
        // A threshold the pipeline raises silences it.
        let relaxed = try self.run(pipeline("New: open, InProgress: open, Closed: open", warnings: "warnings: {anomalies: 150%}"))
        #expect(relaxed.outcome.status == 0, "\(relaxed.outcome.stderr)")
        #expect(codes(relaxed.json).isEmpty)
    }

    @Test func aRuleThatNeverMatchedAndAPolicyThatNeverAppliedAreWarnings() throws {
        let chat = """
              - name: chat
                pattern: '^\\[(?<ts>[^\\]]+)\\] chat#(?<ticket>\\S+) started'
                kind: open
            """
        let policies = """
            policies:
              - name: vip
                when: {customer: vip}
                targets: {first_response: 10m}
              - name: all
                targets: {first_response: 1h, resolution: 8h}
            """
        let run = try run(pipeline("New: open, InProgress: agent_reply, Closed: resolve", extraRule: chat, policies: policies))
        #expect(run.outcome.status == 0, "\(run.outcome.stderr)")
        #expect(codes(run.json) == ["rule_never_matched", "policy_never_applied"])
        #expect(run.outcome.stderr.contains("warning: rule 'chat' matched no line [rule_never_matched]"))
        #expect(run.outcome.stderr.contains("warning: policy 'vip' supplied the target of no metric instance"))
    }

    @Test func linesWithoutAnyEventAreAWarning() throws {
        let run = try run(pipeline("New: open"), log: "nothing here\nnor here\n", strict: true)
        #expect(run.outcome.status == 3)
        #expect(codes(run.json) == ["no_events"])
        #expect(run.outcome.stderr.contains("2 lines were read but none became an event"))
    }

    @Test func aFittingPipelineHasNoWarnings() throws {
        let run = try run(pipeline("New: open, InProgress: agent_reply, Closed: resolve"), strict: true)
        #expect(run.outcome.status == 0, "\(run.outcome.stderr)")
        #expect(codes(run.json).isEmpty)
    }
}
