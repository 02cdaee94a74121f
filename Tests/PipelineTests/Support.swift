import Foundation
import SLACore
@_exported import TestSupport

@testable import Definition
@testable import Pipeline
@testable import Report

/// The repository root (tests read fixtures and the demo pipeline from it).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func fixture(_ path: String) -> String { "\(repositoryRoot)/\(path)" }

func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing \(path)>" }

/// A scratch folder for pipeline tests.
typealias Scratch = TemporaryFolder

/// Runs the demo pipeline and returns the three CSVs with the repository root stripped from paths.
func runDemo(inputs: [String] = [], jobs: Int = 2, chunkSize: Int = 1 << 20) throws -> (
    summary: String, tickets: String, rejects: String, result: RunResult
) {
    let scratch = Scratch()
    let definition = try PipelineDefinition.load(path: fixture("pipelines/demo.yaml"))
    var options = RunOptions()
    options.inputs = inputs
    options.outputDirectory = scratch.path
    options.jobs = jobs
    options.chunkSize = chunkSize
    let result = try Runner.run(definition, options: options)
    let strip = { (text: String) in text.replacingOccurrences(of: repositoryRoot + "/", with: "") }
    return (
        strip(read("\(scratch.path)/summary.csv")), strip(read("\(scratch.path)/tickets.csv")),
        strip(read("\(scratch.path)/rejects.csv")), result
    )
}

/// The built binary, run as a user would (tests of exit codes, streams, signals).
let slalogBinary = repositoryRoot + "/.build/debug/slalog"

/// What a run of the binary did: exit status (or the signal that ended it) and its two streams.
struct Outcome {
    var status: Int32
    var signal: Int32?
    var stdout: String
    var stderr: String
}

/// Runs `slalog` with `arguments` from the repository root.
/// - `environment`: extra variables (e.g. `SLALOG_TEST_FAULT`).
/// - `stdin`: bytes fed to standard input (else /dev/null).
/// - `asNobody`: run as uid/gid 65534 through `setpriv`, so permissions apply even when the tests run as root.
/// - `closedStderr`: standard error is a pipe whose reading end is already closed.
func runSlalog(
    _ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil, asNobody: Bool = false,
    closedStderr: Bool = false
) throws -> Outcome {
    let process = Process()
    if asNobody {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", slalogBinary] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: slalogBinary)
        process.arguments = arguments
    }
    process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    if closedStderr { try err.fileHandleForReading.close() }
    try process.run()
    if let stdin {
        // A writer thread, so a large input cannot deadlock against the output pipes.
        Thread.detachNewThread {
            try? input.fileHandleForWriting.write(contentsOf: stdin)
            try? input.fileHandleForWriting.close()
        }
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = closedStderr ? Data() : err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let signal = process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
    return Outcome(
        status: process.terminationStatus, signal: signal, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

/// The reports a reader sees in an output folder (through its links), by name.
func visibleReports(_ folder: String) -> [String: String] {
    var result: [String: String] = [:]
    for name in ["summary.csv", "tickets.csv", "rejects.csv", "run.json"] { result[name] = read("\(folder)/\(name)") }
    return result
}

/// What a run of a repository pipeline wrote: tickets.csv (parsed and raw), rejects.csv, and the run's result.
struct PipelineRun {
    var tickets: [[String]]
    var rejects: [[String]]
    var raw: String
    var result: RunResult

    /// The `column` cell of `ticket`'s row.
    func value(_ ticket: String, _ column: String) -> String {
        tickets.first { $0[0] == ticket }![tickets[0].firstIndex(of: column)!]
    }
}

/// Runs `pipeline` (a path in the repository) into a scratch folder.
func runPipeline(_ pipeline: String, asOf: Instant? = nil, jobs: Int = 2, chunkSize: Int = 1 << 20) throws -> PipelineRun {
    let scratch = Scratch()
    let definition = try PipelineDefinition.load(path: fixture(pipeline))
    var options = RunOptions()
    options.outputDirectory = scratch.path
    options.asOf = asOf
    options.jobs = jobs
    options.chunkSize = chunkSize
    let result = try Runner.run(definition, options: options)
    let tickets = read(scratch.path + "/tickets.csv")
    return PipelineRun(tickets: parseCSV(tickets), rejects: parseCSV(read(scratch.path + "/rejects.csv")), raw: tickets, result: result)
}
