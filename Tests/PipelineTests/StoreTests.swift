import Foundation
import SLACore
import Store
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// A month of help-desk logs in the demo pipeline's format, written night after night into one live
/// file that logrotate rotates (docs/semantics.md §11): tickets span nights, some lines are
/// rejects, and the last line of a night is sometimes unfinished (completed the next day).
struct GeneratedMonth {
    /// Lines per day (1-based index), each with its time, in time order.
    var days: [[String]] = [[]]

    init(days count: Int, ticketsPerDay: Int, seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var perDay = [[(Int64, String)]](repeating: [], count: count + 4)
        let start = Instant(year: 2026, month: 3, day: 1).milliseconds
        let customers = ["acme", "globex", "initech", "umbrella", "hooli"]
        var ticket = 1000
        func put(_ time: Int64, _ text: String) {
            let day = Int((time - start) / 86_400_000) + 1
            guard day <= count else { return }
            let stamp = Instant(milliseconds: time).iso8601.replacingOccurrences(of: ".000Z", with: "Z")
            perDay[day].append((time, "\(stamp) \(text)"))
        }
        for day in 1...count {
            for _ in 0..<ticketsPerDay {
                ticket += 1
                let id = "T-\(ticket)"
                var time = start + Int64(day - 1) * 86_400_000 + Int64.random(in: 0..<86_400_000, using: &random)
                let customer = customers.randomElement(using: &random)!
                let priority = ["low", "normal", "high", "urgent"].randomElement(using: &random)!
                put(time, "desk[311]: event=created ticket=\(id) customer=\(customer) priority=\(priority) channel=email via=customer")
                for step in 0..<Int.random(in: 1...5, using: &random) {
                    time += Int64.random(in: 60_000...(20 * 3_600_000), using: &random)
                    switch Int.random(in: 0..<10, using: &random) {
                    case 0...3: put(time, "desk[311]: event=reply ticket=\(id) agent=agent\(step % 3)")
                    case 4...5: put(time, "desk[311]: event=comment ticket=\(id)")
                    case 6: put(time, "desk[311]: event=status ticket=\(id) to=pending")
                    case 7: put(time, "desk[311]: event=status ticket=\(id) to=open")
                    case 8: put(time, "desk[311]: event=status ticket=\(id) to=escalated")  // a reject: no mapping
                    default: put(time, "desk[311]: event=status ticket=\(id) to=solved")
                    }
                }
                if Bool.random(using: &random) {
                    time += Int64.random(in: 60_000...(30 * 3_600_000), using: &random)
                    put(time, "desk[311]: event=status ticket=\(id) to=closed")
                }
                put(time + 1000, "nginx[12]: GET /health 200 0.001s")
            }
        }
        days = [[]] + (1...count).map { day in perDay[day].sorted { $0.0 < $1.0 }.map(\.1) }
    }

    /// The end of day `day`, as an instant.
    static func endOfDay(_ day: Int) -> Instant {
        Instant(milliseconds: Instant(year: 2026, month: 3, day: 1).milliseconds + Int64(day) * 86_400_000 - 1)
    }
}

/// Plays logrotate over a log folder: `desk.log` is live; rotation moves it to `desk.log.1` (by
/// renaming, or by copying and truncating: `copytruncate`), and compresses the previous `.1`
/// into `.2.gz` (`delaycompress`), shifting older files up.
struct RotatingLog {
    let folder: String
    private(set) var rotated = 0
    /// The rest of an unfinished last line, written with the next lines.
    private var pendingRest = ""

    init(folder: String) { self.folder = folder }
    /// Bytes of complete lines written so far.
    private(set) var completeBytes: Int64 = 0

    func path(_ name: String) -> String { "\(folder)/\(name)" }

    mutating func rotate(copyTruncate: Bool, scratch: Scratch) {
        let manager = FileManager.default
        for n in stride(from: rotated + 1, through: 2, by: -1) where manager.fileExists(atPath: path("desk.log.\(n).gz")) {
            try! manager.moveItem(atPath: path("desk.log.\(n).gz"), toPath: path("desk.log.\(n + 1).gz"))
        }
        if manager.fileExists(atPath: path("desk.log.1")) {
            scratch.shell("gzip -n -c '\(path("desk.log.1"))' > '\(path("desk.log.2.gz"))' && rm '\(path("desk.log.1"))'")
        }
        if copyTruncate {
            try! manager.copyItem(atPath: path("desk.log"), toPath: path("desk.log.1"))
            truncate(path("desk.log"), 0)
        } else {
            try! manager.moveItem(atPath: path("desk.log"), toPath: path("desk.log.1"))
            manager.createFile(atPath: path("desk.log"), contents: Data())
        }
        rotated += 1
    }

