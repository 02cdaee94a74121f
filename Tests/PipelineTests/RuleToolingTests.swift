import Foundation
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// `slalog events` and the rule tests of `slalog check` (docs/pipeline-format.md, "Rule tests").
@Suite struct RuleToolingTests {
    @Test func eventsListsWhatTheRulesMakeOfEachLineWithFileLineAndRule() throws {
        // fixtures/EXPECTED.md, T-1002: open 15:00 (line 23), reply 15:50, solved 16:30; on 03-03 (gzip)
        // a customer comment at 08:00 (line 2), a second `created` at 08:05 (line 3: set aside), reply, closed.
        let run = try runSlalog(["events", "pipelines/demo.yaml", "--ticket", "T-1002"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(
            rows.map { $0[0] } == [
                "fixtures/helpdesk/desk-2026-03-02.log:23", "fixtures/helpdesk/desk-2026-03-02.log:24",
                "fixtures/helpdesk/desk-2026-03-02.log:25", "fixtures/helpdesk/desk-2026-03-03.log.gz:2",
                "fixtures/helpdesk/desk-2026-03-03.log.gz:3", "fixtures/helpdesk/desk-2026-03-03.log.gz:3",
                "fixtures/helpdesk/desk-2026-03-03.log.gz:4", "fixtures/helpdesk/desk-2026-03-03.log.gz:5",
            ])
        #expect(
            rows.map { $0[4] } == ["open", "agent_reply", "resolve", "customer_message", "open", "SET ASIDE", "agent_reply", "resolve"])
        #expect(rows[0][1] == "desk-event" && rows[0][2] == "2026-03-02T15:00:00.000Z")
        #expect(rows[0][5] == "customer=acme priority=urgent channel=email" && rows[5][5] == "second_open")
        #expect(rows[2][1] == "desk-status")
    }

    @Test func eventsShowsRejectsAndTransitionsResolvedPerTicket() throws {
        let all = try runSlalog(["events", "pipelines/demo.yaml"])
        #expect(all.stdout.contains("fixtures/helpdesk/desk-2026-03-02.log:7\tdesk-status\t\tT-1001\tREJECT\tunknown to value 'escalated'"))
        let scratch = Scratch()
        scratch.write("status.log", Array(StatusMappingTests.log.utf8))
        scratch.write("p.yaml", Array(StatusMappingTests.yaml(openOnFirstEvent: true).utf8))
        let run = try runSlalog(["events", scratch.path + "/p.yaml", "--ticket", "T1"])
        let kinds = run.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false)[4] }
        // Hand-worked in StatusMappingTests: open+update, reply, pause, reply+resume, resolve, reopen, resolve.
        #expect(kinds == ["open", "update", "agent_reply", "pause", "agent_reply", "resume", "resolve", "reopen", "resolve"])
    }

    @Test func checkRunsTheRuleTestsAndFailsWithADiff() throws {
        let good = try runSlalog(["check", "pipelines/demo.yaml"])
        #expect(good.status == 0 && good.stdout.contains("tests: 7 of 7 passed"), "\(good.stderr)")
        let scratch = Scratch()
        let yaml = """
            rules:
              - name: desk
                pattern: '^(?<ts>\\S+) event=(?<event>\\w+) ticket=(?<ticket>\\S+)'
                kind: {group: event, map: {created: open, reply: agent_reply}}
            tests:
              - name: replies are replies
                line: "2026-03-02T09:00:00Z event=reply ticket=T-1"
                events: [{kind: customer_message, ticket: T-1}]
              - line: "2026-03-02T09:00:00Z event=created ticket=T-1"
                events: [{kind: open, time: "2026-03-02T09:00:00Z"}]
              - line: "2026-03-02T09:00:00Z event=frob ticket=T-1"
                unmatched: true
            """
        scratch.write("p.yaml", Array(yaml.utf8))
        let bad = try runSlalog(["check", scratch.path + "/p.yaml"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("tests: 1 of 3 passed"))
        #expect(bad.stderr.contains("test 1 (replies are replies) at \(scratch.path)/p.yaml:6 failed"), "\(bad.stderr)")
        #expect(bad.stderr.contains("  - event 1: customer_message ticket=T-1\n  + event 1: agent_reply ticket=T-1"))
        #expect(
            bad.stderr.contains(
                "test 3 at \(scratch.path)/p.yaml:11 failed\n  line 1: expected unmatched, got rejected by rule desk: unknown event value 'frob'"
            ))
    }
}
