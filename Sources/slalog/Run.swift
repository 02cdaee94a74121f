import Aggregate
import ArgumentParser
import Definition
import Foundation
import Pipeline
import Report
import SLACore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read logs and write the SLA reports.",
        discussion: """
            Inputs are files, folders (read recursively, in name order) or quoted globs; without \
            any, the pipeline's inputs: are read. The format of each file (plain, gzip, zstd, LZ4 \
            frame) is detected from its first bytes.

            Writes to the output folder, as one set that replaces the previous one whole or not \
            at all (see README, Outputs); a second run into the same folder waits for the first:
              summary.csv   one row per group (customer by default)
              tickets.csv   one row per ticket, with outcomes and why it breached
              rejects.csv   lines that matched a rule but could not become events, duplicates, anomalies
              run.json      inputs, counts, problems and exit status

            '-' reads standard input (plain, gzip, zstd or LZ4), named stdin in the reports.

            Example:
              slalog run pipelines/demo.yaml --out out/
              slalog run pipelines/demo.yaml /var/log/desk/ --as-of 2026-09-30T23:59:59Z --group-by customer,month --out q3/
            """
    )

    @Argument(help: "The pipeline file (YAML). See docs/pipeline-format.md.")
    var pipeline: String

    @Argument(help: "Log files, folders or globs. Default: the pipeline's inputs.")
    var inputs: [String] = []

    @OptionGroup var report: ReportOptions

    @Flag(
        name: .long,
        help:
            "Forensic use: keep the text of compressed units that failed their checksum instead of discarding it (every report says so).")
    var keepUnverified = false

    @Flag(
        inversion: .prefixedNo,
        help: "Show a progress line (percent, MB/s, ETA, file) on stderr. Default: only when stderr is a terminal.")
    var progress: Bool?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Event store file (created if missing): read only what it has not read yet, then report from everything it holds (README, Nightly with cron).",
            valueName: "file"))
    var store: String?

    @Flag(help: "With --store: when the store's rules differ from the pipeline's, empty it and read the inputs anew instead of refusing.")
    var rebuildStore = false

    func validate() throws {
        if rebuildStore && store == nil { throw ValidationError("--rebuild-store needs --store") }
        if report.remeasure && store == nil { throw ValidationError("--remeasure needs --store") }
        if let store, store.isEmpty { throw ValidationError("--store needs a file name") }
    }

    func run() throws {
        let definition = try loadPipeline(pipeline)
        var options = RunOptions()
        options.inputs = inputs
        try report.apply(to: &options, definition: definition)
        options.keepUnverified = keepUnverified
        options.store = store
        options.rebuildStore = rebuildStore
        Interruption.install()
        try execute(definition, options: options, progress: self.progress, quiet: report.quiet)
    }
}

/// What `run` and `report` share: where the reports go and what they measure.
struct ReportOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder for the reports (default: the pipeline's outputs.dir).", valueName: "dir"))
    var out: String?

    @OptionGroup var asOf: AsOfOption

    @OptionGroup var window: WindowOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Summary grouping: comma-separated customer, channel, priority, agent, policy, day, week, month.", valueName: "list"))
    var groupBy: String?

    @Option(
        name: .shortAndLong,
        help: "Threads doing the work (default: the number of cores); 1 decodes, parses and measures on one thread.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .shortAndLong, help: "Do not print the summary on stderr.")
    var quiet = false

    @Option(
        name: .long,
        help: ArgumentHelp("Seconds to wait while another run holds the output folder (or the store), then exit 2.", valueName: "seconds"))
    var lockTimeout: Double = 60

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write a Prometheus textfile here, atomically (e.g. node_exporter's textfile folder); written on exit 2 too.",
            valueName: "file"))
    var metrics: String?

    @Flag(
        help:
            "Exit 3 when the run looks wrong (no events, many incomplete tickets or anomalies, a rule that never matched, a policy that never applied)."
    )
    var strict = false

    @OptionGroup var memory: MemoryOption

    @Flag(
        help:
            "With a store: measure every ticket from its events instead of using the kept results of settled tickets (they give the same reports; this proves it)."
    )
    var remeasure = false

    func validate() throws {
        if let metrics, metrics.isEmpty { throw ValidationError("--metrics needs a file name") }
        if let out, out.isEmpty { throw ValidationError("--out needs a folder name") }
        guard lockTimeout >= 0, lockTimeout <= 86_400 else { throw ValidationError("--lock-timeout must be between 0 and 86400 seconds") }
        guard jobs >= 1, jobs <= 256 else { throw ValidationError("--jobs must be between 1 and 256") }
        if let groupBy, groupBy.split(separator: ",").isEmpty {
            throw ValidationError(
                "--group-by takes \(GroupDimension.allCases.map(\.rawValue).joined(separator: ", ")) or the pipeline's attributes")
        }
    }

    /// Puts these options into a run's options (a wrong --group-by or --period is exit 2).
    func apply(to options: inout RunOptions, definition: PipelineDefinition) throws {
        options.outputDirectory = out
        options.asOf = asOf.instant
        options.window = try window.window(zone: definition.groupZone)
        options.groupBy = try groupBy.map { try dimensions($0, of: definition) }
        options.jobs = jobs
        options.lockTimeout = lockTimeout
        options.strict = strict
        options.metricsFile = metrics
        options.memory = memory.bytes
        options.remeasure = remeasure
    }
}

