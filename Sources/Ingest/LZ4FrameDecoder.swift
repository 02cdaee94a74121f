import CLZ4

/// Streams an LZ4 frame file (one or more frames, as written by `lz4`).
/// Each frame is one unit, verified by its content checksum when the frame
/// has one (`lz4` writes it by default). Owns an `LZ4F_dctx`, freed in `deinit`.
public final class LZ4FrameDecoder: ByteStream {
    private let input: CompressedInput
    private var context: OpaquePointer?

    /// The corresponding C function is `LZ4F_createDecompressionContext`.
    public init(source: ByteStream) throws(IngestError) {
        input = CompressedInput(source: source)
        var dctx: OpaquePointer?
        let status = LZ4F_createDecompressionContext(&dctx, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(status) == 0, let dctx else { throw input.corrupt(.lz4, "cannot create LZ4 context") }
        context = dctx
    }

    deinit { LZ4F_freeDecompressionContext(context) }

    public var fileOffset: Int64 { input.fileOffset }
    public var verifiedOffset: Int64 { input.verifiedOffset }

    /// The corresponding C function is `LZ4F_decompress`, which stops at the end of a frame.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        try input.decode(format: .lz4, into: buffer) { (out) throws(IngestError) in
            var written = out.count
            var consumed = input.available
            let before = input.fileOffset
            let hint = LZ4F_decompress(context, out.baseAddress, &written, input.pointer, &consumed, nil)
            if LZ4F_isError(hint) != 0 {
                input.beginUnit(at: before)
                let failure = input.corrupt(.lz4, String(cString: LZ4F_getErrorName(hint)), consumedIsExact: false)
                return DecodeStep(produced: 0, consumed: 0, failure: failure)  // on error LZ4F reports no output
            }
            input.consume(consumed)
            if consumed > 0 || written > 0 {
                input.beginUnit(at: before)
                if hint == 0 { input.endUnit() }  // frame complete, content checksum checked
            }
            return DecodeStep(produced: written, consumed: consumed)
        }
    }
}

/// Bytes as one LZ4 frame with a content checksum (xxHash32), with the decoded length in front
/// (4 bytes, little-endian): how the event store keeps its bulkier derived data (kept ticket
/// results) small, and knows them damaged instead of decoding garbage. The corresponding C
/// functions are `LZ4F_compressFrame` and `LZ4F_decompress`.
public enum LZ4Block {
    public static func compress(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.contentSize = UInt64(bytes.count)
        let bound = LZ4F_compressFrameBound(bytes.count, &preferences)
        var out = [UInt8](repeating: 0, count: 4 + bound)
        let written = out.withUnsafeMutableBytes { target -> Int in
            target.storeBytes(of: UInt32(bytes.count).littleEndian, toByteOffset: 0, as: UInt32.self)
            return LZ4F_compressFrame(target.baseAddress! + 4, bound, bytes.baseAddress, bytes.count, &preferences)
        }
        guard LZ4F_isError(written) == 0 else { return [] }
        out.removeLast(bound - written)
        return out
    }

    /// The decoded bytes, or nil when the frame is damaged (bad checksum, wrong length, not a frame).
    public static func decompress(_ block: UnsafeRawBufferPointer) -> [UInt8]? {
        guard block.count >= 4 else { return nil }
        let count = Int(UInt32(littleEndian: block.loadUnaligned(as: UInt32.self)))
        // LZ4 expands at most ~255 to 1: a stated length beyond that is damage, not a reason to allocate.
        guard count <= (block.count - 4) * 256 + 1024 else { return nil }
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, let context else { return nil }
        defer { LZ4F_freeDecompressionContext(context) }
        // Not zeroed first: the frame writes every byte (a frame that does not is damaged, and dropped).
        var complete = false
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let target = UnsafeMutableRawBufferPointer(buffer)
            var produced = 0, consumed = 4
            defer { initialized = produced }
            while true {
                var written = target.count - produced, taken = block.count - consumed
                let hint = LZ4F_decompress(
                    context, target.baseAddress.map { $0 + produced }, &written, block.baseAddress! + consumed, &taken, nil)
                guard LZ4F_isError(hint) == 0 else { return }
                produced += written
                consumed += taken
                if hint == 0 {
                    complete = produced == count && consumed == block.count
                    return
                }
                // More input is needed but there is none, or no progress: damaged.
                if consumed == block.count || (written == 0 && taken == 0) { return }
            }
        }
        return complete ? out : nil
    }
}
