import Ingest
import Normalize
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
    /// Bytes behind the symbols of `events`.
    var strings = ByteInterner(capacity: 1)

    struct PendingReject: Sendable {
        var line: Int64
        var offset: Int64
        var rule: Int
        var ticket: String
        var reason: String
    }
}

/// Parses chunks into events on one worker thread (owns its normalizer).
final class ChunkParser {
    private let normalizer: LineNormalizer
    private let maxLineLength: Int
    private let lineFilter: Literal?
    private var calibrated = false

    init(definition: PipelineDefinition, lineFilter: String? = nil) {
        normalizer = LineNormalizer(rules: definition.rules, matchLimit: definition.matchLimit, depthLimit: definition.depthLimit)
        maxLineLength = definition.maxLineLength
        self.lineFilter = lineFilter.map(Literal.init)
    }

    func parse(_ chunk: Chunk) -> ChunkOutput {
        var output = ChunkOutput(
            file: chunk.file, index: chunk.index, endOffset: chunk.endOffset, verifiedThrough: chunk.verifiedThrough,
            fileOffset: chunk.fileOffset)
        output.ruleMatches = [Int64](repeating: 0, count: normalizer.rules.count)
        output.bytes = Int64(chunk.bytes.count) + chunk.cutLines.reduce(0) { $0 + $1.droppedBytes }
        let limit = maxLineLength
        if !calibrated {
            chunk.bytes.withUnsafeBytes { normalizer.calibrate(on: $0) }
            calibrated = true
        }
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
                    switch normalizer.normalize(line, source: SourceLocation(file: chunk.file, line: number)) {
                    case .noMatch: output.unmatched += 1
                    case let .ignored(rule):
                        output.ignored += 1
                        output.ruleMatches[rule] += 1
                    case let .event(event):
                        output.events.append(event)
                        output.ruleMatches[Int(event.rule)] += 1
                    case .events(var event, let more):
                        output.events.append(event)
                        for kind in more {
                            event.kind = kind
                            output.events.append(event)
                        }
                        output.ruleMatches[Int(event.rule)] += 1
                    case let .reject(rule, ticket, reason):
                        output.ruleMatches[rule] += 1
                        output.rejects.append(
                            .init(
                                line: number, offset: chunk.streamOffset(of: position), rule: rule,
                                ticket: ticket, reason: reason))
                    }
                })
        }
        output.strings = normalizer.takeInterner()
        return output
    }
}
