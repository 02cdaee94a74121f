import Definition
import Ingest
import Normalize
import Report
import SLACore

/// What one worker made of one chunk. Line numbers are chunk-relative until
/// the merger knows how many lines came before the chunk in its file.
struct ChunkOutput: Sendable {
    var file: Int32
    var index: Int
    /// Decoded offsets: just past the chunk's last line, and how far the file's units were verified (see `Chunk`).
    var endOffset: Int64 = 0
    var verifiedThrough: Int64 = .max
    /// Compressed bytes of the file consumed when the chunk was cut (for progress).
    var fileOffset: Int64 = 0
    var lines: Int64 = 0
    var bytes: Int64 = 0
    var unmatched: Int64 = 0
    var ignored: Int64 = 0
    var longLines: Int64 = 0
    var firstLongLine: Int64?
    var events: [Event] = []
    var rejects: [PendingReject] = []
    /// Lines each rule matched (events, ignored lines and rejects), for the never-matched warning.
    var ruleMatches: [Int64] = []
    /// Threads: (message, the message it answers), in this chunk's symbols.
    var links: [(message: Symbol, parent: Symbol)] = []
    /// Date lines (chunk-relative line, local day): the date of the time-only stamps after them.
    var dates: [(line: Int64, day: Int64)] = []
    /// Bytes behind the symbols of `events`.
    var strings = ByteInterner(capacity: 1)

    struct PendingReject: Sendable {
        var line: Int64
        var offset: Int64
        var rule: Int
        var ticket: String
        var reason: String
        /// rejects.csv's category: `reject`, or `dropped_ticket` (an event for a ticket the store's retention dropped).
        var category = "reject"
    }
}

/// Parses chunks into events on one worker thread (owns its normalizer).
final class ChunkParser {
    private let normalizer: LineNormalizer
    private let maxLineLength: Int
    private let lineFilter: Literal?
    private var calibrated = false
    /// True when a rule captures `reply_to` (threads): only then are links collected.
    private let threads: Bool
    /// Events of the last chunk of lines: the next one's list starts with room for an eighth more
    /// (grown by doubling from empty, each chunk's list was copied a dozen times).
    private var lastEventCount = 0

    init(definition: PipelineDefinition, lineFilter: String? = nil) {
        normalizer = LineNormalizer(rules: definition.rules, matchLimit: definition.matchLimit, depthLimit: definition.depthLimit)
        maxLineLength = definition.maxLineLength
        threads = definition.rules.contains { $0.replyToGroup != nil }
        self.lineFilter = lineFilter.map(Literal.init)
    }

    func parse(_ chunk: Chunk) -> ChunkOutput {
        if chunk.format != .lines { return parseRecords(chunk) }
        var output = ChunkOutput(
            file: chunk.file, index: chunk.index, endOffset: chunk.endOffset, verifiedThrough: chunk.verifiedThrough,
            fileOffset: chunk.fileOffset)
        output.bytes = Int64(chunk.bytes.count) + chunk.cutLines.reduce(0) { $0 + $1.droppedBytes }
        output.events.reserveCapacity(lastEventCount + lastEventCount / 8)
        let limit = maxLineLength
        if !calibrated {
            chunk.bytes.withUnsafeBytes { normalizer.calibrate(on: $0) }
            calibrated = true
        }
        // Per-rule match counts in a plain buffer: the closure below runs once per line.
        let matches = UnsafeMutableBufferPointer<Int64>.allocate(capacity: max(normalizer.rules.count, 1))
        matches.initialize(repeating: 0)
        defer { matches.deallocate() }
        let threads = self.threads
        chunk.bytes.withUnsafeBytes { raw in
            output.lines = Int64(
                LineSplitter.forEachLine(in: raw) { line, index, position in
                    var line = line
                    let number = Int64(index + 1)
                    // A chunk with a cut line holds only that line (see ChunkReader).
                    if line.count > limit || (!chunk.cutLines.isEmpty && index == 0) {
                        output.longLines += 1
                        if output.firstLongLine == nil { output.firstLongLine = number }
                        line = UnsafeRawBufferPointer(rebasing: line.prefix(limit))
                    }
                    if let lineFilter, !lineFilter.occurs(in: line) {
                        output.unmatched += 1
                        return
                    }
                    let outcome = normalizer.normalize(line, source: SourceLocation(file: chunk.file, line: number))
                    output.tally(
                        outcome, line: number, offset: chunk.streamOffset(of: position), matches: matches,
                        replyTo: threads ? normalizer.lastReplyTo : .none)
                })
        }
        output.ruleMatches = Array(matches.prefix(normalizer.rules.count))
        output.strings = normalizer.takeInterner()
        lastEventCount = output.events.count
        return output
    }