/// Runs the pipeline and maps the outcome to stderr lines and the exit code (`run` and `report`).
func execute(_ definition: PipelineDefinition, options: RunOptions, progress showProgress: Bool?, quiet: Bool) throws {
    var options = options
    let metrics = options.metricsFile
    let progress = ProgressLine(forced: showProgress)
    if progress.isEnabled { options.progress = { progress.update($0) } }
    let result: RunResult
    do {
        result = try Runner.run(definition, options: options)
    } catch let error as WriteError {
        progress.clear()
        printError("slalog: \(error); nothing was replaced, the previous reports are unchanged")
        if let metrics { Runner.writeFailureMetrics(to: metrics) }
        throw ExitCode(2)
    } catch {
        progress.clear()
        printError("slalog: \(error)")
        if let metrics { Runner.writeFailureMetrics(to: metrics) }
        throw ExitCode(2)
    }
    progress.clear()
    for problem in result.problems { printError("slalog: \(problem)") }
    for warning in result.warnings { printError("slalog: \(warning)") }
    if !quiet { printError(HumanSummary.text(result)) }
    if result.exitCode != 0 { throw ExitCode(result.exitCode) }
}

func loadPipeline(_ path: String) throws -> PipelineDefinition {
    do {
        return try PipelineDefinition.load(path: path)
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}

/// `--group-by` read against the pipeline's attributes; a wrong name is exit 2 with the choices.
func dimensions(_ text: String, of definition: PipelineDefinition) throws -> [GroupDimension] {
    guard let dimensions = parseDimensions(text, attributes: definition.attributes) else {
        printError(
            "slalog: --group-by takes \((GroupDimension.allCases.map(\.rawValue) + definition.attributes).joined(separator: ", ")), not '\(text)'"
        )
        throw ExitCode(2)
    }
    return dimensions
}

/// `--memory MB`, shared by `run` and `report`.
struct MemoryOption: ParsableArguments {
    @Option(
        name: .customLong("memory"),
        help: ArgumentHelp(
            "Memory to stay within, in MB (default 512): beyond it, events go to a temporary store (or the --store) and tickets are measured in passes.",
            valueName: "MB"))
    var megabytes: Int = 512

    var bytes: Int { megabytes << 20 }

    func validate() throws {
        guard megabytes >= 16, megabytes <= 1 << 20 else { throw ValidationError("--memory is in MB, between 16 and 1048576") }
    }
}

func parseDimensions(_ text: String, attributes: [String] = []) -> [GroupDimension]? {
    let parts = text.split(separator: ",").map { GroupDimension(rawValue: $0.trimmingCharacters(in: .whitespaces), attributes: attributes) }
    guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
    return parts.compactMap { $0 }
}

/// Writes a diagnostic line to stderr. A closed or broken stderr is ignored:
/// it never changes what the run does or its exit code.
func printError(_ text: String) {
    writeStandardError(text + "\n")
}

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(2, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// SIGINT/SIGTERM/SIGHUP during a run: discard the report set being written
/// (the previous one stays intact), say so, and exit 128 + the signal.
/// SIGPIPE is ignored, so a closed stderr or stdout pipe never kills a run.
enum Interruption {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install() {
        signal(SIGPIPE, SIG_IGN)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                let untouched = ReportSet.abandonAll()
                AtomicFile.abandonAll()
                printError(
                    untouched
                        ? "slalog: interrupted (signal \(signalNumber)); reports not replaced, the previous set is unchanged"
                        : "slalog: interrupted (signal \(signalNumber)) after the new report set was in place")
                exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}
