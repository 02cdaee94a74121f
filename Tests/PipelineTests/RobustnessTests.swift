import Foundation
import Testing

@testable import Pipeline

/// Bad input never costs the rest of the report (issue: corrupt archives,
/// hostile lines, interrupted runs).
@Suite struct RobustnessTests {
    func run(_ inputs: [String]) throws -> (RunResult, String) {
        let run = try runDemo(inputs: inputs)
        return (run.result, run.tickets)
    }

    @Test(arguments: ["gzip -9 -n -c", "lz4 -q -c", "zstd -q -c"])
    func truncationAtEveryOffsetKeepsTheGoodPrefixAndReportsIt(tool: String) throws {
        let scratch = Scratch()
        scratch.shell("cp \(fixture("fixtures/helpdesk/desk-2026-03-02.log")) d.log && \(tool) d.log > d.z")
        let full = try Data(contentsOf: URL(fileURLWithPath: "\(scratch.path)/d.z"))
        let reference = try run([fixture("fixtures/helpdesk/desk-2026-03-02.log")]).0.statistics.inputs[0]
        var previousLines: Int64 = 0
        var reported = 0
        for cut in stride(from: 1, to: full.count, by: max(1, full.count / 120)) {
            let path = "\(scratch.path)/cut.z"
            try full.prefix(cut).write(to: URL(fileURLWithPath: path))
            let (result, _) = try run([path])
            let input = result.statistics.inputs[0]
            #expect(input.lines <= reference.lines)
            #expect(input.lines >= previousLines, "cut at \(cut): fewer lines than a shorter cut")
            previousLines = input.lines
            if input.failure != nil {
                reported += 1
                #expect(result.isPartial)
                #expect(result.problems.contains { $0.category == .corruptInput && $0.file == path && $0.offset != nil })
            } else {
                #expect(input.lines == reference.lines, "cut at \(cut) of \(full.count) lost lines silently")
            }
        }
        #expect(reported > 0)
    }

    @Test(arguments: ["gzip -c", "lz4 -q -c"])
    func flippedBytesNeverCrashAndAreReportedOrHarmless(tool: String) throws {
        let scratch = Scratch()
        scratch.shell("cp \(fixture("fixtures/helpdesk/desk-2026-03-02.log")) d.log && \(tool) d.log > d.z")
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: "\(scratch.path)/d.z")))
        var failures = 0
        for position in stride(from: 0, to: original.count, by: 7) {
            var damaged = original
            damaged[position] ^= 0xA5
            let path = "\(scratch.path)/flip.z"
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            let (result, _) = try run([path, fixture("fixtures/chat/chat-2026-03-02.log")])
            // The other input is always read in full.
            #expect(result.statistics.inputs[1].lines == 17 && result.statistics.inputs[1].failure == nil)
            if result.statistics.inputs[0].failure != nil { failures += 1 }
        }
        #expect(failures > 0)
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
