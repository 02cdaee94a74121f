import Foundation
import SLACore
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// Status-based event mapping (docs/semantics.md §1): transitions, kind lists,
/// glob and case-insensitive map keys, `open: first_event`; hand-worked figures.
@Suite struct StatusMappingTests {
    static let log = """
        2026-03-02T09:00:00Z ticket=T1 status=Accepted
        2026-03-02T09:30:00Z ticket=T1 status=In Progress
        2026-03-02T10:00:00Z ticket=T1 status=Wait - Customer
        2026-03-02T12:00:00Z ticket=T1 status=In Progress
        2026-03-02T13:00:00Z ticket=T1 status=Completed
        2026-03-02T14:00:00Z ticket=T1 status=Accepted
        2026-03-02T15:00:00Z ticket=T1 status=completed
        2026-03-02T09:00:00Z ticket=T2 status=New
        2026-03-02T09:10:00Z ticket=T2 status=Frobnicated
        2026-03-02T09:20:00Z ticket=T2 status=In Progress
        2026-03-02T09:40:00Z ticket=T2 status=Wait - User
        2026-03-02T09:50:00Z ticket=T2 status=Wait - Customer
        2026-03-02T10:40:00Z ticket=T2 status=Accepted

        """

    static func yaml(openOnFirstEvent: Bool) -> String {
        """
        version: 1
        inputs: [status.log]
        \(openOnFirstEvent ? "tickets: {open: first_event}" : "")
        rules:
          - name: status
            pattern: '^(?<ts>\\S+) ticket=(?<ticket>\\S+) status=(?<status>.+)$'
            status: status
            ignore_case: true
            kind:
              group: status
              map: {"wait*": pause, "in progress": agent_reply, accepted: update, new: update}
            transitions:
              - {from: "wait*", to: "wait*", kind: ignore}
              - {from: "wait*", to: "in progress", kind: [agent_reply, resume]}
              - {from: "wait*", kind: resume}
              - {from: completed, to: accepted, kind: reopen}
              - {to: completed, kind: resolve}
        policies:
          - name: all
            targets: {first_response: 1h, next_reply: 2h, resolution: 8h}
        outputs: {dir: out}
        """
    }

    func run(openOnFirstEvent: Bool) throws -> (tickets: [[String]], rejects: [[String]], result: RunResult) {
        let scratch = Scratch()
        scratch.write("status.log", Array(Self.log.utf8))
        scratch.write("p.yaml", Array(Self.yaml(openOnFirstEvent: openOnFirstEvent).utf8))
        let definition = try PipelineDefinition.load(path: scratch.path + "/p.yaml")
        var options = RunOptions()
        options.asOf = Instant(year: 2026, month: 3, day: 2, hour: 16)
        let result = try Runner.run(definition, options: options)
        return (parseCSV(read(scratch.path + "/out/tickets.csv")), parseCSV(read(scratch.path + "/out/rejects.csv")), result)
    }

    @Test func transitionsListsGlobsAndFirstEventOpenGiveTheHandWorkedTickets() throws {
        // T1: first event 09:00 Accepted → open (+ update). 09:30 In Progress → agent_reply: FR 1800 s.
        //   10:00 Wait - Customer → pause (active 09:00–10:00 = 3600 s). 12:00 In Progress after a wait →
        //   [agent_reply, resume]: active again. 13:00 Completed → resolve (12:00–13:00 = 3600 s).
        //   14:00 Accepted after Completed → reopen. 15:00 "completed" (case folded) → resolve
        //   (14:00–15:00 = 3600 s): RES 10800 s ≤ 28800 met; reopens 1; resolved at 15:00.
        // T2: 09:00 New → open. 09:10 "Frobnicated": no transition, no map entry → unmapped_status.
        //   09:20 In Progress → agent_reply: FR 1200 s. 09:40 Wait - User → pause (active 2400 s).
        //   09:50 Wait - Customer after a wait → ignore. 10:40 Accepted after a wait → resume.
        //   RES running at 16:00: 2400 + 19200 = 21600 s = 75 % of 28800 → at_risk.
        let run = try run(openOnFirstEvent: true)
        let header = run.tickets[0]
        func value(_ ticket: String, _ column: String) -> String {
            run.tickets.first { $0[0] == ticket }![header.firstIndex(of: column)!]
        }
        #expect(value("T1", "state") == "resolved" && value("T1", "opened_at") == "2026-03-02T09:00:00.000Z")
        #expect(value("T1", "resolved_at") == "2026-03-02T15:00:00.000Z" && value("T1", "reopens") == "1")
        #expect(value("T1", "first_response_s") == "1800.000" && value("T1", "first_response_outcome") == "met")
        #expect(value("T1", "resolution_s") == "10800.000" && value("T1", "resolution_outcome") == "met")
        #expect(value("T2", "state") == "active" && value("T2", "first_response_s") == "1200.000")
        #expect(value("T2", "resolution_s") == "21600.000" && value("T2", "resolution_outcome") == "at_risk")
        #expect(run.rejects.count == 2 && run.rejects[1][0] == "unmapped_status" && run.rejects[1][2] == "9")
        #expect(run.result.statistics.anomalies == 1)
    }