    /// CSV and JSON-lines chunks: one record at a time through the structured rules.
    private func parseRecords(_ chunk: Chunk) -> ChunkOutput {
        var output = ChunkOutput(
            file: chunk.file, index: chunk.index, endOffset: chunk.endOffset, verifiedThrough: chunk.verifiedThrough,
            fileOffset: chunk.fileOffset)
        output.bytes = Int64(chunk.bytes.count) + chunk.cutLines.reduce(0) { $0 + $1.droppedBytes }
        let rules = normalizer.rules
        let matches = UnsafeMutableBufferPointer<Int64>.allocate(capacity: max(rules.count, 1))
        matches.initialize(repeating: 0)
        defer { matches.deallocate() }
        let threads = self.threads
        chunk.bytes.withUnsafeBytes { raw in
            output.lines = Int64(LineSplitter.forEachLine(in: raw) { _, _, _ in })
            func record(_ outcome: LineOutcome, line: Int64, position: Int, problem: String?) {
                var outcome = outcome
                if let problem {
                    switch outcome {
                    case .noMatch: break
                    case let .event(event), let .events(event, _):
                        let ticket = normalizer.interner.string(event.ticket)
                        outcome = .reject(rule: Int(event.rule), ticket: ticket, reason: problem)
                    case let .ignored(rule), let .date(rule, _): outcome = .reject(rule: rule, ticket: "", reason: problem)
                    case let .reject(rule, ticket, _): outcome = .reject(rule: rule, ticket: ticket, reason: problem)
                    }
                }
                output.tally(
                    outcome, line: line, offset: chunk.streamOffset(of: position), matches: matches,
                    replyTo: threads ? normalizer.lastReplyTo : .none)
            }
            if chunk.format == .jsonl {
                var flattener = JSONFlattener()
                LineSplitter.forEachLine(in: raw) { line, index, position in
                    var line = line
                    if chunk.index == 0 && index == 0 {
                        line = UnsafeRawBufferPointer(rebasing: line[CSVScanner.byteOrderMarkLength(line)...])
                    }
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                        output.unmatched += 1
                        return
                    }
                    let number = Int64(index + 1)
                    let source = SourceLocation(file: chunk.file, line: number)
                    if let failure = flattener.flatten(line) {
                        let rule = normalizer.firstStructuredRule ?? 0
                        record(
                            .reject(rule: rule, ticket: "", reason: Self.notARecord(failure)), line: number,
                            position: position, problem: nil)
                        return
                    }
                    flattener.values.withUnsafeBytes { values in
                        let outcome = normalizer.normalize(record: values, source: source) { rule, key in
                            flattener.value(of: rules[rule].fieldKeys[key])
                        }
                        record(outcome, line: number, position: position, problem: nil)
                    }
                }
                return
            }
            // CSV: records may span lines; a record's line number is that of its first line.
            let columnOf: [[Int]] = rules.map { rule in rule.fieldKeys.map { key in chunk.columns.firstIndex(of: key) ?? -1 } }
            var values: [UInt8] = []
            var fields: [Range<Int>] = []
            var position = chunk.index == 0 ? CSVScanner.byteOrderMarkLength(raw) : 0
            var line: Int64 = 1
            let delimiter = chunk.delimiter
            if chunk.startsWithHeader {
                let scan = CSVScanner.record(in: raw, from: position, delimiter: delimiter, values: &values, fields: &fields)
                position = scan.end
                line += Int64(scan.lineBreaks)
            }
            while position < raw.count {
                // Fields are ranges of the chunk itself unless one needs unescaping; then of a copy.
                var copied = false
                let scan: CSVScanner.Scan
                if let inPlace = CSVScanner.recordInPlace(in: raw, from: position, delimiter: delimiter, fields: &fields) {
                    scan = inPlace
                } else {
                    scan = CSVScanner.record(in: raw, from: position, delimiter: delimiter, values: &values, fields: &fields)
                    copied = true
                }
                defer {
                    position = scan.end
                    line += Int64(scan.lineBreaks)
                }
                if fields.count == 1 && fields[0].isEmpty {
                    output.unmatched += 1  // an empty line
                    continue
                }
                var problem: String?
                if scan.unterminated {
                    problem = "unterminated quoted field: the record runs to the end of the file"
                } else if !chunk.columns.isEmpty && fields.count != chunk.columns.count {
                    problem = Self.raggedRow(fields: fields.count, columns: chunk.columns.count)
                }
                let source = SourceLocation(file: chunk.file, line: line)
                var outcome = fields.withUnsafeBufferPointer { row in
                    copied
                        ? values.withUnsafeBytes { normalizer.normalize(record: $0, source: source, fields: row, columns: columnOf) }
                        : normalizer.normalize(record: raw, source: source, fields: row, columns: columnOf)
                }
                if scan.unterminated, case .noMatch = outcome {
                    outcome = .reject(rule: normalizer.firstStructuredRule ?? 0, ticket: "", reason: "")
                }
                guard problem == nil else {
                    record(outcome, line: line, position: position, problem: problem)
                    continue
                }
                output.tally(
                    outcome, line: line, offset: chunk.streamOffset(of: position), matches: matches,
                    replyTo: threads ? normalizer.lastReplyTo : .none)
            }
        }
        output.ruleMatches = Array(matches.prefix(rules.count))
        output.strings = normalizer.takeInterner()
        return output
    }

    /// Why a CSV row or JSON line is rejected (also the wording of the rule tests).
    static func raggedRow(fields: Int, columns: Int) -> String { "ragged row: \(fields) fields where the header has \(columns)" }
    static func notARecord(_ failure: String) -> String { "not a JSON-lines record: \(failure)" }
}

extension ChunkOutput {
    /// Counts what one line or record became (`line`: chunk-relative; `replyTo`: its thread link, if any).
    @inline(__always)
    mutating func tally(
        _ outcome: LineOutcome, line: Int64, offset: @autoclosure () -> Int64, matches: UnsafeMutableBufferPointer<Int64>, replyTo: Symbol
    ) {
        switch outcome {
        case .noMatch: unmatched += 1
        case let .ignored(rule):
            ignored += 1
            matches[rule] += 1
        case let .date(rule, day):
            ignored += 1
            matches[rule] += 1
            dates.append((line, day))
        case let .event(event):
            events.append(event)
            matches[Int(event.rule)] += 1
            if !replyTo.isNone { links.append((event.ticket, replyTo)) }
        case .events(var event, let more):
            if !replyTo.isNone { links.append((event.ticket, replyTo)) }
            events.append(event)
            for kind in more {
                event.kind = kind
                events.append(event)
            }
            matches[Int(event.rule)] += 1
        case let .reject(rule, ticket, reason):
            matches[rule] += 1
            rejects.append(.init(line: line, offset: offset(), rule: rule, ticket: ticket, reason: reason))
        }
    }
}
