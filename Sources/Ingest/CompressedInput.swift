/// The compressed-side buffer shared by the decoders: bytes read from the
/// file and not yet consumed by the C decoder, plus the bookkeeping of
/// checksummed units (gzip members, LZ4 and zstd frames).
final class CompressedInput {
    let source: ByteStream
    private let storage: UnsafeMutableRawBufferPointer
    private(set) var start = 0
    private(set) var end = 0
    private(set) var atEndOfFile = false

    /// Decoded bytes handed out so far.
    private(set) var decoded: Int64 = 0
    /// True between the first byte of a unit and its verified end.
    private(set) var insideUnit = false
    private var unitCompressedStart: Int64 = 0
    private var unitDecodedStart: Int64 = 0
    /// A failure found by a call that also produced bytes, thrown by the next call.
    private var pendingFailure: IngestError?

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

    /// Decoded bytes that belong to units whose end (and checksum) has been reached.
    var verifiedOffset: Int64 { insideUnit ? unitDecodedStart : decoded }

    /// Marks the start of a unit at file offset `compressedOffset` (no-op inside one).
    func beginUnit(at compressedOffset: Int64) {
        guard !insideUnit else { return }
        insideUnit = true
        unitCompressedStart = compressedOffset
        unitDecodedStart = decoded
    }

    /// Marks the current unit as complete: the decoder has checked its checksum.
    func endUnit() { insideUnit = false }

    /// The current unit, up to the file offset where decoding stopped.
    var currentUnit: UnitRange { unit(endingAt: fileOffset) }

    private func unit(endingAt end: Int64) -> UnitRange {
        UnitRange(
            compressedStart: insideUnit ? unitCompressedStart : fileOffset, compressedEnd: end,
            decodedStart: insideUnit ? unitDecodedStart : decoded, decodedEnd: decoded)
    }

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

    /// Drives a decoder step function until it produces bytes or the input ends.
    /// Shared by the three decoders so that end-of-file, truncation and unit
    /// bookkeeping are handled the same way for LZ4, gzip and zstd. A step
    /// stops at the end of a unit, so one call returns bytes of one unit only.
    func decode(
        format: InputFormat, into output: UnsafeMutableRawBufferPointer,
        step: (UnsafeMutableRawBufferPointer) throws(IngestError) -> DecodeStep
    ) throws(IngestError) -> Int {
        if let failure = pendingFailure { throw failure }
        while true {
            if isEmpty { try refill() }
            let result = try step(output)
            if let failure = result.failure {
                // The bytes decoded by the failing call still go out (they are counted as discarded,
                // or kept in forensic mode); the failure comes with the next call.
                guard result.produced > 0 else { throw failure }
                pendingFailure = failure
            }
            if result.produced > 0 {
                decoded += Int64(result.produced)
                return result.produced
            }
            if result.consumed == 0 {
                if atEndOfFile {
                    if insideUnit || !isEmpty { throw .truncated(format: format, unit: currentUnit) }
                    return 0
                }
                try refill()
            }
        }
    }

    /// A corruption error for the current unit. With `consumedIsExact` false
    /// (LZ4, zstd: a failed call does not say how far it read), the range ends
    /// at the last byte handed to the decoder.
    func corrupt(_ format: InputFormat, _ reason: String, consumedIsExact: Bool = true) -> IngestError {
        .corrupt(format: format, reason: reason, unit: unit(endingAt: consumedIsExact ? fileOffset : source.fileOffset))
    }
}

/// One call of a C decoder: what it wrote and what it read, and the damage it found, if any.
struct DecodeStep {
    var produced: Int
    var consumed: Int
    var failure: IngestError? = nil
}
