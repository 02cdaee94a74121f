import Dispatch
import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an output could not be written. `code` is the `errno` when the system
/// said no (`ENOSPC` for a full disk, `EACCES`, …).
public struct WriteError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var code: Int32?

    public init(path: String, reason: String, code: Int32? = nil) {
        self.path = path; self.reason = reason; self.code = code
    }

    /// The error of the last failed system call on `path`.
    static func system(_ path: String, _ what: String = "", code: Int32 = errno) -> WriteError {
        WriteError(path: path, reason: what + String(cString: strerror(code)), code: code)
    }

    public var description: String { "cannot write \(path): \(reason)" }
}

/// A new file being written; owns its descriptor (closed in `deinit`).
///
/// Direct writes: where the file system takes them (`O_DIRECT`: ext4, xfs, btrfs, tmpfs since Linux 6.6), the
/// bytes are gathered in an aligned 1 MiB block and each full block goes straight to the device,
/// without being copied into the page cache first (that copy was 8 % of a 1 GB run's CPU, on the
/// thread that hands blocks to the measuring workers) and without a large `fsync` at the end. The
/// last partial block is written through the page cache. A file system that refuses a direct write
/// gets that block and the rest through the page cache.
///
/// Write-behind otherwise: every `writeBehindBytes` written, a helper thread starts flushing what is
/// written so far (`BackgroundFlush`) while the writer goes on, so that `finish`'s `fsync` of a large
/// report (a 130 MB tickets.csv) finds little left to write instead of all of it. A helper's failure
/// is thrown by `finish`.
public final class OutputFile {
    public let path: String
    private var descriptor: Int32
    private let writeBehindBytes: Int
    /// Bytes written since the last write-behind flush was started.
    private var unflushed = 0
    private let behind = BackgroundFlush()
    /// The block gathered for the next direct write, and how full it is; nil when writes are buffered.
    private var block: UnsafeMutableRawBufferPointer?
    private var blockCount = 0
    /// Blocks written directly so far.
    private var directWrites = 0
    static let directBlockSize = 1 << 20

