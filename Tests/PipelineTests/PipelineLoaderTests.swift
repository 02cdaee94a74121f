import Aggregate
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

@Suite struct PipelineLoaderTests {
    let minimal = """
        rules:
          - name: r
            pattern: '^(?<ts>\\\\S+) (?<ticket>\\\\S+)'
            kind: open
        """

    func error(_ yaml: String) -> PipelineError? {
        do {
            _ = try PipelineDefinition.parse(yaml, path: "p.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func minimalPipelineLoads() throws {
        let definition = try PipelineDefinition.parse(minimal, path: "dir/p.yaml")
        #expect(definition.rules.count == 1)
        #expect(definition.policies.policies.isEmpty)
        #expect(definition.groupBy == [.customer])
    }

    @Test func unknownKeyNamesFileLineColumnPathAndSuggestion() {
        let e = error(minimal + "\npolicies:\n  - name: p\n    targetz: {first_response: 1h}\n")
        #expect(e?.line == 7 && e?.column == 5)  // the key itself
        #expect(e?.path == "policies[0].targetz")
        #expect(e?.message == "unknown key 'targetz'")
        #expect(e?.hint?.contains("did you mean 'targets'?") == true)
        #expect(e?.description.hasPrefix("p.yaml:7:5: error: policies[0].targetz: unknown key 'targetz'") == true)
    }

    @Test(arguments: [
        ("1hr", false), ("1h", true), ("90s", true), ("1h30m", true), ("2d", true), ("30m1h", false), ("h", false), ("10", false),
        ("", false),
    ])
    func durations(text: String, valid: Bool) {
        #expect((PipelineLoader.parseDuration(text) != nil) == valid, "\(text)")
    }

    @Test func durationValues() {
        #expect(PipelineLoader.parseDuration("1h30m") == 5_400_000)
        #expect(PipelineLoader.parseDuration("2d") == 172_800_000)
        #expect(PipelineLoader.parseDuration("90s") == 90_000)
    }

    @Test func badDurationInvalidRegexAndMissingGroupAreLocated() {
        let bad = error(minimal + "\npolicies:\n  - name: p\n    targets: {first_response: 1hr}\n")
        #expect(bad?.path == "policies[0].targets.first_response" && bad?.message == "'1hr' is not a duration" && bad?.line == 7)
        let regex = error("rules:\n  - name: r\n    pattern: '^(?<ts>x'\n    kind: open\n")
        #expect(regex?.line == 3 && regex?.message.hasPrefix("invalid regex: missing closing parenthesis") == true)
        let group = error(
            "rules:\n  - name: r\n    pattern: '^(?<ts>\\\\S+) (?<ticket>\\\\S+)'\n    kind: {group: status, map: {a: open}}\n")
        #expect(group?.message == "the pattern has no named group 'status' for kind")
        let noTicket = error("rules:\n  - name: r\n    pattern: '^(?<ts>\\\\S+)'\n    kind: open\n")
        #expect(noTicket?.message.contains("(?<ticket>") == true)
    }

    @Test func unknownMetricKindZoneCalendarAndOverlappingHours() {
        #expect(error(minimal + "\npolicies:\n  - name: p\n    targets: {first_reply: 1h}\n")?.message == "unknown metric 'first_reply'")
        #expect(error(minimal + "\ntimezone: Europe/Berln\n")?.message == "unknown time zone 'Europe/Berln'")
        #expect(
            error(minimal + "\npolicies:\n  - name: p\n    calendar: office\n    targets: {resolution: 1h}\n")?.message
                == "unknown calendar 'office'")
        let overlap = error(minimal + "\ncalendars:\n  office:\n    timezone: UTC\n    hours: {mon-fri: '09:00-13:00, 12:00-17:00'}\n")
        #expect(overlap?.message.hasPrefix("business hours overlap") == true)
        #expect(
            error("rules:\n  - name: r\n    pattern: '(?<ts>.)(?<ticket>.)'\n    kind: opened\n")?.message == "unknown event kind 'opened'")
    }

