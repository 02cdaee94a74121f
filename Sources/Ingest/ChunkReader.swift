import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A run of whole lines from one input, ready to be parsed on any thread.
public struct Chunk: Sendable {
    /// Index of the input in the run's input list.
    public var file: Int32
    /// Position of this chunk among the file's chunks (0, 1, 2, …).
    public var index: Int
    /// Offset of `bytes[0]` in the decoded stream.
    public var startOffset: Int64
    /// Whole lines; the last may lack its newline only at end of file.
    public var bytes: [UInt8]
    /// Lines too long to buffer, cut by the reader (see `LongLine`).
    public var cutLines: [CutLine]
    /// Decoded-stream offset up to which every compressed unit had been
    /// verified when this chunk was cut (plain text: everything read). The
    /// chunk's lines count once this reaches `endOffset`, here or in a later
    /// chunk of the same file; a chunk never mixes lines of a verified unit
    /// with lines that depend on an unverified one.
    public var verifiedThrough: Int64 = .max
    /// Bytes of the file (compressed, as on disk) consumed when this chunk was cut: progress.
    public var fileOffset: Int64 = 0
    /// How the bytes are cut into records (CSV chunks end at a record boundary, not just a line's).
    public var format = RecordFormat.Kind.lines
    /// CSV: the column names (the header row, or the pipeline's `columns`).
    public var columns: [[UInt8]] = []
    /// CSV: the field separator.
    public var delimiter = UInt8(ascii: ",")
    /// CSV: the chunk starts with the header row, which is no record.
    public var startsWithHeader = false

    /// Decoded-stream offset just past this chunk's last line.
    public var endOffset: Int64 { streamOffset(of: bytes.count) }

    /// A line the reader cut to `maxLineLength` bytes because it did not fit
    /// in a buffer. `droppedBytes` were skipped after position `end`.
    public struct CutLine: Sendable {
        public var end: Int
        public var droppedBytes: Int64
    }

    /// Decoded-stream offset of a position in `bytes`.
    public func streamOffset(of position: Int) -> Int64 {
        var offset = startOffset + Int64(position)
        for cut in cutLines where cut.end <= position { offset += cut.droppedBytes }
        return offset
    }
}

/// Cuts a decoded byte stream into `Chunk`s of whole lines, in bounded memory.
///
/// Each chunk is about `chunkSize` bytes. A line that does not fit is kept up
/// to `maxLineLength` bytes and the rest is skipped (and recorded), so memory
/// never depends on the size of the file or of its longest line.
public final class ChunkReader {
    private let stream: ByteStream
    private let file: Int32
    private let chunkSize: Int
    private let maxLineLength: Int
    private var carry: [UInt8] = []
    private var carryOffset: Int64 = 0
    private var nextIndex = 0
    private var finished = false
    private var pendingError: IngestError?
    /// The second half of a chunk split at a unit boundary, returned by the next call.
    private var ready: [Chunk] = []
    /// Chunks end at CSV record boundaries (a line break outside quotes) instead of at any line break.
    private let csvRecords: Bool

    /// `startOffset`: the decoded offset the stream starts at (an event store resuming a file).
    public init(
        stream: ByteStream, file: Int32, chunkSize: Int = 1 << 20, maxLineLength: Int = 1 << 20, csvRecords: Bool = false,
        startOffset: Int64 = 0
    ) {
        self.stream = stream
        carryOffset = startOffset
        self.file = file
        self.csvRecords = csvRecords
        self.chunkSize = max(chunkSize, 64)
        self.maxLineLength = max(maxLineLength, 16)
    }

