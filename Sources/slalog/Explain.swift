import ArgumentParser
import Definition
import Foundation
import Pipeline
import Report

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how one ticket's (or service's) figures were computed, from the raw log lines.",
        discussion: """
            Prints the ticket's timeline: every event with its source file:line and rule, each \
            state change, when each metric started and stopped, the business time counted per \
            interval (and what was skipped: nights, weekends, holidays, pauses), the target, the \
            policy and why it matched, and the outcome.

            Use the same --as-of as the run you are auditing (a run's as_of is in its run.json).

            With --service NAME: the service's timeline (state changes, check runs, maintenance, each \
            with file:line), its outages (counted or ignored, and why) and each period's arithmetic \
            (scheduled time, availability, error budget, outcome).

            Example:
              slalog explain pipelines/demo.yaml T-1002 --as-of 2026-03-03T18:00:00Z
              slalog explain pipelines/nagios.yaml --service 'web01;HTTPS' --as-of 2026-04-02T12:00:00Z
            """
    )

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Argument(
        help:
            "The ticket id, exactly as in the logs (not with --service), then log files, folders or globs (default: the pipeline's inputs)."
    )
    var ticketAndInputs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Explain this service instead of a ticket.", valueName: "name"))
    var service: String?

    @OptionGroup var asOf: AsOfOption

    var ticket: String { service == nil ? ticketAndInputs.first ?? "" : "" }
    var inputs: [String] { service == nil ? Array(ticketAndInputs.dropFirst()) : ticketAndInputs }

    func validate() throws {
        if let service, service.isEmpty { throw ValidationError("the service name is empty") }
        if service == nil && ticket.isEmpty { throw ValidationError("name a ticket id, or --service NAME") }
    }

    func run() throws {
        let definition = try loadPipeline(pipeline)
        var options = RunOptions()
        options.inputs = inputs
        options.asOf = asOf.instant
        do {
            if let service {
                guard let text = try Explainer.explainService(definition, service: service, options: options) else {
                    printError("slalog: no event of service '\(service)' in the inputs")
                    throw ExitCode(1)
                }
                print(text, terminator: "")
                return
            }
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
