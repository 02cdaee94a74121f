/// A compressed unit (gzip member, LZ4 frame, zstd frame) as far as it was
/// read: where it starts in the file and in the decoded text, and how far
/// decoding got before it failed or the file ended.
public struct UnitRange: Sendable, Equatable {
    /// File offsets: the unit's first byte, and the byte at which the damage
    /// was detected (a checksum is checked at the unit's end, so the damage
    /// lies somewhere in `compressedStart..<compressedEnd`).
    public var compressedStart: Int64
    public var compressedEnd: Int64
    /// Decoded-stream offsets: the unit's first decoded byte and the decoded bytes so far.
    public var decodedStart: Int64
    public var decodedEnd: Int64

    public init(compressedStart: Int64, compressedEnd: Int64, decodedStart: Int64, decodedEnd: Int64) {
        self.compressedStart = compressedStart; self.compressedEnd = compressedEnd
        self.decodedStart = decodedStart; self.decodedEnd = decodedEnd
    }
}

/// Why reading an input stopped. Each case keeps its meaning until a message
/// is written: a file that cannot be opened is not a corrupt one.
public enum IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open(2)` failed (missing, permission denied, a directory, …).
    case cannotOpen(path: String, reason: String)
    /// `read(2)` failed part-way.
    case readFailed(reason: String, compressedOffset: Int64)
    /// A compressed unit is damaged (bad data or a checksum mismatch). None of
    /// its text counts (see `ChunkReader`); earlier, verified units do.
    case corrupt(format: InputFormat, reason: String, unit: UnitRange)
    /// The file ends inside a compressed unit. Like a damaged unit, its text
    /// was never verified and does not count (a flipped byte can look like a
    /// truncation); earlier, verified units count.
    case truncated(format: InputFormat, unit: UnitRange)
    /// The file got shorter while it was read (log rotation with `copytruncate`,
    /// or a writer that truncated it): the text after `readTo` was never seen.
    case shrank(sizeAtOpen: Int64, sizeNow: Int64, readTo: Int64)

    /// Where in the file (bytes read from disk) the trouble was found, if known.
    public var fileOffset: Int64? {
        switch self {
        case .cannotOpen: nil
        case let .readFailed(_, offset): offset
        case let .corrupt(_, _, unit), let .truncated(_, unit): unit.compressedStart
        case let .shrank(_, _, readTo): readTo
        }
    }

    /// A message without the counts only the merger knows (lines kept or discarded).
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open \(path): \(reason)"
        case let .readFailed(reason, offset):
            return "read failed at byte \(offset): \(reason)"
        case let .corrupt(format, reason, unit):
            return "corrupt \(format.unitName) at file bytes \(unit.compressedStart)–\(unit.compressedEnd): \(reason)"
        case let .truncated(format, unit):
            return
                "truncated \(format) data: the file ends at byte \(unit.compressedEnd) inside the \(format.unitName) that starts at byte \(unit.compressedStart)"
        case let .shrank(sizeAtOpen, sizeNow, readTo):
            return
                "the file shrank while it was read (\(sizeAtOpen) bytes when opened, \(sizeNow) now, read to byte \(readTo)); was it rotated with copytruncate?"
        }
    }
}

extension InputFormat {
    /// What one checksummed unit of this format is called.
    public var unitName: String {
        switch self {
        case .plain: "text"
        case .gzip: "gzip member"
        case .lz4: "LZ4 frame"
        case .zstd: "zstd frame"
        }
    }
}
