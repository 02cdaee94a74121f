import CLZ4

/// Streams an LZ4 frame file (one or more frames, as written by `lz4`).
/// Owns an `LZ4F_dctx`, freed in `deinit`.
public final class LZ4FrameDecoder: ByteStream {
    private let input: CompressedInput
    private var context: OpaquePointer?
    private var decoded: Int64 = 0
    private var insideFrame = false

    /// The corresponding C function is `LZ4F_createDecompressionContext`.
    public init(source: ByteStream) throws(IngestError) {
        input = CompressedInput(source: source)
        var dctx: OpaquePointer?
        let status = LZ4F_createDecompressionContext(&dctx, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(status) == 0, let dctx else {
            throw .corrupt(format: .lz4, reason: "cannot create LZ4 context", compressedOffset: 0, decodedOffset: 0)
        }
        context = dctx
    }

    deinit { LZ4F_freeDecompressionContext(context) }

    public var fileOffset: Int64 { input.fileOffset }

    /// The corresponding C function is `LZ4F_decompress`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        let n = try decodeLoop(input: input, format: .lz4, decodedSoFar: decoded, into: buffer) { (out) throws(IngestError) in
            var written = out.count
            var consumed = input.available
            let hint = LZ4F_decompress(context, out.baseAddress, &written, input.pointer, &consumed, nil)
            if LZ4F_isError(hint) != 0 {
                throw .corrupt(
                    format: .lz4, reason: String(cString: LZ4F_getErrorName(hint)),
                    compressedOffset: input.fileOffset, decodedOffset: decoded)
            }
            input.consume(consumed)
            if consumed > 0 || written > 0 { insideFrame = hint != 0 }
            return DecodeStep(produced: written, consumed: consumed, insideFrame: insideFrame)
        }
        decoded += Int64(n)
        return n
    }
}
