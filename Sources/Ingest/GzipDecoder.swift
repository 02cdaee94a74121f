import CZlib

/// Streams a gzip file, including multi-member files (`cat a.gz b.gz`).
/// Owns a `z_stream`, ended in `deinit`.
public final class GzipDecoder: ByteStream {
    private let input: CompressedInput
    private let stream: UnsafeMutablePointer<z_stream>
    private var decoded: Int64 = 0
    private var insideMember = false

    /// The corresponding C function is `inflateInit2` (gzip wrapper, window 15).
    public init(source: ByteStream) throws(IngestError) {
        input = CompressedInput(source: source)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .corrupt(format: .gzip, reason: "cannot initialise zlib (\(status))", compressedOffset: 0, decodedOffset: 0)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    public var fileOffset: Int64 { input.fileOffset }

    /// The corresponding C function is `inflate`; `inflateReset` starts the next member.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        let n = try decodeLoop(input: input, format: .gzip, decodedSoFar: decoded, into: buffer) { (out) throws(IngestError) in
            if !insideMember {
                // Between members: more bytes must be another gzip member.
                if input.isEmpty { return DecodeStep(produced: 0, consumed: 0, insideFrame: false) }
                guard let magic = try input.peek(2), magic == [0x1f, 0x8b] else {
                    throw .corrupt(
                        format: .gzip, reason: "trailing bytes after the last gzip member are not gzip data",
                        compressedOffset: input.fileOffset, decodedOffset: decoded)
                }
                inflateReset(stream)
                insideMember = true
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
                insideMember = false
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw .corrupt(format: .gzip, reason: message, compressedOffset: input.fileOffset, decodedOffset: decoded)
            }
            return DecodeStep(produced: produced, consumed: consumed, insideFrame: insideMember)
        }
        decoded += Int64(n)
        return n
    }
}
