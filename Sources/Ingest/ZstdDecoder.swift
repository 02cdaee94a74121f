import CZstd

/// Streams a zstd file (one or more frames). Owns a `ZSTD_DStream`, freed in `deinit`.
public final class ZstdDecoder: ByteStream {
    private let input: CompressedInput
    private let context: OpaquePointer
    private var decoded: Int64 = 0
    private var insideFrame = false

    /// The corresponding C function is `ZSTD_createDStream`.
    public init(source: ByteStream) throws(IngestError) {
        input = CompressedInput(source: source)
        guard let dstream = ZSTD_createDStream() else {
            throw .corrupt(format: .zstd, reason: "cannot create zstd context", compressedOffset: 0, decodedOffset: 0)
        }
        ZSTD_initDStream(dstream)
        context = dstream
    }

    deinit { ZSTD_freeDStream(context) }

    public var fileOffset: Int64 { input.fileOffset }

    /// The corresponding C function is `ZSTD_decompressStream`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        let n = try decodeLoop(input: input, format: .zstd, decodedSoFar: decoded, into: buffer) { (out) throws(IngestError) in
            var inBuffer = ZSTD_inBuffer(src: input.pointer, size: input.available, pos: 0)
            var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
            let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
            if ZSTD_isError(hint) != 0 {
                throw .corrupt(
                    format: .zstd, reason: String(cString: ZSTD_getErrorName(hint)),
                    compressedOffset: input.fileOffset, decodedOffset: decoded)
            }
            input.consume(inBuffer.pos)
            if inBuffer.pos > 0 || outBuffer.pos > 0 { insideFrame = hint != 0 }
            return DecodeStep(produced: outBuffer.pos, consumed: inBuffer.pos, insideFrame: insideFrame)
        }
        decoded += Int64(n)
        return n
    }
}
