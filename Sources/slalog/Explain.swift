import ArgumentParser
import Foundation
import Pipeline

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how one ticket's figures were computed, from the raw log lines.",
        discussion: """
            Prints the ticket's timeline: every event with its source file:line and rule, each \
            state change, when each metric started and stopped, the business time counted per \
            interval (and what was skipped: nights, weekends, holidays, pauses), the target, the \
            policy and why it matched, and the outcome.

            Use the same --as-of as the run you are auditing (a run's as_of is in its run.json).

            Example:
              slalog explain pipelines/demo.yaml T-1002 --as-of 2026-03-03T18:00:00Z
            """
    )

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Argument(help: "The ticket id, exactly as in the logs.")
    var ticket: String

    @Argument(help: "Log files, folders or globs. Default: the pipeline's inputs.")
    var inputs: [String] = []

    @OptionGroup var asOf: AsOfOption

    func validate() throws {
        if ticket.isEmpty { throw ValidationError("the ticket id is empty") }
    }

    func run() throws {
        let definition = try loadPipeline(pipeline)
        var options = RunOptions()
        options.inputs = inputs
        options.asOf = asOf.instant
        do {
            guard let text = try Explainer.explain(definition, ticket: ticket, options: options) else {
                printError("slalog: no event of ticket '\(ticket)' in the inputs")
                throw ExitCode(1)
            }
            print(text, terminator: "")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("slalog: \(error)")
            throw ExitCode(2)
        }
    }
}