    /// Creates `path`, which must not exist. The corresponding C function is `open`.
    init(creating path: String, writeBehindBytes: Int = 16 << 20, direct: Bool = true) throws(WriteError) {
        self.path = path
        self.writeBehindBytes = writeBehindBytes
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system(path) }
        if direct, Self.setDirect(descriptor, true) {
            block = .allocate(byteCount: Self.directBlockSize, alignment: 4096)
        }
    }

    deinit {
        _ = behind.wait()
        if descriptor >= 0 { close(descriptor) }
        block?.deallocate()
    }

    /// Whether writes to this file go straight to the device (see the type's notes).
    public var isDirect: Bool { block != nil }

    /// `O_DIRECT` (not exported by the Glibc module; its value differs by architecture), nil where unknown.
    private static var directFlag: Int32? {
        #if os(Linux) && arch(x86_64)
            0o40000
        #elseif os(Linux) && arch(arm64)
            0o200000
        #else
            nil
        #endif
    }

    /// Turns direct writes on or off; false when the file system does not take them.
    private static func setDirect(_ descriptor: Int32, _ on: Bool) -> Bool {
        #if canImport(Glibc)
            guard let flag = directFlag else { return false }
            let flags = fcntl(descriptor, F_GETFL)
            guard flags >= 0 else { return false }
            return fcntl(descriptor, F_SETFL, on ? flags | flag : flags & ~flag) == 0
        #else
            return false
        #endif
    }

    /// Writes the gathered block; a file system that refuses the direct write gets it, and every later
    /// write, through the page cache.
    private func writeBlock(final: Bool) throws(WriteError) {
        guard let block, blockCount > 0 else { return }
        if final || blockCount % 4096 != 0 {
            _ = Self.setDirect(descriptor, false)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: block[..<blockCount])
        var written = 0
        do {
            if !final { try FaultInjection.refuseDirectWrite(path, after: directWrites) }
            try writeAll(bytes, from: &written)
            if !final { directWrites += 1 }
        } catch  where error.code == EINVAL {
            // Refused as a direct write (alignment rules of an unusual file system): the rest of the
            // block and every later write through the page cache.
            guard Self.setDirect(descriptor, false) else { throw error }
            try writeAll(bytes, from: &written)
            self.block = nil
            block.deallocate()
        }
        blockCount = 0
    }

    /// Writes `buffer` from offset `written` on, counting what was written (also when it throws).
    private func writeAll(_ buffer: UnsafeRawBufferPointer, from written: inout Int) throws(WriteError) {
        guard let base = buffer.baseAddress else { return }
        while written < buffer.count {
            let n = Glibc.write(descriptor, base + written, buffer.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(path, code: errno)
            }
            written += n
        }
    }

    /// Appends bytes. The corresponding C function is `write`.
    public func write(_ bytes: [UInt8]) throws(WriteError) {
        var failure: WriteError?
        bytes.withUnsafeBytes { buffer in
            do throws(WriteError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws(WriteError) {
        try FaultInjection.failWrite(path)
        guard let base = buffer.baseAddress else { return }
        var written = 0
        // Into the direct block while there is one (a refused direct write ends it midway).
        while written < buffer.count, let block {
            let n = min(buffer.count - written, block.count - blockCount)
            (block.baseAddress! + blockCount).copyMemory(from: base + written, byteCount: n)
            blockCount += n
            written += n
            if blockCount == block.count { try writeBlock(final: false) }
        }
        guard written < buffer.count else { return }
        try writeAll(buffer, from: &written)
        unflushed += buffer.count
        if unflushed >= writeBehindBytes {
            unflushed = 0
            behind.start(descriptor)
        }
    }

    /// Flushes to disk and closes. The corresponding C functions are `fsync` and `close`.
    public func finish() throws(WriteError) {
        guard descriptor >= 0 else { return }
        if block != nil {
            do throws(WriteError) { try writeBlock(final: true) } catch {
                close(descriptor)
                descriptor = -1
                throw error
            }
        }
        let failure = behind.wait()
        let synced = failure == nil && fsync(descriptor) == 0
        let code = failure ?? errno
        let closed = close(descriptor) == 0
        descriptor = -1
        guard synced, closed else { throw .system(path, code: synced ? errno : code) }
    }
}

/// File-system steps shared by the report set and single atomic files.
enum FileSystem {
    /// `mkdir -p` with a message that names the part of the path that is in the way.
    static func createFolder(_ path: String) throws(WriteError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw WriteError(path: path, reason: "exists and is not a folder") }
            return
        }
        let parent = parentFolder(of: path)
        if parent != path { try createFolder(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .system(path, "cannot be created: ") }
    }

    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Flushes a folder's entries (renames, new names) to disk.
    static func syncFolder(_ path: String) throws(WriteError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system(path) }
    }

    /// The corresponding C function is `rename`.
    static func rename(_ from: String, _ to: String) throws(WriteError) {
        guard Glibc.rename(from, to) == 0 else { throw .system(to, "cannot rename \(from) to it: ") }
    }

    /// Removes a file or a folder tree (only used on slalog's own files).
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in names(in: path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Entry names of a folder (empty when it cannot be listed).
    static func names(in path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The target of a symbolic link, nil if `path` is not one.
    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Test hook: `SLALOG_TEST_FAULT=kill@STEP` kills the process (SIGKILL) when
/// a report set reaches STEP, `enospc@NAME` makes writes to output NAME fail
/// as on a full disk, `einval@NAME` refuses its direct writes after the first.
/// Unset in normal use; read once.
public enum FaultInjection {
    static let setting: (action: String, target: String)? = {
        guard let value = getenv("SLALOG_TEST_FAULT").map({ String(cString: $0) }), let at = value.firstIndex(of: "@") else { return nil }
        return (String(value[..<at]), String(value[value.index(after: at)...]))
    }()

    /// Steps of a report set's commit, in order.
    public static func reached(_ step: String) {
        if let setting, setting.action == "kill", setting.target == step { kill(getpid(), SIGKILL) }
    }

    static func failWrite(_ path: String) throws(WriteError) {
        guard let setting, setting.action == "enospc", path.hasSuffix("/" + setting.target) else { return }
        throw .system(path, code: ENOSPC)
    }

    /// `einval@NAME`: output NAME's file system refuses direct writes after the first one (as one with
    /// other alignment rules would), so the rest of the file goes through the page cache.
    static func refuseDirectWrite(_ path: String, after directWrites: Int) throws(WriteError) {
        guard let setting, setting.action == "einval", directWrites >= 1, path.hasSuffix("/" + setting.target) else { return }
        throw .system(path, code: EINVAL)
    }
}