    @Test func syntaxErrorsAndAliasBombs() {
        let syntax = error("rules: [\n  - name: x\n")
        #expect(syntax?.message.hasPrefix("YAML syntax") == true)
        #expect(syntax?.line != nil)
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            bomb +=
                "\(Character(UnicodeScalar(97 + level)!)): &\(Character(UnicodeScalar(97 + level)!)) ["
                + Array(repeating: "*\(Character(UnicodeScalar(96 + level)!))", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(error(bomb)?.message.contains("more than 2000000 nodes once its aliases are expanded") == true)
    }

    @Test func aTenThousandRulePipelineIsNotMistakenForAnAliasBomb() throws {
        var text = "rules:\n"
        for i in 0..<10_000 { text += "  - {name: r\(i), pattern: '^(?<ts>\\S+) x\(i) (?<ticket>\\w+)', kind: open}\n" }
        let definition = try PipelineDefinition.parse(text, path: "big.yaml")
        #expect(definition.rules.count == 10_000)
    }

    @Test func duplicateKeysNameBothLines() {
        let failure = error("version: \"1\"\nrules: []\nversion: \"1\"\n")
        #expect(failure?.line == 3)
        #expect(failure?.message.contains("key 'version' appears twice in one mapping (first at line 1, column 1)") == true)
    }

    @Test func invalidUTF8InThePipelineFileIsAnErrorWithLineAndColumn() throws {
        let scratch = Scratch()
        let path = scratch.write("latin1.yaml", Array("rules:\n  - name: caf".utf8) + [0xE9] + Array("\n".utf8))
        #expect(throws: PipelineError.self) { try PipelineDefinition.load(path: path) }
        do {
            _ = try PipelineDefinition.load(path: path)
        } catch {
            #expect(error.line == 2 && error.column == 14)
            #expect(error.message == "byte 20 is not valid UTF-8")
        }
    }

    @Test func businessCalendarsLoad() throws {
        let definition = try PipelineDefinition.parse(
            minimal + """

                calendars:
                  office:
                    timezone: Europe/Berlin
                    hours:
                      mon-fri: "09:00-12:00, 13:00-17:30"
                      sat: ["10:00-14:00"]
                    holidays: [2026-12-25]
                policies:
                  - name: p
                    when: {customer: [acme, "acme-*"]}
                    calendar: office
                    targets: {resolution: 2d}
                """, path: "p.yaml")
        let office = definition.calendars["office"]!
        #expect(office.hours[1].count == 2 && office.hours[6].count == 1 && office.hours[7].isEmpty)
        #expect(definition.policies.policies[0].calendar.name == "office")
        #expect(definition.policies.policies[0].targets[.resolution] == 172_800_000)
    }

    @Test func relativePathsResolveAgainstThePipelineFolder() {
        #expect(PipelineLoader.normalize("pipelines/../fixtures/a.log") == "fixtures/a.log")
        #expect(PipelineLoader.normalize("../x/./y") == "../x/y")
        #expect(PipelineLoader.normalize("a/b/") == "a/b/")
    }

    @Test func nestedQuantifiersAreFlagged() {
        #expect(PatternLint.hasNestedQuantifier("^(a+)+$"))
        #expect(PatternLint.hasNestedQuantifier("((\\w+\\s?)*)$"))
        #expect(!PatternLint.hasNestedQuantifier("^(?<ts>\\S+) (?:x=(\\w+))?"))
    }
}

/// `bd` durations and the `d`-on-a-business-calendar note (docs/pipeline-format.md, "Durations").
@Suite struct BusinessDayTests {
    static func pipeline(hours: String, target: String) -> String {
        """
        rules:
          - name: r
            pattern: '^(?<ts>\\\\S+) (?<ticket>\\\\S+)'
            kind: open
        calendars:
          office:
            timezone: Europe/Berlin
            hours: {\(hours)}
        policies:
          - name: p
            calendar: office
            targets: {resolution: \(target)}
        """
    }

    @Test func aBusinessDayIsTheCalendarsWorkingHoursOfOneDay() throws {
        // 09:00–12:00 and 13:00–17:30 = 7 h 30 m = 27,000 s a day; 2bd = 54,000 s.
        let definition = try PipelineDefinition.parse(
            Self.pipeline(hours: "mon-fri: \"09:00-12:00, 13:00-17:30\"", target: "2bd"), path: "p.yaml")
        #expect(definition.policies.policies[0].targets[.resolution] == 54_000_000)
        #expect(definition.notes.isEmpty)
    }

    @Test func unequalWorkingDaysRefuseBusinessDays() {
        #expect(throws: PipelineError.self) {
            try PipelineDefinition.parse(
                Self.pipeline(hours: "mon-thu: \"09:00-17:00\", fri: \"09:00-13:00\"", target: "1bd"), path: "p.yaml")
        }
    }

    @Test func daysOnABusinessCalendarAreNotedForCheck() throws {
        let definition = try PipelineDefinition.parse(Self.pipeline(hours: "mon-fri: \"09:00-18:00\"", target: "5d"), path: "p.yaml")
        #expect(definition.policies.policies[0].targets[.resolution] == 432_000_000)  // 5 × 24 h
        #expect(definition.notes.count == 1 && definition.notes[0].contains("write 5bd for working days"))
    }
}
