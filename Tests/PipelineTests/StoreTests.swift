import Aggregate
import Foundation
import Ingest
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
            precondition(manager.createFile(atPath: path("desk.log"), contents: Data()))
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

/// The first line where two texts differ, both versions (nil when equal): short failure messages.
func firstDifference(_ a: String, _ b: String) -> String? {
    guard a != b else { return nil }
    let x = a.split(separator: "\n", omittingEmptySubsequences: false), y = b.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(x.count, y.count) where i >= x.count || i >= y.count || x[i] != y[i] {
        return "line \(i + 1): \(i < x.count ? String(x[i]) : "<none>") | \(i < y.count ? String(y[i]) : "<none>")"
    }
    return "same lines, different bytes"
}

@Suite("Event store")
struct StoreTests {
    static let reports = ["summary.csv", "tickets.csv", "rejects.csv"]

    func run(
        _ inputs: [String], pipeline: String = fixture("pipelines/demo.yaml"), store: String? = nil, asOf: Instant?, out: String,
        jobs: Int = 2, storeOnly: Bool = false, memory: Int = 512 << 20, remeasure: Bool = false
    ) throws -> RunResult {
        let definition = try PipelineDefinition.load(path: pipeline)
        var options = RunOptions()
        options.inputs = inputs
        options.outputDirectory = out
        options.asOf = asOf
        options.jobs = jobs
        options.chunkSize = 4096
        options.store = store
        options.storeOnly = storeOnly
        options.memory = memory
        options.remeasure = remeasure
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
        #expect(FileManager.default.createFile(atPath: logs + "/desk.log", contents: Data()))
        let month = GeneratedMonth(days: 30, ticketsPerDay: 40, seed: 30)
        var log = RotatingLog(folder: logs)
        let store = scratch.path + "/desk.db"
        var decodedRead: Int64 = 0
        var reused = 0
        for night in 1...30 {
            let lines = month.days[night]
            // Some of the day's lines reach the live file before rotation, the rest after it.
            let split = night % 4 == 0 ? lines.count / 3 : lines.count
            log.append(Array(lines[..<split]))
            if night % 3 == 0 { log.rotate(copyTruncate: night % 2 == 0, scratch: scratch) }
            let unfinished = night % 5 == 1 ? "2026-03-\(String(format: "%02d", night))T23:59:59Z nginx[12]: GET /health 200 0.002s" : ""
            log.append(Array(lines[split...]), unfinished: unfinished)

            let asOf = GeneratedMonth.endOfDay(night)
            // Odd nights measure in many passes (a tiny memory budget: a few hundred events a pass).
            let nightly = try run(
                log.filesOldestFirst(), store: store, asOf: asOf, out: scratch.path + "/nightly", jobs: night % 2 + 1,
                memory: night % 2 == 1 ? 40_000 : 512 << 20)
            // Even nights, the run without a store spills its events to a temporary store (a tiny budget).
            _ = try run(
                log.filesOldestFirst(), asOf: asOf, out: scratch.path + "/whole", memory: night % 2 == 0 ? 40_000 : 512 << 20)
            for name in Self.reports {
                let a = read(scratch.path + "/nightly/" + name), b = read(scratch.path + "/whole/" + name)
                #expect(a == b, "night \(night): \(name) differs")
            }
            decodedRead = nightly.statistics.inputs.reduce(0) { $0 + $1.bytes }
            let account = try #require(nightly.store)
            // Every ticket is measured or taken from a kept result; settled ones are kept from night 1 on.
            #expect(account.ticketsMeasured + account.resultsReused == nightly.statistics.tickets)
            if night > 2 { #expect(account.resultsReused > 0, "night \(night): no kept result used") }
            reused += account.resultsReused
            #expect(account.count("new", "resumed", "skipped") == log.filesOldestFirst().count)
            #expect(
                account.count("replaced", "truncated", "copy") == 0,
                "night \(night): \(account.inputs.map { "\($0.path.suffix(12)) \($0.fate) \($0.knownAs ?? "-")" })")
        }
        // Each byte read once: the store's decoded bytes equal the complete lines written.
        #expect(decodedRead == log.completeBytes)
        // Most tickets settle within a day or two: most measuring was saved.
        #expect(reused > 30 * 40 * 5, "\(reused) kept results used over the month")
    }
}

