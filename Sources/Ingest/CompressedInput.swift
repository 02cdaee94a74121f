/// The compressed-side buffer shared by the decoders: bytes read from the
/// file and not yet consumed by the C decoder.
final class CompressedInput {
    let source: ByteStream
    private let storage: UnsafeMutableRawBufferPointer
    private(set) var start = 0
    private(set) var end = 0
    private(set) var atEndOfFile = false

    init(source: ByteStream, capacity: Int = 256 * 1024) {
        self.source = source
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    var isEmpty: Bool { start == end }
    var available: Int { end - start }
    var pointer: UnsafeMutableRawPointer { storage.baseAddress! + start }

    /// Offset in the file of the next unconsumed compressed byte.
    var fileOffset: Int64 { source.fileOffset - Int64(end - start) }

    /// Moves unconsumed bytes to the front and reads more behind them.
    func refill() throws(IngestError) {
        guard !atEndOfFile else { return }
        if start > 0 {
            if start < end { storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: end - start) }
            end -= start
            start = 0
        }
        guard end < storage.count else { return }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...]))
        if n == 0 { atEndOfFile = true } else { end += n }
    }

    func consume(_ count: Int) { start += count }

    /// Peeks at the next `count` bytes, refilling if needed (nil at end of file).
    func peek(_ count: Int) throws(IngestError) -> [UInt8]? {
        while available < count && !atEndOfFile { try refill() }
        guard available >= count else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// One call of a C decoder: what it wrote, what it read, and whether it
/// stopped in the middle of a frame/member.
struct DecodeStep {
    var produced: Int
    var consumed: Int
    var insideFrame: Bool
}

/// Drives a decoder step function until it produces bytes or the input ends.
/// Shared by the three decoders so that end-of-file and truncation are
/// handled the same way for LZ4, gzip and zstd.
func decodeLoop(
    input: CompressedInput, format: InputFormat, decodedSoFar: Int64,
    into output: UnsafeMutableRawBufferPointer,
    step: (UnsafeMutableRawBufferPointer) throws(IngestError) -> DecodeStep
) throws(IngestError) -> Int {
    while true {
        if input.isEmpty { try input.refill() }
        let result = try step(output)
        if result.produced > 0 { return result.produced }
        if result.consumed == 0 {
            if input.atEndOfFile {
                if result.insideFrame || !input.isEmpty {
                    throw .truncated(format: format, compressedOffset: input.fileOffset, decodedOffset: decodedSoFar)
                }
                return 0
            }
            try input.refill()
        }
    }
}
