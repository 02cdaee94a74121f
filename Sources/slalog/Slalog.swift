import ArgumentParser
import Foundation
import Pipeline

/// The `slalog` command: parses arguments, calls the library, maps errors to exit codes.
///
/// Exit codes: 0 all inputs read; 1 partial (an input or line failed, reports
/// still written and marked partial in run.json); 2 usage or pipeline error,
/// nothing written.
@main
struct Slalog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slalog",
        abstract: "Turn support-desk and chat logs into per-customer SLA violation reports.",
        discussion: """
            slalog reads plain, gzip, zstd and LZ4 logs, turns lines into ticket events with the \
            regex rules of a pipeline file, measures first response, next reply and resolution \
            on each policy's business calendar, and writes summary.csv, tickets.csv, rejects.csv \
            and run.json.

            Example:
              slalog run pipelines/demo.yaml --out out/
              slalog run pipelines/demo.yaml 'archive/2026-0[789]-*.log.lz4' --as-of 2026-09-30T23:59:59Z --out q3/
              slalog explain pipelines/demo.yaml T-1002 --as-of 2026-03-03T18:00:00Z
              slalog check pipelines/demo.yaml

            Exit codes: 0 complete, 1 partial (some input or line failed; reports written), \
            2 usage or pipeline error (nothing written).
            """,
        subcommands: [Run.self, Report.self, StoreCommand.self, Check.self, Explain.self, Events.self]
    )

    static func main() {
        Allocator.configure()
        _ = phaseStart  // SLALOG_DEBUG_PHASES's clock starts here
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            writeStandardError(fullMessage(for: error) + "\n")
            Foundation.exit(2)
        }
    }
}