    /// Appends whole lines (finishing an unfinished line first) and, optionally, the first half of one more line.
    mutating func append(_ lines: [String], unfinished: String = "") {
        var text = pendingRest.isEmpty ? "" : pendingRest + "\n"
        if !lines.isEmpty { text += lines.joined(separator: "\n") + "\n" }
        completeBytes += Int64(text.utf8.count)
        pendingRest = ""
        if !unfinished.isEmpty {
            let cut = unfinished.index(unfinished.startIndex, offsetBy: unfinished.count / 2)
            text += unfinished[..<cut]
            pendingRest = String(unfinished[cut...])
            completeBytes += Int64(unfinished.utf8.count - pendingRest.utf8.count)
        }
        let handle = FileHandle(forWritingAtPath: path("desk.log"))!
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        handle.closeFile()
    }

    /// The files as one run over the whole history would be given them: oldest first.
    func filesOldestFirst() -> [String] {
        var files: [String] = []
        for n in stride(from: rotated + 1, through: 2, by: -1) where FileManager.default.fileExists(atPath: path("desk.log.\(n).gz")) {
            files.append(path("desk.log.\(n).gz"))
        }
        if FileManager.default.fileExists(atPath: path("desk.log.1")) { files.append(path("desk.log.1")) }
        return files + [path("desk.log")]
    }
}

@Suite("Event store")
struct StoreTests {
    static let reports = ["summary.csv", "tickets.csv", "rejects.csv"]

    func run(
        _ inputs: [String], store: String? = nil, asOf: Instant, out: String, jobs: Int = 2, storeOnly: Bool = false
    ) throws -> RunResult {
        let definition = try PipelineDefinition.load(path: fixture("pipelines/demo.yaml"))
        var options = RunOptions()
        options.inputs = inputs
        options.outputDirectory = out
        options.asOf = asOf
        options.jobs = jobs
        options.chunkSize = 4096
        options.store = store
        options.storeOnly = storeOnly
        return try Runner.run(definition, options: options)
    }

    /// The issue's equivalence test: a month fed as 30 nightly runs into a store, with rotation
    /// (renamed, compressed, copied and truncated, a growing file, unfinished last lines) gives,
    /// every night, reports byte-identical to one run over every file so far (oldest first) at
    /// that night's as_of; and the store never reads a byte twice.
    @Test func thirtyNightlyRunsEqualOneRunEachNight() throws {
        let scratch = Scratch()
        let logs = scratch.path + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: logs + "/desk.log", contents: Data())
        let month = GeneratedMonth(days: 30, ticketsPerDay: 40, seed: 30)
        var log = RotatingLog(folder: logs)
        let store = scratch.path + "/desk.db"
        var decodedRead: Int64 = 0
        for night in 1...30 {
            let lines = month.days[night]
            // Some of the day's lines reach the live file before rotation, the rest after it.
            let split = night % 4 == 0 ? lines.count / 3 : lines.count
            log.append(Array(lines[..<split]))
            if night % 3 == 0 { log.rotate(copyTruncate: night % 2 == 0, scratch: scratch) }
            let unfinished = night % 5 == 1 ? "2026-03-\(String(format: "%02d", night))T23:59:59Z nginx[12]: GET /health 200 0.002s" : ""
            log.append(Array(lines[split...]), unfinished: unfinished)

            let asOf = GeneratedMonth.endOfDay(night)
            let nightly = try run(log.filesOldestFirst(), store: store, asOf: asOf, out: scratch.path + "/nightly", jobs: night % 2 + 1)
            let whole = try run(log.filesOldestFirst(), asOf: asOf, out: scratch.path + "/whole")
            for name in Self.reports {
                let a = read(scratch.path + "/nightly/" + name), b = read(scratch.path + "/whole/" + name)
                #expect(a == b, "night \(night): \(name) differs")
            }
            decodedRead = nightly.statistics.inputs.reduce(0) { $0 + $1.bytes }
            let account = try #require(nightly.store)
            #expect(account.count("new", "resumed", "skipped") == log.filesOldestFirst().count)
            #expect(account.count("replaced", "truncated", "copy") == 0, "night \(night): \(account.inputs.map { $0.fate })")
        }
        // Each byte read once: the store's decoded bytes equal the complete lines written.
        #expect(decodedRead == log.completeBytes)
    }
}
