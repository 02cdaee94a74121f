import Aggregate
import ArgumentParser
import Definition
import Foundation
import Pipeline
import SLACore
import Store

/// `slalog report`: another question of an event store, without reading any log.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the reports from an event store, without reading any log.",
        discussion: """
            Measures every ticket and service the store holds (filled by `slalog run --store`), \
            as of --as-of (default: the latest event it holds), and writes the same report set a \
            run over every input ever read into the store would write. It reads a consistent \
            snapshot, so it can run while a nightly run adds to the store.

            Example:
              slalog report pipelines/demo.yaml --store /var/lib/slalog/desk.db --as-of 2026-03-31T23:59:59Z --group-by customer,month --out march/
            """
    )

    @Argument(help: "The pipeline file the store was filled with (its rules must match the store's).")
    var pipeline: String

    @Option(name: .long, help: ArgumentHelp("The event store file.", valueName: "file"))
    var store: String

    @OptionGroup var report: ReportOptions

    func run() throws {
        let definition = try loadPipeline(pipeline)
        var options = RunOptions()
        try report.apply(to: &options, definition: definition)
        options.store = store
        options.storeOnly = true
        Interruption.install()
        try execute(definition, options: options, progress: false, quiet: report.quiet)
    }
}

/// `slalog store …`: look after an event store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Look into an event store.", subcommands: [Info.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an event store's size, events, tickets, inputs, and oldest and newest event (stdout).")

        @Argument(help: "The event store file.")
        var path: String

        func run() throws {
            do {
                guard FileManager.default.fileExists(atPath: path) else { throw StoreError.cannotOpen(path: path, reason: "no such file") }
                let file = try StoreFile(path: path, create: false, lockTimeout: 10)
                try file.beginRead()
                var bytes: Int64 = 0
                for suffix in ["", "-wal"] {
                    bytes += ((try? FileManager.default.attributesOfItem(atPath: path + suffix))?[.size] as? Int64) ?? 0
                }
                let info = try file.info(fileBytes: bytes)
                file.rollback()
                var lines = [
                    "store     \(info.path)",
                    "size      \(String(format: "%.1f", Double(info.bytes) / 1_000_000)) MB (format \(info.format), written by slalog \(info.slalogVersion))",
                    "rules     identity \(info.identity)",
                    "events    \(info.events) ticket events of \(info.tickets) tickets (service records kept apart); \(info.rejects) rejects",
                    "oldest    \(info.oldest?.iso8601 ?? "-")",
                    "newest    \(info.newest?.iso8601 ?? "-")",
                    "results   \(info.keptResults) kept results of settled tickets (superseded ones included)",
                    "runs      \(info.runs)\(info.lastRun.map { ", the last finished \($0)" } ?? "")",
                    "inputs    \(info.sources.count) contents read:",
                ]
                for source in info.sources {
                    lines.append(
                        "  \(source.name)  \(source.format)  \(source.readLength) bytes, \(source.lines) lines read")
                }
                print(lines.joined(separator: "\n"))
            } catch let error as StoreError {
                printError("slalog: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
