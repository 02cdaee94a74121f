#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A source of bytes read in order: a plain file or a decoder over one.
public protocol ByteStream: AnyObject {
    /// Fills up to `buffer.count` bytes; returns 0 only at the end of the stream.
    /// A decoder returns bytes of one compressed unit per call, never two.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int
    /// Bytes consumed from the underlying file so far (compressed offset).
    var fileOffset: Int64 { get }
    /// Decoded bytes returned so far that belong to units whose checksum has
    /// verified (for plain text: every byte returned).
    var verifiedOffset: Int64 { get }
}

/// Reads a file with `read(2)`; owns the descriptor and closes it in `deinit`.
///
/// For a regular file, the size at open is remembered: reaching the end
/// before it, or finding the file shorter than what was read, is
/// `IngestError.shrank` (rotation with `copytruncate` under a running read).
public final class FileReader: ByteStream {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let sizeAtOpen: Int64?
    public private(set) var fileOffset: Int64 = 0
    public let path: String

    /// Opens `path` read-only. The corresponding C function is `open`.
    public init(path: String) throws(IngestError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen(path: path, reason: "is a directory")
        }
        descriptor = fd
        ownsDescriptor = true
        sizeAtOpen = Self.regularFileSize(fd)
    }

    /// Reads an already open descriptor (standard input), which stays open.
    public init(descriptor: Int32, name: String) {
        self.path = name
        self.descriptor = descriptor
        ownsDescriptor = false
        sizeAtOpen = Self.regularFileSize(descriptor)
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// Continues reading at `offset` (resuming a file an event store read part of). The corresponding C function is `lseek`.
    public func seek(to offset: Int64) throws(IngestError) {
        guard lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset) else {
            throw .readFailed(reason: String(cString: strerror(errno)), compressedOffset: offset)
        }
        fileOffset = offset
    }

    public var verifiedOffset: Int64 { fileOffset }

    /// The corresponding C function is `read`; retries on `EINTR`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = Glibc.read(descriptor, base, buffer.count)
            if n > 0 { fileOffset += Int64(n); return n }
            if n == 0 {
                try checkNotShrunk()
                return 0
            }
            if errno == EINTR { continue }
            throw .readFailed(reason: String(cString: strerror(errno)), compressedOffset: fileOffset)
        }
    }

    /// At the end of a regular file: it must not be shorter than when opened, nor than what was read.
    private func checkNotShrunk() throws(IngestError) {
        guard let sizeAtOpen else { return }
        let now = Self.regularFileSize(descriptor) ?? fileOffset
        if fileOffset < sizeAtOpen || now < fileOffset {
            throw .shrank(sizeAtOpen: sizeAtOpen, sizeNow: now, readTo: fileOffset)
        }
    }

    private static func regularFileSize(_ fd: Int32) -> Int64? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }
}

/// A file's first bytes replayed in front of the rest, after format sniffing.
final class PrefixedStream: ByteStream {
    private var prefix: [UInt8]
    private var prefixPosition = 0
    private let rest: FileReader

    init(prefix: [UInt8], rest: FileReader) { self.prefix = prefix; self.rest = rest }

    var fileOffset: Int64 { rest.fileOffset - Int64(prefix.count - prefixPosition) }
    var verifiedOffset: Int64 { fileOffset }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        if prefixPosition < prefix.count {
            let n = min(buffer.count, prefix.count - prefixPosition)
            prefix.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + prefixPosition, byteCount: n)
            }
            prefixPosition += n
            return n
        }
        return try rest.read(into: buffer)
    }
}