extension StoreTests {
    /// Kept results of settled tickets (docs/semantics.md §11) are used only where they cannot
    /// change a report: each case below is compared with a run without a store over the same
    /// files (which measures every ticket from its events), and the reuse counts say which path ran.
    @Test func keptResultsAreUsedOnlyWhereTheyCannotChangeAReport() throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 6, ticketsPerDay: 60, seed: 6)
        var files: [String] = []
        let store = scratch.path + "/s.db"
        let demo = fixture("pipelines/demo.yaml")
        // Another policy target: another measuring identity, the same store identity.
        let other = scratch.write(
            "other.yaml",
            Array(try String(contentsOfFile: demo, encoding: .utf8).replacingOccurrences(of: "resolution: 1d", with: "resolution: 9h").utf8)
        )
        func same(_ a: String, _ b: String, _ what: String) {
            for name in Self.reports {
                let x = read(a + "/" + name), y = read(b + "/" + name)
                #expect(x == y, "\(what): \(name): \(firstDifference(x, y) ?? "")")
            }
        }
        for day in 1...4 {
            var lines = month.days[day]
            // Night 3: a ticket settled on night 1 is reopened (a later event): its kept result no longer applies.
            if day == 3 {
                let first = month.days[1].first { $0.contains("event=created") }!
                let id = first.split(separator: " ").first { $0.hasPrefix("ticket=") }!.dropFirst(7)
                lines.append("2026-03-03T23:00:00Z desk[311]: event=status ticket=\(id) to=open")
            }
            files.append(scratch.write("day\(day).log", Array((lines.joined(separator: "\n") + "\n").utf8)))
            let asOf = GeneratedMonth.endOfDay(day)
            let nightly = try run(files, pipeline: demo, store: store, asOf: asOf, out: scratch.path + "/n")
            _ = try run(files, pipeline: demo, store: nil, asOf: asOf, out: scratch.path + "/w")
            same(scratch.path + "/n", scratch.path + "/w", "night \(day)")
            let account = try #require(nightly.store)
            // (Night 2: the few tickets settled on night 1 mostly got a later event on day 2.)
            if day > 2 {
                #expect(
                    account.resultsReused > 0 && account.ticketsMeasured > 0,
                    "night \(day): \(account.resultsReused) reused, \(account.ticketsMeasured) measured")
            }
        }
        // An earlier as_of than the last events of tickets kept since: those are measured again.
        let early = GeneratedMonth.endOfDay(2)
        let audit = try run([], pipeline: demo, store: store, asOf: early, out: scratch.path + "/a", storeOnly: true)
        _ = try run(files, pipeline: demo, store: nil, asOf: early, out: scratch.path + "/w")
        same(scratch.path + "/a", scratch.path + "/w", "report as of day 2")
        let latest = try run([], pipeline: demo, store: store, asOf: GeneratedMonth.endOfDay(4), out: scratch.path + "/l", storeOnly: true)
        #expect(try #require(audit.store).resultsReused < (try #require(latest.store)).resultsReused)
        // Another policy: every ticket measured; the same as a run without a store with that policy.
        let policy = try run([], pipeline: other, store: store, asOf: nil, out: scratch.path + "/p", storeOnly: true)
        _ = try run(files, pipeline: other, store: nil, asOf: nil, out: scratch.path + "/w")
        same(scratch.path + "/p", scratch.path + "/w", "report with another policy")
        #expect(policy.store?.resultsReused == 0)
        // --remeasure: the same bytes, nothing reused.
        let again = try run([], pipeline: demo, store: store, asOf: nil, out: scratch.path + "/r", storeOnly: true, remeasure: true)
        _ = try run(files, pipeline: demo, store: nil, asOf: nil, out: scratch.path + "/w")
        same(scratch.path + "/r", scratch.path + "/w", "--remeasure")
        #expect(again.store?.resultsReused == 0)
        // A run that writes with the other policy keeps results under it; the next one uses them.
        files.append(scratch.write("day5.log", Array((month.days[5].joined(separator: "\n") + "\n").utf8)))
        let switched = try run(files, pipeline: other, store: store, asOf: nil, out: scratch.path + "/s")
        #expect(switched.store?.resultsReused == 0)
        let next = try run(files, pipeline: other, store: store, asOf: nil, out: scratch.path + "/s")
        #expect((next.store?.resultsReused ?? 0) > 0)
        _ = try run(files, pipeline: other, store: nil, asOf: nil, out: scratch.path + "/w")
        same(scratch.path + "/s", scratch.path + "/w", "kept under another policy")
    }
}

extension StoreTests {
    static let readyPipelines = [
        "pipelines/demo.yaml", "pipelines/chat-timeonly.yaml", "pipelines/mail-threads.yaml", "pipelines/nagios.yaml",
        "pipelines/healthcheck.yaml", "pipelines/process-mining.yaml", "pipelines/status-export.yaml", "pipelines/json-logs.yaml",
    ]

    /// Just past the first record end after the middle of `bytes` (outside quotes for CSV), nil if none.
    static func middleBoundary(_ bytes: [UInt8], csv: Bool) -> Int? {
        var quotes = 0
        for (i, byte) in bytes.enumerated() {
            if byte == 0x22 { quotes += 1 }
            if byte == 0x0a && i >= bytes.count / 2 && (!csv || quotes % 2 == 0) && i + 1 < bytes.count { return i + 1 }
        }
        return nil
    }

