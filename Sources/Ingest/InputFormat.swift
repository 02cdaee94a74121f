/// How an input is encoded, detected from its first bytes (never its name).
public enum InputFormat: String, Sendable, CustomStringConvertible {
    case plain, gzip, lz4, zstd

    public var description: String { rawValue }

    /// Recognizes the magic numbers: gzip `1f 8b`, LZ4 frame `04 22 4d 18`,
    /// zstd `28 b5 2f fd`. Anything else is plain text.
    public static func detect(_ head: some Collection<UInt8>) -> InputFormat {
        let bytes = Array(head.prefix(4))
        if bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b { return .gzip }
        if bytes == [0x04, 0x22, 0x4d, 0x18] { return .lz4 }
        if bytes == [0x28, 0xb5, 0x2f, 0xfd] { return .zstd }
        return .plain
    }
}

extension InputFormat {
    static let magics: [(InputFormat, [UInt8])] = [
        (.gzip, [0x1f, 0x8b]), (.lz4, [0x04, 0x22, 0x4d, 0x18]), (.zstd, [0x28, 0xb5, 0x2f, 0xfd]),
    ]

    /// A whole file shorter than a magic number that is a prefix of one: a
    /// compressed file cut short, not a one-line log.
    static func truncatedMagic(_ whole: [UInt8]) -> InputFormat? {
        guard !whole.isEmpty else { return nil }
        return magics.first { whole.count < $0.1.count && Array($0.1.prefix(whole.count)) == whole }?.0
    }
}

/// The input name that means standard input.
public let standardInputName = "-"

/// Opens `path` (`-`: standard input), sniffs its format, and returns a stream of decoded bytes.
public func openInput(path: String) throws(IngestError) -> (stream: ByteStream, format: InputFormat) {
    let file = path == standardInputName ? FileReader(descriptor: 0, name: "stdin") : try FileReader(path: path)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 1)
    defer { buffer.deallocate() }
    var filled = 0
    while filled < 4 {
        let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
        if n == 0 { break }
        filled += n
    }
    let head = Array(buffer.prefix(filled))
    if let cut = InputFormat.truncatedMagic(head) {
        throw .truncated(
            format: cut, unit: UnitRange(compressedStart: 0, compressedEnd: Int64(filled), decodedStart: 0, decodedEnd: 0))
    }
    let format = InputFormat.detect(head)
    let raw = PrefixedStream(prefix: head, rest: file)
    switch format {
    case .plain: return (raw, format)
    case .gzip: return (try GzipDecoder(source: raw), format)
    case .lz4: return (try LZ4FrameDecoder(source: raw), format)
    case .zstd: return (try ZstdDecoder(source: raw), format)
    }
}
