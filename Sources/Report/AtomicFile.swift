import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One file outside a report set (e.g. a Prometheus textfile in another
/// folder), written so that readers see either the old file or the complete
/// new one: a temporary file in the same folder is written, flushed to disk,
/// then `rename(2)`d over the destination.
public final class AtomicFile {
    public let path: String
    private let temporary: String
    private let file: OutputFile
    private var committed = false

    private struct Interruption {
        var inFlight: Set<String> = []
        var abandoned = false
    }

    private static let interruption = Locked(Interruption())

    /// Creates the folder if needed and opens a temporary file beside `path`.
    public init(path: String) throws(WriteError) {
        self.path = path
        let folder = FileSystem.parentFolder(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = (folder == "." && !path.hasPrefix("./") ? "" : folder + "/") + ".\(name).tmp-\(getpid())"
        self.temporary = temporary
        try FileSystem.createFolder(folder)
        let accepted = Self.interruption.withLock { state -> Bool in
            if state.abandoned { return false }
            state.inFlight.insert(temporary)
            return true
        }
        guard accepted else { throw WriteError(path: path, reason: "interrupted") }
        Self.removeLeftovers(of: name, in: folder)
        do {
            file = try OutputFile(creating: temporary)
        } catch {
            Self.interruption.withLock { _ = $0.inFlight.remove(temporary) }
            throw error
        }
    }

    /// Temporary files `.NAME.tmp-PID` of runs that are no longer alive (killed before their rename).
    private static func removeLeftovers(of name: String, in folder: String) {
        let marker = ".\(name).tmp-"
        for entry in FileSystem.names(in: folder) where entry.hasPrefix(marker) {
            guard let pid = Int32(entry.dropFirst(marker.count)) else { continue }
            if pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH) { unlink(folder + "/" + entry) }
        }
    }

    /// Removes the temporary file unless `commit()` succeeded.
    deinit {
        if !committed { unlink(temporary) }
        Self.interruption.withLock { _ = $0.inFlight.remove(temporary) }
    }

    /// Appends bytes. The corresponding C function is `write`.
    public func write(_ bytes: [UInt8]) throws(WriteError) { try file.write(bytes) }

    /// Flushes to disk and renames over the destination. The corresponding C functions are `fsync` and `rename`.
    public func commit() throws(WriteError) {
        try file.finish()
        FaultInjection.reached("atomic-file-written")
        // Under the lock, so an interrupt either sees the rename done or removes the temporary file first.
        let renamed = Self.interruption.withLock { state -> Int32 in
            if state.abandoned { return -1 }
            return rename(temporary, path) == 0 ? 0 : errno
        }
        guard renamed == 0 else {
            throw renamed == -1 ? WriteError(path: path, reason: "interrupted") : .system(path, code: renamed)
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
    /// (for SIGINT/SIGTERM/SIGHUP: the destination files keep their previous contents).
    public static func abandonAll() {
        interruption.withLock { state in
            state.abandoned = true
            for path in state.inFlight { unlink(path) }
        }
    }
}
