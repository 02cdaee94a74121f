import ArgumentParser
import Definition
import Foundation
import Pipeline
import Report

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the events the pipeline's rules make of the logs, without measuring anything.",
        discussion: """
            One line per event on stdout, in input order, tab-separated: file:line, rule, time (UTC), \
            ticket (or service), kind, and the attributes the line carried (customer, priority, \
            channel, agent, status). Kinds are shown as the ticket's states will see them: \
            transitions resolved, `open: first_event` applied; events set aside (duplicates, \
            anomalies, unmapped statuses) and lines that matched a rule but were rejected say so. \
            Lines that match no rule are not listed.

            Example:
              slalog events pipelines/demo.yaml
              slalog events pipelines/demo.yaml fixtures/chat/ --ticket C-501
            """
    )

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Argument(help: "Log files, folders or globs (default: the pipeline's inputs).")
    var inputs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only this ticket's (or service's) events.", valueName: "id"))
    var ticket: String?

    func run() throws {
        let definition = try loadPipeline(pipeline)
        var options = RunOptions()
        options.inputs = inputs
        let listed: (lines: [EventLister.Line], problems: [String])
        do {
            listed = try EventLister.lines(definition, options: options, ticket: ticket)
        } catch {
            printError("slalog: \(error)")
            throw ExitCode(2)
        }
        for problem in listed.problems { printError("slalog: \(problem)") }
        var out = ""
        for line in listed.lines {
            out += line.text
            out += "\n"
            if out.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(out.utf8))
                out = ""
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        if !listed.problems.isEmpty { throw ExitCode(1) }
    }
}
