#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How an event store recognizes an input by its content, whatever its name
/// (docs/semantics.md §11, "Read each byte once"): a hash of the first decoded
/// bytes, and for compressed files a hash of their bytes on disk.
public enum Fingerprint {
    /// Decoded bytes hashed at the head of an input (fewer when the input is shorter).
    public static let headLength = 4096
    /// Decoded bytes hashed just before where reading stopped (plain text), and raw bytes at each end of a compressed file.
    public static let tailLength = 4096

    /// FNV-1a, 64 bits: fast, stable across builds and machines (not a defence against crafted files).
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }

    public static func hash(_ bytes: some Collection<UInt8>) -> UInt64 {
        Array(bytes).withUnsafeBytes { hash($0) }
    }

    /// What a store needs to know about an input before deciding whether to read it.
    public struct Peek: Sendable {
        public var format: InputFormat
        /// The file's size on disk (nil: not a regular file, e.g. a pipe).
        public var size: Int64?
        /// Hashes of the first and last `tailLength` bytes on disk (compressed files only).
        public var rawHeadHash: UInt64 = 0
        public var rawTailHash: UInt64 = 0
        /// The first decoded bytes (up to `headLength`; fewer if the input is shorter or damaged there).
        public var head: [UInt8] = []
    }

    /// Opens `path` and reads its head (decoding it if compressed); the file is not read further.
    /// `ends`: the file's `rawEnds` when the caller already has them.
    public static func peek(path: String, ends known: (size: Int64, head: UInt64, tail: UInt64)? = nil) throws(IngestError) -> Peek {
        let (stream, format) = try openInput(path: path)
        var peek = Peek(format: format, size: regularFileSize(path))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: headLength, alignment: 1)
        defer { buffer.deallocate() }
        var filled = 0
        do throws(IngestError) {
            while filled < headLength {
                let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n == 0 { break }
                filled += n
            }
        } catch {
            if filled == 0 { throw error }
        }
        peek.head = Array(buffer.prefix(filled))
        if format != .plain, let ends = known ?? rawEnds(path: path) {
            peek.rawHeadHash = ends.head
            peek.rawTailHash = ends.tail
        }
        return peek
    }

    /// A regular file's size and the hashes of its first and last `tailLength` bytes on disk (nothing decoded):
    /// how a compressed file read before is recognized without decoding it.
    public static func rawEnds(path: String) -> (size: Int64, head: UInt64, tail: UInt64)? {
        guard let size = regularFileSize(path) else { return nil }
        let count = min(Int64(tailLength), size)
        return (size, hashRange(path: path, from: 0, count: count) ?? 0, hashRange(path: path, from: size - count, count: count) ?? 0)
    }

    /// The hash of `count` bytes of a file at `from` (as stored, not decoded); nil if they cannot all be read.
    public static func hashRange(path: String, from: Int64, count: Int64) -> UInt64? {
        guard count >= 0 else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: Int(count))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(from) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return bytes.withUnsafeBytes { hash($0) }
    }

    /// Just past the last line break of a plain file's first `size` bytes (0 when it has none): a file
    /// still being written is read up to there, and its unfinished last line waits for the next run.
    public static func lastLineEnd(path: String, size: Int64) -> Int64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var end = size
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let start = max(0, end - Int64(buffer.count))
            let want = Int(end - start)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(start)) }
            guard n == want else { return 0 }
            if let newline = buffer.prefix(want).lastIndex(of: 0x0a) { return start + Int64(newline) + 1 }
            end = start
        }
        return 0
    }

    /// Just past the last record end of a plain CSV file between `start` (a record boundary) and
    /// `end` (≤ its size): the last line break outside quotes, counting `"` from `start` (docs/semantics.md
    /// §11). `start` when there is none: a record still being written, even across a quoted line
    /// break, waits whole for the next run.
    public static func lastRecordEnd(path: String, from start: Int64, to end: Int64) -> Int64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return start }
        defer { close(fd) }
        var recordEnd = start
        var insideQuotes = false
        var offset = start
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while offset < end {
            let want = Int(min(Int64(buffer.count), end - offset))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            let piece = buffer.withUnsafeBytes {
                CSVScanner.lastRecordEnd(in: UnsafeRawBufferPointer(rebasing: $0[..<n]), inQuotes: &insideQuotes)
            }
            if let piece { recordEnd = offset + Int64(piece) }
            offset += Int64(n)
        }
        return recordEnd
    }

    static func regularFileSize(_ path: String) -> Int64? {
        var info = stat()
        guard path != standardInputName, stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }
}

/// A window of a decoded stream: reading starts at decoded offset `start` (bytes before it are
/// decoded and dropped, or were skipped by seeking) and ends at `limit`. Offsets stay those of
/// the whole stream, so line positions and verification work as in a full read.
public final class WindowStream: ByteStream {
    private let inner: ByteStream
    private var position: Int64
    private let start: Int64
    private let limit: Int64?

    /// `position`: the decoded offset `inner` is at (non-zero when it seeked).
    public init(_ inner: ByteStream, position: Int64 = 0, start: Int64, limit: Int64?) {
        self.inner = inner; self.position = position; self.start = start; self.limit = limit
    }

    public var fileOffset: Int64 { inner.fileOffset }
    public var verifiedOffset: Int64 { min(inner.verifiedOffset, limit ?? .max) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        while position < start {
            let want = Int(min(Int64(buffer.count), start - position))
            let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want]))
            if n == 0 { return 0 }
            position += Int64(n)
        }
        var want = buffer.count
        if let limit { want = Int(min(Int64(want), max(0, limit - position))) }
        guard want > 0 else { return 0 }
        let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want]))
        position += Int64(n)
        return n
    }
}

/// Opens `path` for reading from decoded offset `start` up to `limit`: a plain file seeks there,
/// a compressed one is decoded from its beginning and the bytes before `start` are dropped.
public func openInput(path: String, start: Int64, limit: Int64?) throws(IngestError) -> (stream: ByteStream, format: InputFormat) {
    let (stream, format) = try openInput(path: path)
    guard start > 0 || limit != nil else { return (stream, format) }
    if format == .plain && start > 0 {
        let file = try FileReader(path: path)
        try file.seek(to: start)
        return (WindowStream(file, position: start, start: start, limit: limit), format)
    }
    return (WindowStream(stream, start: start, limit: limit), format)
}