    /// A CSV export still being written, cut at every byte of the records around one whose quoted field
    /// holds a line break: the first night reads only whole records (a record cut after its quoted
    /// line break waits whole: docs/semantics.md §11), the second the rest; the reports equal one run
    /// over the whole file, and no night rejects a record that was merely unfinished.
    @Test func aCSVRecordStillBeingWrittenWaitsWhole() throws {
        let scratch = Scratch()
        let definition = try PipelineDefinition.load(path: fixture("pipelines/process-mining.yaml"))
        let whole = Array(try Data(contentsOf: URL(fileURLWithPath: fixture("fixtures/exports/incidents.csv"))))
        let quoted = Array("\"two lines:\r\n".utf8)
        let inside = try #require(whole.indices.first { whole[$0...].starts(with: quoted) })
        let path = scratch.path + "/incidents.csv"
        func run(_ out: String, store: String?) throws -> RunResult {
            var options = RunOptions()
            options.inputs = [path]
            options.outputDirectory = scratch.path + "/" + out
            options.chunkSize = 256
            options.store = store
            options.asOf = Instant(year: 2026, month: 3, day: 6)
            return try Runner.run(definition, options: options)
        }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(whole)))
        let one = try run("whole", store: nil)
        #expect(one.statistics.rejects > 0)  // the fixture's ragged row: the rejects.csv compared below is not empty
        let expected = Self.reports.map { (try? String(contentsOfFile: scratch.path + "/whole/" + $0, encoding: .utf8)) ?? "" }
        // From the record before the quoted one to the end of the record after it.
        for cut in (inside - 40)...(inside + quoted.count + 60) {
            let store = scratch.path + "/store-\(cut).db"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(whole[..<cut])))
            _ = try run("night1-\(cut)", store: store)
            let rejects = (try? String(contentsOfFile: scratch.path + "/night1-\(cut)/rejects.csv", encoding: .utf8)) ?? ""
            #expect(!rejects.contains("unterminated"), "cut at \(cut): \(rejects)")
            #expect(FileManager.default.createFile(atPath: path, contents: Data(whole)))
            _ = try run("night2-\(cut)", store: store)
            for (name, text) in zip(Self.reports, expected) {
                let night = (try? String(contentsOfFile: scratch.path + "/night2-\(cut)/" + name, encoding: .utf8)) ?? ""
                #expect(firstDifference(text, night) == nil, "cut at \(cut): \(name)")
            }
        }
    }

    /// Every ready pipeline's fixtures read over two nights (plain files half on the first, whole on the
    /// second; compressed files on the second) give the reports of one run over the files in the store's
    /// order; `slalog report` from the store gives them again. Covers what the store keeps besides
    /// events: service runs, thread links, time-only days, CSV columns, attribute tuples, rejects.
    @Test(arguments: readyPipelines)
    func readyPipelineOverTwoNightsEqualsOneRun(_ pipeline: String) throws {
        let scratch = Scratch()
        let definition = try PipelineDefinition.load(path: fixture(pipeline))
        let files = InputExpander.expand(definition.inputs).files
        try FileManager.default.createDirectory(atPath: scratch.path + "/logs", withIntermediateDirectories: true)
        var plain: [(path: String, whole: [UInt8])] = [], compressed: [(path: String, whole: [UInt8])] = []
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let copy = scratch.path + "/logs/" + (file as NSString).lastPathComponent
            if InputFormat.detect(bytes) == .plain {
                plain.append((copy, bytes))
                let cut = Self.middleBoundary(bytes, csv: definition.recordFormat(ofFile: copy).kind == .csv) ?? bytes.count
                scratch.write("logs/" + (file as NSString).lastPathComponent, Array(bytes[..<cut]))
            } else {
                compressed.append((copy, bytes))
            }
        }
        let order = plain.map(\.path) + compressed.map(\.path)
        let store = scratch.path + "/store.db"
        func reports(_ out: String) -> [String] {
            (Self.reports + ["availability.csv", "outages.csv"]).map {
                (try? String(contentsOfFile: scratch.path + "/" + out + "/" + $0, encoding: .utf8)) ?? "(not written)"
            }
        }
        func runInto(_ out: String, store: String?, storeOnly: Bool = false) throws -> RunResult {
            var options = RunOptions()
            options.inputs = storeOnly ? [] : order
            options.outputDirectory = scratch.path + "/" + out
            options.chunkSize = 512
            options.store = store
            options.storeOnly = storeOnly
            options.asOf = Instant(year: 2026, month: 3, day: 6)
            return try Runner.run(definition, options: options)
        }
        _ = try runInto("night1", store: store)
        for (path, whole) in plain { #expect(FileManager.default.createFile(atPath: path, contents: Data(whole))) }
        for (path, whole) in compressed { #expect(FileManager.default.createFile(atPath: path, contents: Data(whole))) }
        let night2 = try runInto("night2", store: store)
        _ = try runInto("whole", store: nil)
        _ = try runInto("report", store: store, storeOnly: true)
        for (name, (a, (b, c))) in zip(
            Self.reports + ["availability.csv", "outages.csv"], zip(reports("whole"), zip(reports("night2"), reports("report"))))
        {
            #expect(firstDifference(a, b) == nil, "\(pipeline) \(name): store run")
            #expect(firstDifference(a, c) == nil, "\(pipeline) \(name): slalog report")
        }
        #expect(night2.store?.count("resumed") == plain.filter { Self.middleBoundary($0.whole, csv: false) != nil }.count)
    }

    /// The store and reports after a run killed at `point` and run again equal one run over all (the
    /// store holds the night either not at all or whole; a re-run with nothing new writes the reports).
    @Test(arguments: ["store-events-written", "store-saved", "store-results-kept", "store-committed", "before-switch"])
    func killedRunThenRerunEqualsOneRun(_ point: String) throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 4, ticketsPerDay: 30, seed: 7)
        let log = scratch.path + "/desk.log"
        scratch.write("desk.log", Array((month.days[1] + month.days[2]).map { $0 + "\n" }.joined().utf8))
        let store = scratch.path + "/s.db"
        let asOf = GeneratedMonth.endOfDay(4).iso8601
        let base = ["run", "pipelines/demo.yaml", log, "--store", store, "--as-of", asOf, "-q"]
        #expect(try runSlalog(base + ["--out", scratch.path + "/out"]).status <= 1)
        let stored = try StoreFile(path: store, create: false, lockTimeout: 5).info(fileBytes: 0)
        let before = stored.events
        #expect(stored.keptResults > 0)
        let handle = FileHandle(forWritingAtPath: log)!
        handle.seekToEndOfFile()
        handle.write(Data((month.days[3] + month.days[4]).map { $0 + "\n" }.joined().utf8))
        handle.closeFile()

        let killed = try runSlalog(base + ["--out", scratch.path + "/out"], environment: ["SLALOG_TEST_FAULT": "kill@\(point)"])
        #expect(killed.signal == SIGKILL, "\(killed.stderr)")
        let killedInfo = try StoreFile(path: store, create: false, lockTimeout: 5).info(fileBytes: 0)
        let afterKill = killedInfo.events
        if point.hasPrefix("store-") && point != "store-committed" {
            #expect(afterKill == before, "a run killed before its commit left the store as it was")
            #expect(killedInfo.keptResults == stored.keptResults, "and its kept results too")
        } else {
            #expect(afterKill > before)
        }
        #expect(try runSlalog(base + ["--out", scratch.path + "/out"]).status <= 1)
        #expect(try runSlalog(["run", "pipelines/demo.yaml", log, "--as-of", asOf, "-q", "--out", scratch.path + "/whole"]).status <= 1)
        for name in Self.reports { #expect(read(scratch.path + "/out/" + name) == read(scratch.path + "/whole/" + name), "\(name)") }
        // Idempotent: running the night again changes neither the store nor the reports.
        #expect(try runSlalog(base + ["--out", scratch.path + "/again"]).status <= 1)
        #expect(
            try StoreFile(path: store, create: false, lockTimeout: 5).info(fileBytes: 0).events == afterKill || point.hasPrefix("store-"))
        for name in Self.reports { #expect(read(scratch.path + "/again/" + name) == read(scratch.path + "/whole/" + name), "\(name)") }
    }

    /// The run that creates a store writes its pages straight into the file under a rollback journal
    /// (no write-ahead log to copy at the commit) and switches the store to the write-ahead log when it
    /// commits. Killed before that commit, it leaves the store as created (no event) with a hot journal,
    /// which the next open rolls back; the next run fills it and leaves it in WAL mode. The mode is read
    /// from the file header (bytes 18-19: 1 rollback, 2 WAL; SQLite's file format).
    @Test(arguments: ["store-events-written", "store-saved", "store-results-kept", "store-committed"])
    func firstRunKilledBeforeItsCommitLeavesAnEmptyStore(_ point: String) throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 2, ticketsPerDay: 40, seed: 3)
        let log = scratch.write("desk.log", Array((month.days[1] + month.days[2]).map { $0 + "\n" }.joined().utf8))
        let store = scratch.path + "/s.db"
        func header() -> [UInt8] {
            guard let file = FileHandle(forReadingAtPath: store) else { return [] }
            defer { file.closeFile() }
            return Array(file.readData(ofLength: 20).suffix(2))
        }
        let base = ["run", "pipelines/demo.yaml", log, "--store", store, "--as-of", GeneratedMonth.endOfDay(2).iso8601, "-q"]
        let killed = try runSlalog(base + ["--out", scratch.path + "/out"], environment: ["SLALOG_TEST_FAULT": "kill@\(point)"])
        #expect(killed.signal == SIGKILL, "\(killed.stderr)")
        if point == "store-committed" {
            #expect(header() == [2, 2], "committed: in WAL mode")
        } else {
            #expect(header() == [1, 1], "before the commit: still in rollback mode")
            #expect(!FileManager.default.fileExists(atPath: store + "-wal"), "no write-ahead log during the first run")
            #expect(FileManager.default.fileExists(atPath: store + "-journal"), "a hot journal to roll back")
        }
        let info = try StoreFile(path: store, create: false, lockTimeout: 5).info(fileBytes: 0)
        #expect((info.events == 0) == (point != "store-committed"), "\(info.events) events after a kill at \(point)")
        #expect(!FileManager.default.fileExists(atPath: store + "-journal"), "rolled back when opened")
        #expect(header() == [2, 2], "opened after the kill: switched to WAL mode")
        #expect(try runSlalog(base + ["--out", scratch.path + "/out"]).status <= 1)
        let whole = [
            "run", "pipelines/demo.yaml", log, "--as-of", GeneratedMonth.endOfDay(2).iso8601, "-q", "--out", scratch.path + "/whole",
        ]
        #expect(try runSlalog(whole).status <= 1)
        for name in Self.reports { #expect(read(scratch.path + "/out/" + name) == read(scratch.path + "/whole/" + name), "\(name)") }
    }

    /// SIGKILL at random moments of runs that add a night each: whatever was interrupted, the next
    /// complete run's reports equal one run over everything.
    @Test func killsAtRandomMomentsNeverLeaveAHalfStore() throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 6, ticketsPerDay: 400, seed: 11)
        let store = scratch.path + "/s.db"
        var random = SeededGenerator(state: 99)
        var files: [String] = []
        for day in 1...6 {
            files.append(scratch.write("desk-\(day).log", Array(month.days[day].map { $0 + "\n" }.joined().utf8)))
            let arguments =
                ["run", "pipelines/demo.yaml"] + files + [
                    "--store", store, "--out", scratch.path + "/out", "-q", "--as-of", GeneratedMonth.endOfDay(6).iso8601,
                ]
            // Start a run and kill it after a random delay (it may also finish first).
            let process = Process()
            process.executableURL = URL(fileURLWithPath: slalogBinary)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 5_000...400_000, using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let arguments = ["run", "pipelines/demo.yaml"] + files + ["--as-of", GeneratedMonth.endOfDay(6).iso8601, "-q"]
        #expect(try runSlalog(arguments + ["--store", store, "--out", scratch.path + "/out"]).status <= 1)
        #expect(try runSlalog(arguments + ["--out", scratch.path + "/whole"]).status <= 1)
        for name in Self.reports { #expect(read(scratch.path + "/out/" + name) == read(scratch.path + "/whole/" + name), "\(name)") }
    }

    /// A second run on a store in use waits for the lock timeout, then exits 2 and says why.
    @Test func secondRunOnABusyStoreWaitsThenExits2() throws {
        let scratch = Scratch()
        let store = scratch.path + "/s.db"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/a", "-q"]).status <= 1)
        let holder = try StoreFile(path: store, create: false, lockTimeout: 5)
        try holder.beginWrite()
        let started = Date()
        let second = try runSlalog(["run", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/b", "--lock-timeout", "1"])
        #expect(second.status == 2)
        #expect(second.stderr.contains("is in use by another run"))
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/b/summary.csv"))
        // A report reads a snapshot meanwhile.
        #expect(try runSlalog(["report", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/c", "-q"]).status <= 1)
        holder.rollback()
    }

    /// Events of two rule sets are never mixed: another rule identity is refused (exit 2), or with
    /// --rebuild-store read anew; a store of another format is refused with a message.
    @Test func otherRulesAndOtherFormatsAreRefused() throws {
        let scratch = Scratch()
        let store = scratch.path + "/s.db"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/a", "-q"]).status <= 1)
        let changed = read(fixture("pipelines/demo.yaml")).replacingOccurrences(of: "note: ignore", with: "note: update")
        let pipeline = fixture("pipelines/changed-\(UUID().uuidString).yaml")
        #expect(FileManager.default.createFile(atPath: pipeline, contents: Data(changed.utf8)))
        defer { try? FileManager.default.removeItem(atPath: pipeline) }
        let refused = try runSlalog(["run", pipeline, "--store", store, "--out", scratch.path + "/b"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("other rules"), "\(refused.stderr)")
        let rebuilt = try runSlalog(["run", pipeline, "--store", store, "--rebuild-store", "--out", scratch.path + "/b", "-q"])
        #expect(rebuilt.status <= 1)
        #expect(try runSlalog(["run", pipeline, "--out", scratch.path + "/c", "-q"]).status <= 1)
        for name in Self.reports { #expect(read(scratch.path + "/b/" + name) == read(scratch.path + "/c/" + name)) }
        // Policies are not part of the identity: another as_of or grouping needs no re-reading.
        #expect(try runSlalog(["report", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/d"]).status == 2)
        scratch.shell("sqlite3 '\(store)' 'PRAGMA user_version = 99'")
        let newer = try runSlalog(["report", pipeline, "--store", store, "--out", scratch.path + "/e"])
        #expect(newer.status == 2)
        #expect(newer.stderr.contains("made by a newer slalog"), "\(newer.stderr)")
        let missing = try runSlalog(["report", pipeline, "--store", scratch.path + "/none.db", "--out", scratch.path + "/e"])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
    }

    /// A store the user may not write (as uid 65534): exit 2 with the reason, nothing written.
    @Test(.enabled(if: getuid() == 0, "needs root to switch to uid 65534"))
    func storeWithoutWritePermissionExits2() throws {
        let scratch = Scratch()
        let store = scratch.path + "/s.db"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/a", "-q"]).status <= 1)
        scratch.shell("chmod 755 . && chmod 644 s.db && mkdir out && chmod 777 out")
        let denied = try runSlalog(["run", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/out"], asNobody: true)
        #expect(denied.status == 2)
        #expect(denied.stderr.contains("store"), "\(denied.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out/summary.csv"))
    }
}

extension StoreTests {
    /// Retention, checked against a model of the rule written here (docs/semantics.md §11): ten
    /// nightly runs with `store.keep: 3d`; a ticket leaves when its last event is more than 3 days
    /// before the newest event; a later event of a dropped ticket is a `dropped_ticket` row.
    /// The time of a generated line (`2026-03-01T12:34:56Z …`), read here independently of slalog's parser.
    static func instant(_ line: String) -> Instant {
        let n = line.prefix(19).split { "-T:".contains($0) }.map { Int($0)! }
        let millisecond = line.dropFirst(19).first == "." ? Int(line.dropFirst(20).prefix(3))! : 0
        return Instant(year: n[0], month: n[1], day: n[2], hour: n[3], minute: n[4], second: n[5], millisecond: millisecond)
    }

    @Test func retentionDropsQuietTicketsAndSetsAsideTheirLateEvents() throws {
        let scratch = Scratch()
        let text = read(fixture("pipelines/demo.yaml")) + "\nstore:\n  keep: 3d\n"
        let pipeline = scratch.write("keep.yaml", Array(text.utf8))
        let definition = try PipelineDefinition.load(path: pipeline)
        var month = GeneratedMonth(days: 10, ticketsPerDay: 20, seed: 5)
        // A ticket quiet for five days: dropped after night 4, its reply on day 6 comes too late.
        month.days[1].insert("2026-03-01T00:00:05Z desk[311]: event=created ticket=T-LATE customer=acme via=customer", at: 0)
        month.days[6].append("2026-03-06T23:59:00Z desk[311]: event=reply ticket=T-LATE agent=alice")
        var files: [String] = []
        // The model: last event time per ticket (escalated lines are rejects, not events; health lines are noise).
        var last: [String: Int64] = [:]
        var dropped: [String: Int64] = [:]  // remembered with their last event time
        var lateEvents = 0
        var latest = Int64.min
        let keep: Int64 = 3 * 86_400_000
        for night in 1...10 {
            files.append(scratch.write("desk-\(night).log", Array(month.days[night].map { $0 + "\n" }.joined().utf8)))
            var today: [String: Int64] = [:]
            for line in month.days[night] where line.contains(" desk[") && !line.contains("to=escalated") {
                let time = Self.instant(line)
                let ticket = String(line.split(separator: " ").first { $0.hasPrefix("ticket=") }!.dropFirst(7))
                latest = max(latest, time.milliseconds)
                if dropped[ticket] != nil { lateEvents += 1; continue }
                today[ticket] = max(today[ticket] ?? .min, time.milliseconds)
            }
            for (ticket, time) in today { last[ticket] = max(last[ticket] ?? .min, time) }
            for (ticket, time) in last where time < latest - keep {
                dropped[ticket] = time
                last[ticket] = nil
            }
            dropped = dropped.filter { $0.value >= latest - 2 * keep }  // forgotten once keep older than the horizon

            var options = RunOptions()
            options.inputs = files
            options.outputDirectory = scratch.path + "/out"
            options.store = scratch.path + "/s.db"
            options.asOf = GeneratedMonth.endOfDay(night)
            // Odd nights write events into the store while reading (a tiny budget), so late events are found there too.
            options.memory = night % 2 == 1 ? 20_000 : 512 << 20
            _ = try Runner.run(definition, options: options)
            let tickets = Set(parseCSV(read(scratch.path + "/out/tickets.csv")).dropFirst().map { $0[0] })
            #expect(tickets == Set(last.keys), "night \(night)")
            let late = parseCSV(read(scratch.path + "/out/rejects.csv")).filter { $0[0] == "dropped_ticket" }
            #expect(late.count == lateEvents, "night \(night)")
        }
        #expect(lateEvents > 0 && dropped.count > 20, "the month exercises both rules")
        let info = try StoreFile(path: scratch.path + "/s.db", create: false, lockTimeout: 5).info(fileBytes: 0)
        let held = month.days.dropFirst().joined().count { line in
            guard line.contains(" desk["), !line.contains("to=escalated") else { return false }
            return last[String(line.split(separator: " ").first { $0.hasPrefix("ticket=") }!.dropFirst(7))] != nil
        }
        #expect(info.events == Int64(held), "the store holds only the kept tickets' events")
    }
}

extension StoreTests {
    /// A report window (docs/semantics.md §6) on a store: first-response and resolution counts per
    /// customer re-derived here from the unwindowed tickets.csv at the same as_of (each instance's
    /// stop: first_response_at, or resolved_at when resolved without a reply, or none while running),
    /// keeping instances that stopped at or after `from` or still run; tickets.csv lists the tickets
    /// with such an instance, rows whole; a period is read in the pipeline's group_zone.
    @Test func reportWindowCountsInstancesThatStopInItOrStillRun() throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 20, ticketsPerDay: 25, seed: 20)
        let files = (1...20).map { scratch.write("desk-\($0).log", Array(month.days[$0].map { $0 + "\n" }.joined().utf8)) }
        let store = scratch.path + "/s.db"
        let from = Instant(year: 2026, month: 3, day: 10), to = Instant(year: 2026, month: 3, day: 16)
        let end = Instant(milliseconds: to.milliseconds - 1)
        _ = try run(files, store: store, asOf: end, out: scratch.path + "/all")
        let definition = try PipelineDefinition.load(path: fixture("pipelines/demo.yaml"))
        var options = RunOptions()
        options.store = store
        options.storeOnly = true
        options.outputDirectory = scratch.path + "/window"
        options.window = ReportWindow(from: from, to: to)
        let windowed = try Runner.run(definition, options: options)
        #expect(windowed.asOf == end)

        let all = parseCSV(read(scratch.path + "/all/tickets.csv"))
        let column = Dictionary(uniqueKeysWithValues: all[0].enumerated().map { ($1, $0) })
        // A first response "resolved without reply" stopped at the ticket's first resolve line (read from the logs:
        // resolved_at is the latest resolve, and empty once the ticket was reopened).
        var firstResolve: [String: String] = [:]
        for line in month.days.joined() where line.contains("to=solved") || line.contains("to=closed") {
            let ticket = String(line.split(separator: " ").first { $0.hasPrefix("ticket=") }!.dropFirst(7))
            if firstResolve[ticket] == nil { firstResolve[ticket] = Self.instant(line).iso8601 }
        }
        func stop(_ row: [String], _ metric: String) -> String? {
            if metric == "resolution" { return row[column["resolved_at"]!].isEmpty ? nil : row[column["resolved_at"]!] }
            switch row[column["first_response_stop"]!] {
            case "completed": return row[column["first_response_at"]!]
            case "resolved_without_reply": return firstResolve[row[0]]
            default: return nil
            }
        }
        let fromText = from.iso8601
        var expected: [String: [String: Int]] = [:]
        var listed = Set<String>()
        for row in all.dropFirst() {
            var counted = false
            for metric in ["first_response", "resolution"] {
                let outcome = row[column[metric + "_outcome"]!]
                guard outcome != "unmeasured" || stop(row, metric) == nil || stop(row, metric)! >= fromText else { continue }
                if let stopped = stop(row, metric), stopped < fromText { continue }
                if outcome != "unmeasured" || metric == "resolution" { counted = true }
                let customer = row[column["customer"]!]
                if outcome == "met" || outcome == "breached" || outcome == "ongoing_breach" {
                    expected[customer, default: [:]][metric + "_measured", default: 0] += 1
                }
                if outcome == "breached" || outcome == "ongoing_breach" {
                    expected[customer, default: [:]][metric + "_breached", default: 0] += 1
                }
            }
            if counted { listed.insert(row[0]) }
        }
        let summary = parseCSV(read(scratch.path + "/window/summary.csv"))
        let names = summary[0]
        for row in summary.dropFirst() {
            for metric in ["first_response_measured", "first_response_breached", "resolution_measured", "resolution_breached"] {
                #expect(Int(row[names.firstIndex(of: metric)!]) == expected[row[0]]?[metric] ?? 0, "\(row[0]) \(metric)")
            }
        }
        let windowTickets = parseCSV(read(scratch.path + "/window/tickets.csv"))
        #expect(Set(windowTickets.dropFirst().map { $0[0] }) == listed)
        #expect(listed.count > 50 && listed.count < all.count - 50, "the window cuts the month")
        // Rows stay whole: each listed ticket's row is the unwindowed row.
        let rows = Dictionary(uniqueKeysWithValues: all.dropFirst().map { ($0[0], $0) })
        for row in windowTickets.dropFirst() { #expect(rows[row[0]] == row) }

        // --period reads the group zone (the demo's Europe/Berlin): March 2026 starts at 23:00 UTC on Feb 28.
        let march = try #require(ReportWindow(period: "2026-03", zone: definition.groupZone))
        #expect(march.from == Instant(year: 2026, month: 2, day: 28, hour: 23))
        #expect(march.to == Instant(year: 2026, month: 3, day: 31, hour: 22))  // after the switch to summer time
        #expect(ReportWindow(period: "2026-W10", zone: .utc)?.from == Instant(year: 2026, month: 3, day: 2))
        #expect(ReportWindow(period: "2026-Q4", zone: .utc)?.to == Instant(year: 2027, month: 1, day: 1))
        #expect(ReportWindow(period: "2026-02-29", zone: .utc) == nil)
        #expect(ReportWindow(period: "2026-13", zone: .utc) == nil)
    }
}

extension StoreTests {
    /// A real full filesystem under the store (a 1 MiB tmpfs): exit 2 with the reason, the store
    /// holds what it held before (SQLite rolls the run back), and the next run with room goes on.
    @Test(.enabled(if: UnattendedTests.canMountTmpfs, "needs root to mount a small tmpfs"))
    func aFullDiskUnderTheStoreLeavesItAsItWas() throws {
        let scratch = Scratch()
        let tmpfs = try UnattendedTests.SmallDisk(in: scratch, size: "1m")
        defer { tmpfs.unmount() }
        let disk = tmpfs.path
        let month = GeneratedMonth(days: 3, ticketsPerDay: 8000, seed: 3)
        let small = scratch.write("day1.log", Array(month.days[1].prefix(200).map { $0 + "\n" }.joined().utf8))
        let big = scratch.write("rest.log", Array((month.days[2] + month.days[3]).map { $0 + "\n" }.joined().utf8))
        let store = disk + "/s.db"
        let base = ["run", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/out", "-q"]
        // The run that creates a store (rollback journal, pages straight into the file) fills the disk:
        // the same message, and the store is as created, empty.
        let first = disk + "/first.db"
        let filled = try runSlalog(["run", "pipelines/demo.yaml", "--store", first, "--out", scratch.path + "/first", "-q", big])
        #expect(filled.status == 2, "\(filled.stderr)")
        #expect(filled.stderr.contains("disk is full") && filled.stderr.contains("the store is unchanged"), "\(filled.stderr)")
        #expect(try StoreFile(path: first, create: false, lockTimeout: 5).info(fileBytes: 0).events == 0)
        for suffix in ["", "-journal", "-wal"] { try? FileManager.default.removeItem(atPath: first + suffix) }
        #expect(try runSlalog(base + [small]).status <= 1)
        let before = try StoreFile(path: store, create: false, lockTimeout: 5).info(fileBytes: 0)
        let full = try runSlalog(base + [small, big])
        #expect(full.status == 2, "\(full.stderr)")
        #expect(full.stderr.contains("disk is full") && full.stderr.contains("the store is unchanged"), "\(full.stderr)")
        let after = try StoreFile(path: store, create: false, lockTimeout: 5).info(fileBytes: 0)
        #expect(after.events == before.events && after.sources.map(\.readLength) == before.sources.map(\.readLength))
        // With room again (the store moved to a bigger disk), the same night goes through.
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: store + suffix) {
            try FileManager.default.copyItem(atPath: store + suffix, toPath: scratch.path + "/moved.db" + suffix)
        }
        #expect(try runSlalog(base.map { $0 == store ? scratch.path + "/moved.db" : $0 } + [small, big]).status <= 1)
    }
}

extension StoreTests {
    /// `slalog store info`: events, tickets, oldest and newest event, the contents read with their
    /// bytes and lines, all counted here from the generated lines.
    @Test func storeInfoShowsWhatTheStoreHolds() throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 2, ticketsPerDay: 30, seed: 2)
        let text = month.days[1...2].joined().map { $0 + "\n" }.joined()
        let log = scratch.write("desk.log", Array(text.utf8))
        let store = scratch.path + "/s.db"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", log, "--store", store, "--out", scratch.path + "/out", "-q"]).status <= 1)
        let events = month.days[1...2].joined().filter { $0.contains(" desk[") && !$0.contains("to=escalated") }
        let tickets = Set(events.map { String($0.split(separator: " ").first { $0.hasPrefix("ticket=") }!.dropFirst(7)) })
        let times = events.map { Self.instant($0) }
        let info = try runSlalog(["store", "info", store])
        #expect(info.status == 0)
        #expect(info.stdout.contains("events    \(events.count) ticket events of \(tickets.count) tickets"), "\(info.stdout)")
        #expect(info.stdout.contains("oldest    \(times.min()!.iso8601)"))
        #expect(info.stdout.contains("newest    \(times.max()!.iso8601)"))
        #expect(info.stdout.contains("\(log)  plain  \(text.utf8.count) bytes, \(month.days[1].count + month.days[2].count) lines read"))
        let missing = try runSlalog(["store", "info", scratch.path + "/none.db"])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
    }
}

extension StoreTests {
    /// An input that cannot be read is a problem of the run (exit 1), not a content of the store:
    /// once readable it is read as new. When no input can be read, nothing is written (exit 2).
    @Test func unreadableInputsAreProblemsNotContents() throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 2, ticketsPerDay: 10, seed: 4)
        let one = scratch.write("one.log", Array(month.days[1].map { $0 + "\n" }.joined().utf8))
        let two = scratch.path + "/two.log"
        let store = scratch.path + "/s.db"
        let base = ["run", "pipelines/demo.yaml", "--store", store, "--out", scratch.path + "/out"]
        let first = try runSlalog(base + [one, two])
        #expect(first.status == 1)
        #expect(first.stderr.contains("two.log: no such file"), "\(first.stderr)")
        #expect(try StoreFile(path: store, create: false, lockTimeout: 5).sources().map(\.name) == [one])
        scratch.write("two.log", Array(month.days[2].map { $0 + "\n" }.joined().utf8))
        let second = try runSlalog(base + [one, two])
        #expect(second.stderr.contains("1 new, 0 resumed, 1 skipped"), "\(second.stderr)")
        let none = try runSlalog(base + [scratch.path + "/three.log"])
        #expect(none.status == 2 && none.stderr.contains("no input could be read"), "\(none.stderr)")
        #expect(try StoreFile(path: store, create: false, lockTimeout: 5).sources().count == 2)
    }
}

extension StoreTests {
    /// A damaged kept-results block (a flipped byte: its checksum fails) is no result at all: its
    /// tickets are measured from their events and the reports do not change.
    @Test func damagedKeptResultsAreMeasuredAgain() throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 4, ticketsPerDay: 80, seed: 11)
        let demo = fixture("pipelines/demo.yaml")
        let store = scratch.path + "/s.db"
        var files: [String] = []
        for day in 1...3 {
            files.append(scratch.write("day\(day).log", Array((month.days[day].joined(separator: "\n") + "\n").utf8)))
            _ = try run(files, pipeline: demo, store: store, asOf: nil, out: scratch.path + "/n")
        }
        let intact = try run([], pipeline: demo, store: store, asOf: nil, out: scratch.path + "/i", storeOnly: true)
        #expect((intact.store?.resultsReused ?? 0) > 0)
        do {
            let file = try StoreFile(path: store, create: false, lockTimeout: 5)
            try file.beginWrite()
            for id in try file.segmentIDs(.results) {
                var (count, data) = try file.segment(id: id)
                data[data.count / 2] ^= 0x20
                try file.replaceSegment(id: id, count: count, data: data)
            }
            try file.commit()
        }
        let damaged = try run([], pipeline: demo, store: store, asOf: nil, out: scratch.path + "/d", storeOnly: true)
        #expect(damaged.store?.resultsReused == 0)
        _ = try run(files, pipeline: demo, store: nil, asOf: nil, out: scratch.path + "/w")
        for name in Self.reports {
            let a = read(scratch.path + "/d/" + name), b = read(scratch.path + "/w/" + name)
            #expect(a == b, "\(name): \(firstDifference(a, b) ?? "")")
        }
    }
}

