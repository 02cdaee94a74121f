/// Why reading an input stopped. Good data decoded before the error is kept.
public enum IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open(2)` failed (missing, permission denied, a directory, …).
    case cannotOpen(path: String, reason: String)
    /// `read(2)` failed part-way.
    case readFailed(reason: String, compressedOffset: Int64)
    /// The compressed stream is damaged. Offsets: in the file, and in the decoded bytes.
    case corrupt(format: InputFormat, reason: String, compressedOffset: Int64, decodedOffset: Int64)
    /// The file ends inside a compressed frame or member.
    case truncated(format: InputFormat, compressedOffset: Int64, decodedOffset: Int64)

    /// Where in the file (bytes read from disk) the trouble was found, if known.
    public var fileOffset: Int64? {
        switch self {
        case .cannotOpen: nil
        case let .readFailed(_, offset): offset
        case let .corrupt(_, _, offset, _), let .truncated(_, offset, _): offset
        }
    }

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open \(path): \(reason)"
        case let .readFailed(reason, offset):
            return "read failed at byte \(offset): \(reason)"
        case let .corrupt(format, reason, compressed, decoded):
            return
                "corrupt \(format) data at compressed byte \(compressed) (after \(decoded) decoded bytes): \(reason); the lines before it were kept"
        case let .truncated(format, compressed, decoded):
            return
                "truncated \(format) data: the file ends at byte \(compressed) inside a compressed block (after \(decoded) decoded bytes); the lines before it were kept"
        }
    }
}
