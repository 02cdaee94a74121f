import CZlib

/// Streams a gzip file, including multi-member files (`cat a.gz b.gz`).
/// Each member is one checksummed unit (CRC-32 and length in its trailer).
/// Owns a `z_stream`, ended in `deinit`.
public final class GzipDecoder: ByteStream {
    private let input: CompressedInput
    private let stream: UnsafeMutablePointer<z_stream>

    /// The corresponding C function is `inflateInit2` (gzip wrapper, window 15).
    public init(source: ByteStream) throws(IngestError) {
        input = CompressedInput(source: source)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw input.corrupt(.gzip, "cannot initialise zlib (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    public var fileOffset: Int64 { input.fileOffset }
    public var verifiedOffset: Int64 { input.verifiedOffset }

    /// The corresponding C function is `inflate`; `inflateReset` starts the next member.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        try input.decode(format: .gzip, into: buffer) { (out) throws(IngestError) in
            if !input.insideUnit {
                // Between members: more bytes must be another gzip member.
                if input.isEmpty { return DecodeStep(produced: 0, consumed: 0) }
                guard let magic = try input.peek(2), magic == [0x1f, 0x8b] else {
                    throw input.corrupt(.gzip, "trailing bytes after the last gzip member are not gzip data")
                }
                inflateReset(stream)
                input.beginUnit(at: input.fileOffset)
            }
            let availableIn = input.available
            stream.pointee.next_in = input.pointer.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = uInt(availableIn)
            stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(out.count)
            let status = inflate(stream, Z_NO_FLUSH)
            let consumed = availableIn - Int(stream.pointee.avail_in)
            let produced = out.count - Int(stream.pointee.avail_out)
            input.consume(consumed)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                input.endUnit()  // inflate has checked the member's CRC-32 and length
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                return DecodeStep(produced: produced, consumed: consumed, failure: input.corrupt(.gzip, message))
            }
            return DecodeStep(produced: produced, consumed: consumed)
        }
    }
}