extension StoreTests {
    /// Measuring threads sum at most `workerGroups` groups themselves and hand the rest to the
    /// consuming thread: any split gives the reports of one thread summing everything.
    @Test(arguments: [1, 2, 3])
    func summariesSplitBetweenThreadsGiveTheSameReports(workerGroups: Int) throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 3, ticketsPerDay: 2500, seed: 5)
        let log = scratch.write("desk.log", Array((month.days[1...3].joined().joined(separator: "\n") + "\n").utf8))
        func reports(jobs: Int, workerGroups: Int, groupBy: [GroupDimension]) throws -> [String] {
            var options = RunOptions()
            options.inputs = [log]
            options.outputDirectory = scratch.path + "/out-\(jobs)-\(workerGroups)"
            options.jobs = jobs
            options.workerGroups = workerGroups
            options.groupBy = groupBy
            _ = try Runner.run(try PipelineDefinition.load(path: fixture("pipelines/demo.yaml")), options: options)
            return Self.reports.map { read(options.outputDirectory! + "/" + $0) }
        }
        for groupBy: [GroupDimension] in [[.customer], [.customer, .priority, .day]] {
            let reference = try reports(jobs: 1, workerGroups: 1 << 30, groupBy: groupBy)
            #expect(try reports(jobs: 2, workerGroups: workerGroups, groupBy: groupBy) == reference)
        }
    }
}

