import CZstd

/// Streams a zstd file (one or more frames). Each frame is one unit,
/// verified by its content checksum when the frame has one (`zstd` writes it
/// by default). Owns a `ZSTD_DStream`, freed in `deinit`.
public final class ZstdDecoder: ByteStream {
    private let input: CompressedInput
    private let context: OpaquePointer

    /// The corresponding C function is `ZSTD_createDStream`.
    public init(source: ByteStream) throws(IngestError) {
        input = CompressedInput(source: source)
        guard let dstream = ZSTD_createDStream() else { throw input.corrupt(.zstd, "cannot create zstd context") }
        ZSTD_initDStream(dstream)
        context = dstream
    }

    deinit { ZSTD_freeDStream(context) }

    public var fileOffset: Int64 { input.fileOffset }
    public var verifiedOffset: Int64 { input.verifiedOffset }

    /// The corresponding C function is `ZSTD_decompressStream`, which stops at the end of a frame.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        try input.decode(format: .zstd, into: buffer) { (out) throws(IngestError) in
            var inBuffer = ZSTD_inBuffer(src: input.pointer, size: input.available, pos: 0)
            var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
            let before = input.fileOffset
            let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
            if ZSTD_isError(hint) != 0 {
                input.consume(inBuffer.pos)
                input.beginUnit(at: before)
                let failure = input.corrupt(.zstd, String(cString: ZSTD_getErrorName(hint)), consumedIsExact: false)
                return DecodeStep(produced: outBuffer.pos, consumed: inBuffer.pos, failure: failure)
            }
            input.consume(inBuffer.pos)
            if inBuffer.pos > 0 || outBuffer.pos > 0 {
                input.beginUnit(at: before)
                if hint == 0 { input.endUnit() }  // frame complete, checksum checked
            }
            return DecodeStep(produced: outBuffer.pos, consumed: inBuffer.pos)
        }
    }
}
