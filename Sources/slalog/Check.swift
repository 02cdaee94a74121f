import ArgumentParser
import Definition
import Pipeline
import Report

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a pipeline file without reading any log.",
        discussion: """
            Loads the pipeline, compiles every regex (with JIT), checks calendars, policies and \
            durations, and prints a short description. Errors name file:line:column and the key.

            Example:
              slalog check pipelines/demo.yaml
            """
    )

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    func run() throws {
        let definition = try loadPipeline(pipeline)
        print("\(pipeline): ok")
        print("  rules: \(definition.rules.count) (\(definition.ruleNames.joined(separator: ", ")))")
        print("  calendars: \(definition.calendars.keys.sorted().joined(separator: ", "))")
        print(
            "  policies: \(definition.policyNames.isEmpty ? "(none: every ticket is reported under policy none)" : definition.policyNames.joined(separator: ", "))"
        )
        print("  inputs: \(definition.inputs.isEmpty ? "(none: give them on the command line)" : definition.inputs.joined(separator: " "))")
        for warning in PatternLint.warnings(definition) + definition.notes { print("  warning: \(warning)") }
        guard !definition.tests.isEmpty else { return }
        let failures = RuleTestRunner.failures(definition)
        print("  tests: \(definition.tests.count - failures.count) of \(definition.tests.count) passed")
        guard failures.isEmpty else {
            for failure in failures { printError(failure) }
            throw ExitCode(1)
        }
    }
}