    @Test func withoutFirstEventOpenEveryTicketIsIncompleteAndTheRunWarns() throws {
        let run = try run(openOnFirstEvent: false)
        let states = run.tickets.dropFirst().map { $0[run.tickets[0].firstIndex(of: "state")!] }
        #expect(states == ["incomplete", "incomplete"])
        #expect(run.result.warnings.map(\.code) == [.incompleteTickets, .policyNeverApplied])  // incomplete tickets measure nothing
    }

    @Test func transitionsNeedAStatusAndAKindOverTheStatus() {
        let noStatus = """
            rules:
              - name: r
                pattern: '^(?<ts>\\\\S+) (?<ticket>\\\\S+) (?<s>\\\\S+)'
                kind: update
                transitions: [{to: Closed, kind: resolve}]
            """
        #expect(throws: PipelineError.self) { try PipelineDefinition.parse(noStatus, path: "p.yaml") }
        let otherGroup = """
            rules:
              - name: r
                pattern: '^(?<ts>\\\\S+) (?<ticket>\\\\S+) (?<s>\\\\S+) (?<e>\\\\S+)'
                status: s
                kind: {group: e, map: {x: update}}
                transitions: [{to: Closed, kind: resolve}]
            """
        #expect(throws: PipelineError.self) { try PipelineDefinition.parse(otherGroup, path: "p.yaml") }
        let good = """
            rules:
              - name: r
                pattern: '^(?<ts>\\\\S+) (?<ticket>\\\\S+) (?<s>\\\\S+)'
                status: s
                kind: [update]
                transitions: [{to: Closed, kind: [agent_reply, resolve]}]
            """
        #expect(throws: Never.self) { try PipelineDefinition.parse(good, path: "p.yaml") }
    }
}

/// Each metric's target comes from the policy at its stop, and tickets.csv says which (issue: a
/// ticket showed policy `default` with a target from another policy).
@Suite struct PolicyPerMetricTests {
    @Test func aPriorityRaisedAfterTheFirstReplyShowsBothPolicies() throws {
        // T1 opens normal (policy default: FR 4h); first reply after 2 h → FR 7200 s, met under default.
        // Then priority urgent (policy urgent: RES 1h); resolved 3 h after open → RES 10800 s > 3600 breached.
        // T2 (default) is resolved after 30 min without a reply: FR unmeasured, stop resolved_without_reply.
        let scratch = Scratch()
        let log = """
            2026-03-02T09:00:00Z event=open ticket=T1 priority=normal
            2026-03-02T11:00:00Z event=reply ticket=T1
            2026-03-02T11:30:00Z event=update ticket=T1 priority=urgent
            2026-03-02T12:00:00Z event=resolve ticket=T1
            2026-03-02T09:00:00Z event=open ticket=T2 priority=normal
            2026-03-02T09:30:00Z event=resolve ticket=T2

            """
        scratch.write("desk.log", Array(log.utf8))
        let yaml = """
            inputs: [desk.log]
            rules:
              - name: desk
                pattern: '^(?<ts>\\S+) event=(?<event>\\w+) ticket=(?<ticket>\\S+)(?: priority=(?<priority>\\w+))?'
                kind: {group: event, map: {open: open, reply: agent_reply, update: update, resolve: resolve}}
            policies:
              - name: urgent
                when: {priority: urgent}
                targets: {first_response: 30m, resolution: 1h}
              - name: default
                targets: {first_response: 4h, resolution: 8h}
            outputs: {dir: out}
            """
        scratch.write("p.yaml", Array(yaml.utf8))
        let definition = try PipelineDefinition.load(path: scratch.path + "/p.yaml")
        _ = try Runner.run(definition, options: RunOptions())
        let rows = parseCSV(read(scratch.path + "/out/tickets.csv"))
        func value(_ ticket: String, _ column: String) -> String { rows.first { $0[0] == ticket }![rows[0].firstIndex(of: column)!] }
        #expect(value("T1", "policy") == "urgent")
        #expect(value("T1", "first_response_policy") == "default" && value("T1", "first_response_target_s") == "14400.000")
        #expect(value("T1", "first_response_stop") == "completed" && value("T1", "first_response_outcome") == "met")
        #expect(value("T1", "resolution_policy") == "urgent" && value("T1", "resolution_outcome") == "breached")
        #expect(value("T2", "first_response_stop") == "resolved_without_reply")
        #expect(value("T2", "first_response_outcome") == "unmeasured" && value("T2", "first_response_policy") == "default")
        let explain = try runSlalog(["explain", scratch.path + "/p.yaml", "T1"])
        #expect(
            explain.stdout.contains("first_response: policy default, target 14400.000 s (attributes at its stop 2026-03-02T11:00:00.000Z)"))
        #expect(explain.stdout.contains("resolution: policy urgent, target 3600.000 s"), "\(explain.stdout)")
    }
}
