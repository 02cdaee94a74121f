import Foundation
import Testing

@testable import Definition
@testable import Pipeline
@testable import Report

/// Bad input never costs the rest of the report (issue: corrupt archives,
/// hostile lines, interrupted runs).
@Suite struct RobustnessTests {
    func run(_ inputs: [String]) throws -> (RunResult, String) {
        let run = try runDemo(inputs: inputs)
        return (run.result, run.tickets)
    }

    /// tickets.csv of a run over one file, with the file's path replaced by `X`.
    func tickets(of path: String) throws -> (String, RunResult) {
        let run = try runDemo(inputs: [path])
        return (run.tickets.replacingOccurrences(of: path.replacingOccurrences(of: repositoryRoot + "/", with: ""), with: "X"), run.result)
    }

    /// Two compressed units in one file: the chat log, then a help-desk log.
    func twoUnits(_ tool: String, in scratch: Scratch) throws -> (bytes: [UInt8], firstUnit: Int) {
        scratch.shell(
            "cp \(fixture("fixtures/chat/chat-2026-03-02.log")) a.log && cp \(fixture("fixtures/helpdesk/desk-2026-03-02.log")) b.log"
                + " && cat a.log b.log > full.log && \(tool) a.log > a.z && \(tool) b.log > b.z && cat a.z b.z > ab.z")
        let first = try Data(contentsOf: URL(fileURLWithPath: "\(scratch.path)/a.z")).count
        return (Array(try Data(contentsOf: URL(fileURLWithPath: "\(scratch.path)/ab.z"))), first)
    }

