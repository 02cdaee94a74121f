import Foundation

/// Writes files so that readers see either the old file or the complete
/// new one: a temporary file in the same folder is written, flushed to
/// disk, then `rename(2)`d over the destination.
public final class AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    public let path: String
    private let temporary: String
    private var descriptor: Int32
    private var committed = false

    /// Temporary files of this process, removed by `abandonAll()` on SIGINT/SIGTERM.
    nonisolated(unsafe) private static var inFlight: Set<String> = []
    /// Set by `abandonAll()`: no new file may start.
    nonisolated(unsafe) private static var abandoned = false
    private static let lock = NSLock()

    /// Creates the folder if needed and opens a temporary file beside `path`.
    public init(path: String) throws(WriteError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        self.temporary = temporary
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: path, reason: (error as NSError).localizedDescription)
        }
        let accepted = Self.lock.withLock { () -> Bool in
            if Self.abandoned { return false }
            Self.inFlight.insert(temporary)
            return true
        }
        guard accepted else { throw WriteError(path: path, reason: "interrupted") }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        descriptor = fd
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            Self.lock.withLock { _ = Self.inFlight.remove(temporary) }
            throw WriteError(path: temporary, reason: reason)
        }
    }

    /// Removes the temporary file unless `commit()` succeeded.
    deinit {
        if !committed {
            if descriptor >= 0 { close(descriptor) }
            unlink(temporary)
        }
        Self.lock.withLock { _ = Self.inFlight.remove(temporary) }
    }

    /// Appends bytes. The corresponding C function is `write`.
    public func write(_ bytes: [UInt8]) throws(WriteError) {
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let n = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                written += n
            }
        }
        if let failure { throw WriteError(path: temporary, reason: failure) }
    }

    /// Flushes to disk and renames over the destination. The corresponding C functions are `fsync` and `rename`.
    public func commit() throws(WriteError) {
        guard fsync(descriptor) == 0 else { throw WriteError(path: temporary, reason: String(cString: strerror(errno))) }
        close(descriptor)
        descriptor = -1
        // Under the lock, so an interrupt either sees the rename done or removes the temporary file first.
        let renamed = Self.lock.withLock { () -> Int32 in
            if Self.abandoned { return -2 }
            return rename(temporary, path) == 0 ? 0 : errno
        }
        guard renamed == 0 else {
            throw WriteError(path: path, reason: renamed == -2 ? "interrupted" : String(cString: strerror(renamed)))
        }
        committed = true
    }

    /// Writes a whole file atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws(WriteError) {
        let file = try AtomicFile(path: path)
        try file.write(bytes)
        try file.commit()
    }

    public static func write(_ text: String, to path: String) throws(WriteError) {
        try write(Array(text.utf8), to: path)
    }

    /// Deletes temporary files still being written and refuses new ones
    /// (for SIGINT/SIGTERM: the destination files keep their previous contents).
    public static func abandonAll() {
        lock.withLock {
            abandoned = true
            for path in inFlight { unlink(path) }
        }
    }
}
