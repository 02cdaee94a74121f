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

/// One LZ4 block with its decoded length in front (4 bytes, little-endian): how the event store
/// keeps its bulkier derived data (kept ticket results) small. The corresponding C functions are
/// `LZ4_compress_default` and `LZ4_decompress_safe`.
public enum LZ4Block {
    public static func compress(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let bound = Int(LZ4_compressBound(Int32(bytes.count)))
        var out = [UInt8](repeating: 0, count: 4 + bound)
        let written = out.withUnsafeMutableBytes { target -> Int32 in
            target.storeBytes(of: UInt32(bytes.count).littleEndian, toByteOffset: 0, as: UInt32.self)
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return 0 }
            return LZ4_compress_default(
                source.assumingMemoryBound(to: CChar.self), (target.baseAddress! + 4).assumingMemoryBound(to: CChar.self),
                Int32(bytes.count), Int32(bound))
        }
        out.removeLast(bound - Int(max(0, written)))
        return out
    }

    /// The decoded bytes, or nil when the block is damaged (it does not decode to its stated length).
    public static func decompress(_ block: UnsafeRawBufferPointer) -> [UInt8]? {
        guard block.count >= 4 else { return nil }
        let count = Int(UInt32(littleEndian: block.loadUnaligned(as: UInt32.self)))
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let decoded = out.withUnsafeMutableBytes { target in
            LZ4_decompress_safe(
                (block.baseAddress! + 4).assumingMemoryBound(to: CChar.self), target.baseAddress!.assumingMemoryBound(to: CChar.self),
                Int32(block.count - 4), Int32(count))
        }
        return decoded == count ? out : nil
    }
}