    @Test(arguments: ["gzip -9 -n -c", "lz4 -q -c", "zstd -q -c"])
    func truncationAtEveryOffsetKeepsOnlyWholeVerifiedUnits(tool: String) throws {
        let scratch = Scratch()
        let (bytes, firstUnit) = try twoUnits(tool, in: scratch)
        let onlyFirst = try tickets(of: "\(scratch.path)/a.log").0
        let header = onlyFirst.split(separator: "\r\n")[0] + "\r\n"
        for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 150)) {
            let path = scratch.write("cut.z", Array(bytes.prefix(cut)))
            let (got, result) = try tickets(of: path)
            // Hand-worked: a cut inside the first unit keeps nothing, a cut inside the second keeps exactly the first.
            #expect(got == (cut < firstUnit ? String(header) : onlyFirst), "cut at \(cut) of \(bytes.count)")
            #expect(result.isPartial)
            #expect(result.problems.contains { $0.category == .corruptInput && $0.offset == Int64(cut < firstUnit ? 0 : firstUnit) })
        }
    }

    @Test(arguments: ["gzip -c", "lz4 -q -c", "zstd -q -c"])
    func noEventOfADamagedUnitReachesTheReports(tool: String) throws {
        // Every byte of a two-unit file flipped in turn: the reports are those of the whole file
        // (a harmless flip, e.g. in a header's timestamp), of the first unit alone, or of nothing;
        // never anything else. Counted: how many flips cost the second unit.
        let scratch = Scratch()
        let (original, firstUnit) = try twoUnits(tool, in: scratch)
        let whole = try tickets(of: "\(scratch.path)/full.log").0
        let onlyFirst = try tickets(of: "\(scratch.path)/a.log").0
        let nothing = String(onlyFirst.split(separator: "\r\n")[0] + "\r\n")
        var droppedSecond = 0
        for position in stride(from: 0, to: original.count, by: 2) {
            var damaged = original
            damaged[position] ^= 0xA5
            let path = scratch.write("flip.z", damaged)
            let (got, result) = try tickets(of: path)
            #expect([whole, onlyFirst, nothing].contains(got), "flip at \(position): made-up figures")
            if got == onlyFirst && position >= firstUnit {
                droppedSecond += 1
                let problem = result.problems.first { $0.category == .corruptInput }
                #expect(problem?.offset == Int64(firstUnit), "flip at \(position): the damaged unit starts at \(firstUnit)")
                #expect(problem?.reason.contains("discarded") == true)
            }
        }
        #expect(droppedSecond > (original.count - firstUnit) / 4)
    }

    @Test func keepUnverifiedKeepsTheDamagedTextAndMarksEveryReport() throws {
        let scratch = Scratch()
        var (bytes, _) = try twoUnits("gzip -c", in: scratch)
        bytes[bytes.count - 6] ^= 0xFF  // the second member's length/CRC trailer: its text decodes fine but cannot be verified
        let path = scratch.write("bad.gz", bytes)
        let definition = try PipelineDefinition.load(path: fixture("pipelines/demo.yaml"))
        var options = RunOptions()
        options.inputs = [path]
        options.outputDirectory = scratch.path + "/out"
        options.keepUnverified = true
        let result = try Runner.run(definition, options: options)
        #expect(result.unverifiedTextKept && result.isPartial)
        let secondUnitLines = try runDemo(inputs: [scratch.path + "/b.log"]).result.statistics.lines
        #expect(result.statistics.unverifiedLinesKept == secondUnitLines)
        #expect(result.problems.contains { $0.reason.contains("KEPT (--keep-unverified)") })
        for name in ["summary.csv", "tickets.csv"] {
            let rows = parseCSV(read("\(scratch.path)/out/\(name)"))
            #expect(rows[0].last == "unverified_text_kept")
            #expect(rows.dropFirst().allSatisfy { $0.last == "yes" })
        }
        #expect(read("\(scratch.path)/out/run.json").contains("\"unverified_text_kept\" : true"))
    }

    @Test func aTenMegabyteLineIsCutReportedOnceAndTheRestCounts() throws {
        let scratch = Scratch()
        let path = "\(scratch.path)/long.log"
        var bytes = Array("2026-03-02T09:00:00Z desk[1]: event=created ticket=L1 customer=acme via=customer\n".utf8)
        bytes += Array(repeating: UInt8(ascii: "x"), count: 10_000_000) + [0x0a]
        bytes += Array("2026-03-02T09:10:00Z desk[1]: event=reply ticket=L1 agent=a\n".utf8)
        bytes += Array(repeating: UInt8(ascii: "y"), count: 2_000_000) + [0x0a]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (result, tickets) = try run([path])
        let input = result.statistics.inputs[0]
        #expect(input.lines == 4 && input.events == 2 && input.longLines == 2)
        let longProblems = result.problems.filter { $0.category == .longLine }
        #expect(longProblems.count == 1 && longProblems[0].line == 2)
        #expect(tickets.contains("L1,acme"))
        #expect(!result.isPartial)
    }

    @Test func emptyBinaryAndMissingInputsAreHandled() throws {
        let scratch = Scratch()
        scratch.shell("touch empty.log && head -c 100000 /dev/urandom > noise.bin")
        let (result, _) = try run([
            "\(scratch.path)/empty.log", "\(scratch.path)/noise.bin", "\(scratch.path)/missing.log",
            "\(scratch.path)/*.nothing", fixture("fixtures/chat/chat-2026-03-02.log"),
        ])
        #expect(result.statistics.inputs.count == 3)
        #expect(result.statistics.inputs[0].lines == 0)
        #expect(result.statistics.inputs[2].lines == 17)
        #expect(result.problems.filter { $0.category == .unreadableInput }.count == 2)
        #expect(result.isPartial)
        #expect(result.statistics.tickets == 4)
    }

    @Test func hostileFieldValuesStayOneCellAndAreNeutralized() throws {
        let scratch = Scratch()
        let path = "\(scratch.path)/hostile.log"
        let customers = ["=HYPERLINK(\"http://x\")", "+SUM(1)", "-1", "@cmd", "a,b", "say\"hi\"", "tab\there"]
        var text = ""
        for (i, customer) in customers.enumerated() {
            text +=
                "2026-03-02T09:0\(i):00Z desk[1]: event=created ticket=H\(i) customer=\(customer.replacingOccurrences(of: " ", with: "_")) via=customer\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (_, tickets) = try run([path])
        let rows = parseCSV(tickets)
        #expect(rows.allSatisfy { $0.count == rows[0].count })
        let byTicket = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0[1]) })
        #expect(byTicket["H0"] == "'=HYPERLINK(\"http://x\")")
        #expect(byTicket["H1"] == "'+SUM(1)")
        #expect(byTicket["H2"] == "'-1")
        #expect(byTicket["H3"] == "'@cmd")
        #expect(byTicket["H4"] == "a,b")
        #expect(byTicket["H5"] == "say\"hi\"")
    }
}

/// A small RFC 4180 reader for the tests (independent of the writer).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, i = text.startIndex
    while i < text.endIndex {
        let c = text[i]
        if quoted {
            if c == "\"" {
                let next = text.index(after: i)
                if next < text.endIndex && text[next] == "\"" { field.append("\""); i = next } else { quoted = false }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\r\n" || c == "\n" {
            row.append(field); rows.append(row); row = []; field = ""
        } else {
            field.append(c)
        }
        i = text.index(after: i)
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}