/// The store's write-ahead log is flushed behind the writer (every 1 KiB here, every 4 MiB in runs):
/// what a committed transaction wrote reads back whole after reopening, and what a transaction that
/// was flushed but rolled back wrote is gone.
@Suite struct StoreLogFlushTests {
    @Test func flushedLogKeepsCommittedSegmentsAndDropsRolledBackOnes() throws {
        let scratch = TemporaryFolder()
        let path = scratch.path + "/s.db"
        var random = SeededGenerator(state: 11)
        func segments(_ n: Int) -> [[UInt8]] {
            (0..<n).map { _ in (0..<Int.random(in: 1...20_000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } }
        }
        let committed = segments(120), rolledBack = segments(60)
        do {
            let store = try StoreFile(path: path, create: true, lockTimeout: 5, walFlushBytes: 1024)
            try store.beginWrite()
            for (i, data) in committed.enumerated() { try store.appendSegment(.results, first: i, count: 1, data: data, run: 1) }
            try store.commit()
            try store.beginWrite()
            for (i, data) in rolledBack.enumerated() { try store.appendSegment(.results, first: i, count: 1, data: data, run: 2) }
            #expect(store.logFlushes > 10)
            store.rollback()
        }
        let reopened = try StoreFile(path: path, create: false, lockTimeout: 5)
        var read: [[UInt8]] = []
        try reopened.forEachSegment(.results) { _, _, data in read.append(Array(data)) }
        #expect(read == committed)
    }
}

extension StoreTests {
    /// The string table is read back a block at a time; a table that does not replay the ids it was
    /// written with (a string repeated, an empty one, a length past its block) refuses the store with
    /// a message, and the store is not changed.
    @Test(arguments: ["repeated", "empty", "past the block"])
    func aDamagedStringTableRefusesTheStore(damage: String) throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 2, ticketsPerDay: 40, seed: 5)
        let store = scratch.path + "/s.db"
        let day = scratch.write("day1.log", Array((month.days[1].joined(separator: "\n") + "\n").utf8))
        _ = try run([day], store: store, asOf: nil, out: scratch.path + "/a")
        do {
            let file = try StoreFile(path: store, create: false, lockTimeout: 5)
            try file.beginWrite()
            let id = try file.segmentIDs(.strings)[0]
            var (count, data) = try file.segment(id: id)
            #expect(count > 3)
            // `count` UInt32 lengths (little-endian), then the bytes.
            var lengths = (0..<count).map { i in (0..<4).reduce(0) { $0 | Int(data[4 * i + $1]) << (8 * $1) } }
            var strings: [[UInt8]] = []
            var position = 4 * count
            for length in lengths {
                strings.append(Array(data[position..<(position + length)]))
                position += length
            }
            switch damage {
            case "repeated": strings[1] = strings[0]
            case "empty": strings[1] = []
            default: break
            }
            lengths = strings.map(\.count)
            if damage == "past the block" { lengths[count - 1] += 1 }
            data = lengths.flatMap { length in (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } } + strings.flatMap { $0 }
            try file.replaceSegment(id: id, count: count, data: data)
            try file.commit()
        }
        let before = FileManager.default.contents(atPath: store)
        var message = ""
        do { _ = try run([day], store: store, asOf: nil, out: scratch.path + "/b") } catch { message = "\(error)" }
        #expect(message.contains("its string table is damaged"), "\(damage): \(message)")
        #expect(FileManager.default.contents(atPath: store) == before)
    }
}