    /// The next chunk, nil at the end. When the stream fails, the complete
    /// lines decoded before the failure come first; the error is thrown by
    /// the following call.
    public func next() throws(IngestError) -> Chunk? {
        if !ready.isEmpty { return ready.removeFirst() }
        if let error = pendingError { pendingError = nil; finished = true; throw error }
        if finished { return nil }
        var capacity = max(chunkSize, carry.count + chunkSize / 2)
        while true {
            var atEnd = false
            var failure: IngestError?
            var bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                carry.withUnsafeBytes {
                    raw.baseAddress!.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(raw.baseAddress!), byteCount: $0.count)
                }
                count = carry.count
                while count < capacity {
                    do throws(IngestError) {
                        let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[count...]))
                        if n == 0 { atEnd = true; break }
                        count += n
                    } catch {
                        failure = error
                        break
                    }
                }
            }
            let start = carryOffset
            carry = []
            if let failure {
                // Keep the complete lines; the partial line at the damage is reported with the error.
                let keep = lastBoundary(in: bytes) ?? 0
                carryOffset = start + Int64(keep)
                bytes.removeLast(bytes.count - keep)
                pendingError = failure
                if bytes.isEmpty { return try next() }
                return split(bytes, start: start)
            }
            if atEnd {
                finished = true
                return bytes.isEmpty ? nil : split(bytes, start: start)
            }
            if let boundary = lastBoundary(in: bytes) {
                carry = Array(bytes[boundary...])
                carryOffset = start + Int64(boundary)
                bytes.removeLast(bytes.count - boundary)
                return split(bytes, start: start)
            }
            if bytes.count >= maxLineLength {
                return cutLongLine(bytes, start: start)
            }
            // One partial line longer than the buffer but under the limit: grow.
            carry = bytes
            carryOffset = start
            capacity = min(capacity * 2, maxLineLength + chunkSize)
        }
    }

    /// Keeps the first `maxLineLength` bytes of a line and skips to its newline.
    private func cutLongLine(_ bytes: [UInt8], start: Int64) -> Chunk {
        var kept = Array(bytes.prefix(maxLineLength))
        var dropped = Int64(bytes.count - maxLineLength)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { scratch.deallocate() }
        skipping: while true {
            let n: Int
            do throws(IngestError) {
                n = try stream.read(into: scratch)
            } catch {
                pendingError = error
                break skipping
            }
            if n == 0 { finished = true; break }
            if let newline = UnsafeRawBufferPointer(rebasing: scratch.prefix(n)).firstIndex(of: 0x0a) {
                dropped += Int64(newline)
                carry = Array(scratch[(newline + 1)..<n])
                carryOffset = start + Int64(maxLineLength) + dropped + 1
                break skipping
            }
            dropped += Int64(n)
        }
        kept.append(0x0a)
        var chunk = emit(kept, start: start)
        chunk.cutLines = [Chunk.CutLine(end: maxLineLength, droppedBytes: dropped)]
        return chunk
    }

    /// One chunk, or two when a unit that is not yet verified starts inside
    /// `bytes`: the lines that end in verified units come first, the rest in
    /// the next call's chunk, so each chunk's lines count or fail together.
    private func split(_ bytes: [UInt8], start: Int64) -> Chunk {
        let verified = stream.verifiedOffset
        let end = start + Int64(bytes.count)
        guard verified > start, verified < end,
            let boundary = bytes.withUnsafeBytes({ lastBoundary(in: UnsafeRawBufferPointer(rebasing: $0.prefix(Int(verified - start)))) })
        else { return emit(bytes, start: start) }
        let first = emit(Array(bytes[..<boundary]), start: start)
        ready.append(emit(Array(bytes[boundary...]), start: start + Int64(boundary)))
        return first
    }

    /// Just past the last record end in `bytes` (a line break; for CSV, one outside quotes), nil if none.
    private func lastBoundary(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { lastBoundary(in: $0) }
    }

    private func lastBoundary(in bytes: UnsafeRawBufferPointer) -> Int? {
        csvRecords ? CSVScanner.lastRecordEnd(in: bytes) : ByteSearch.lastIndex(of: 0x0a, in: bytes).map { $0 + 1 }
    }

    private func emit(_ bytes: [UInt8], start: Int64) -> Chunk {
        defer { nextIndex += 1 }
        var chunk = Chunk(file: file, index: nextIndex, startOffset: start, bytes: bytes, cutLines: [])
        chunk.verifiedThrough = stream.verifiedOffset
        chunk.fileOffset = stream.fileOffset
        return chunk
    }

}

/// Splits a chunk into lines: `\n` or `\r\n`, last line with or without newline.
public enum LineSplitter {
    /// Calls `body(line, lineIndex, position)` for each line of `bytes`, where
    /// `lineIndex` counts from 0 in this buffer and `position` is the offset of
    /// the line's first byte. The line excludes its `\n` / `\r\n`.
    /// Returns the number of lines.
    @inlinable
    @discardableResult
    public static func forEachLine(
        in bytes: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer, Int, Int) -> Void
    ) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var position = 0
        var index = 0
        let end = bytes.count
        while position < end {
            let rest = end - position
            let newline = memchr(base + position, 0x0a, rest)
            var lineEnd = newline.map { UnsafeRawPointer($0) - base } ?? end
            let next = lineEnd + 1
            if lineEnd > position && bytes[lineEnd - 1] == 0x0d { lineEnd -= 1 }
            body(UnsafeRawBufferPointer(start: base + position, count: lineEnd - position), index, position)
            index += 1
            position = next
        }
        return index
    }
}
