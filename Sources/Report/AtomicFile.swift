import Foundation

/// Writes files so that readers see either the old file or the complete
/// new one: write a temporary file in the same folder, flush it to disk,
/// then `rename(2)` it over the destination.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Temporary files of this process, removed by `removeTemporaryFiles()` on SIGINT/SIGTERM.
    nonisolated(unsafe) private static var inFlight: Set<String> = []
    private static let lock = NSLock()

    /// Writes `contents` to `path` atomically. Creates the folder if needed.
    public static func write(_ contents: String, to path: String) throws(WriteError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: path, reason: error.localizedDescription)
        }
        lock.withLock { _ = inFlight.insert(temporary) }
        defer { lock.withLock { _ = inFlight.remove(temporary) } }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: temporary, reason: String(cString: strerror(errno))) }
        var utf8 = Array(contents.utf8)
        var written = 0
        let failure: String? = utf8.withUnsafeMutableBytes { bytes in
            while written < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + written, bytes.count - written)
                if n < 0 { if errno == EINTR { continue }; return String(cString: strerror(errno)) }
                written += n
            }
            return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
        }
        utf8 = []
        close(fd)
        if let failure {
            unlink(temporary)
            throw WriteError(path: temporary, reason: failure)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(path: path, reason: reason)
        }
    }

    /// Deletes temporary files still being written (for signal handlers:
    /// the destination files keep their previous contents).
    public static func removeTemporaryFiles() {
        for path in inFlight { unlink(path) }
    }
}
