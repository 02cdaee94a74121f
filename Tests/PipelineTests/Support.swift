import Foundation
@_exported import TestSupport

@testable import Pipeline

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