extension StoreTests {
    /// The kept results are indexed ahead, on a helper thread while the run reads, counts and saves,
    /// when their compressed blocks fit an eighth of `--memory`, else as measuring begins; then the
    /// census keeps the events measuring needs (tickets without a kept result, tickets the night's
    /// events touch) when a pass's worth holds them, else measuring reads the stored events again. Both
    /// ways use the same results and give the same reports, for a night, a report at an earlier as_of
    /// (results kept for later events are not used) and one at the latest. (A census that misses the
    /// touched tickets and a pass that takes its events without checking they are complete fail it.)
    @Test func keptResultsIndexedAheadOrWhenMeasuringAreTheSame() throws {
        let scratch = Scratch()
        let month = GeneratedMonth(days: 6, ticketsPerDay: 60, seed: 23)
        let store = scratch.path + "/s.db"
        var files: [String] = []
        for day in 1...5 {
            files.append(scratch.write("day\(day).log", Array((month.days[day].joined(separator: "\n") + "\n").utf8)))
            _ = try run(files, store: store, asOf: GeneratedMonth.endOfDay(day), out: scratch.path + "/n")
        }
        files.append(scratch.write("day6.log", Array((month.days[6].joined(separator: "\n") + "\n").utf8)))
        let cases: [(name: String, asOf: Instant, storeOnly: Bool)] = [
            ("night", GeneratedMonth.endOfDay(6), false), ("earlier", GeneratedMonth.endOfDay(3), true),
            ("latest", GeneratedMonth.endOfDay(5), true),
        ]
        for (name, asOf, storeOnly) in cases {
            var accounts: [[Int]] = []
            for memory in [512 << 20, 40_000] {
                // Each on a copy of the store as the five nights left it.
                let copy = scratch.path + "/\(name)-\(memory).db"
                for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: store + suffix) {
                    try FileManager.default.copyItem(atPath: store + suffix, toPath: copy + suffix)
                }
                let result = try run(
                    storeOnly ? [] : files, store: copy, asOf: asOf, out: scratch.path + "/\(name)-\(memory)", storeOnly: storeOnly,
                    memory: memory)
                let account = try #require(result.store)
                accounts.append([account.resultsReused, account.ticketsMeasured])
            }
            #expect(accounts[0] == accounts[1], "\(name): reused, measured \(accounts[0]) ahead, \(accounts[1]) when measuring")
            #expect(accounts[0][0] > 0, "\(name): no kept result used")
            for report in Self.reports {
                let a = read(scratch.path + "/\(name)-\(512 << 20)/" + report), b = read(scratch.path + "/\(name)-40000/" + report)
                #expect(a == b, "\(name): \(report): \(firstDifference(a, b) ?? "")")
            }
        }
    }
}
