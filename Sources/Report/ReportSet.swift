import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// All the reports of one run, made visible together or not at all.
///
/// Layout of an output folder `DIR` (nothing else in it is touched):
///
///     DIR/summary.csv  → .slalog/current/summary.csv   (a symbolic link per report, made once)
///     DIR/.slalog/current → gen-20261125T021500.123Z-4242  (switched by one rename)
///     DIR/.slalog/gen-…/summary.csv, tickets.csv, …     (the files, complete and fsynced)
///     DIR/.slalog/lock                                   (flock; holds the writer's pid)
///
/// A run writes every report into a fresh staging folder, syncs it, renames
/// it to a generation folder and then replaces the `current` link with one
/// `rename(2)`: a reader opening `DIR/summary.csv` gets the old set or the
/// new one, never a mix, and a run that dies at any point leaves the
/// previous set as it was. The previous generation is kept for readers that
/// are still reading it; older ones, and staging folders of killed runs, are
/// removed by the next run (which holds the lock, so they cannot be in use).
public final class ReportSet {
    public let directory: String
    public let names: [String]
    /// The generation's name, also recorded in run.json.
    public let generation: String
    private let control: String
    private let staging: String
    private let lock: FolderLock
    private var committed = false

    /// Validates and locks `directory` (created if missing) and starts a staging folder.
    /// Fails before any input is read: an output folder that cannot work is found at once.
    public init(directory: String, names: [String], lockTimeout: Double) throws(ReportSetError) {
        guard !directory.isEmpty else { throw .unusable(directory, "the output folder name is empty") }
        self.directory = directory
        self.names = names
        control = directory + "/.slalog"
        do throws(WriteError) {
            try FileSystem.createFolder(control)
        } catch {
            throw .unusable(directory, error.path == directory ? "it \(error.reason)" : "\(error.path) \(error.reason)")
        }
        lock = try FolderLock(path: control + "/lock", folder: directory, timeout: lockTimeout)
        generation = Self.generationName()
        staging = control + "/tmp-" + generation
        Self.removeLeftovers(control: control, directory: directory, names: names)
        for name in names {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFLNK where FileSystem.linkTarget(path) == Self.linkTarget(name): continue
            case S_IFREG: continue  // a report of an earlier slalog: becomes a link (see `commit`)
            default: throw .unusable(directory, "\(path) is in the way (not a report file slalog wrote); move it away")
            }
        }
        guard mkdir(staging, 0o755) == 0 else {
            throw .unusable(directory, "cannot create \(staging): \(String(cString: strerror(errno)))")
        }
        guard Self.register(staging) else {
            FileSystem.removeTree(staging)
            throw .interrupted
        }
    }

    /// Removes the staging folder unless the set was committed.
    deinit {
        if !committed { FileSystem.removeTree(staging) }
        Self.unregister(staging)
    }

    /// Starts writing report `name` (one of `names`).
    public func create(_ name: String) throws(WriteError) -> OutputFile {
        precondition(names.contains(name), "\(name) is not a report of this set")
        return try OutputFile(creating: staging + "/" + name)
    }

    /// Writes a whole report.
    public func write(_ bytes: [UInt8], to name: String) throws(WriteError) {
        let file = try create(name)
        try file.write(bytes)
        try file.finish()
    }

    /// Makes the set visible: every report must have been written and finished.
    /// After the switch, failures only leave cleanup for the next run.
    public func commit() throws(WriteError) {
        for name in names where access(staging + "/" + name, F_OK) != 0 {
            throw WriteError(path: staging + "/" + name, reason: "report was not written")
        }
        try FileSystem.syncFolder(staging)
        FaultInjection.reached("staged")
        let folder = control + "/gen-" + generation
        try FileSystem.rename(staging, folder)
        try adoptEarlierReports()
        FaultInjection.reached("before-switch")
        let link = control + "/current.tmp-\(getpid())"
        unlink(link)
        guard symlink("gen-" + generation, link) == 0 else { throw .system(link) }
        // The switch: under the interruption lock, so a signal either comes before it (set discarded) or after it.
        let switched = Self.interruption.withLock { state -> Int32 in
            if state.abandoned { return -1 }
            if Glibc.rename(link, control + "/current") != 0 { return errno }
            state.switched = true
            return 0
        }
        committed = switched == 0
        guard switched == 0 else {
            unlink(link)
            FileSystem.removeTree(folder)
            throw switched == -1 ? WriteError(path: directory, reason: "interrupted") : .system(control + "/current", code: switched)
        }
        FaultInjection.reached("switched")
        try FileSystem.syncFolder(control)
        try linkReports()
        FaultInjection.reached("linked")
        removeOldGenerations(keeping: ["gen-" + generation, previousGeneration ?? ""])
    }

    /// The generation that `current` named before this run's switch.
    private var previousGeneration: String?

    /// Reports written by an earlier slalog as plain files become a generation
    /// of their own (hard links, no copy) before the first switch, so that
    /// replacing them by links never shows a mix of old and new files.
    private func adoptEarlierReports() throws(WriteError) {
        previousGeneration = FileSystem.linkTarget(control + "/current")
        let plain = names.filter { name in
            var info = stat()
            return lstat(directory + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
        guard !plain.isEmpty else { return }
        if previousGeneration == nil {
            let adopted = control + "/gen-earlier-\(getpid())"
            FileSystem.removeTree(adopted)
            guard mkdir(adopted, 0o755) == 0 else { throw .system(adopted) }
            for name in plain where link(directory + "/" + name, adopted + "/" + name) != 0 {
                throw .system(adopted + "/" + name, "cannot link the earlier report: ")
            }
            let link = control + "/current.tmp-\(getpid())"
            unlink(link)
            guard symlink("gen-earlier-\(getpid())", link) == 0 else { throw .system(link) }
            try FileSystem.rename(link, control + "/current")
            previousGeneration = "gen-earlier-\(getpid())"
        }
        try linkReports(only: plain)
    }

    /// Each report name in the folder is a link into `current` (made once; a plain file is replaced by a link).
    private func linkReports(only subset: [String]? = nil) throws(WriteError) {
        var changed = false
        for name in subset ?? names {
            let path = directory + "/" + name
            if FileSystem.linkTarget(path) == Self.linkTarget(name) { continue }
            let temporary = directory + "/.\(name).link-\(getpid())"
            unlink(temporary)
            guard symlink(Self.linkTarget(name), temporary) == 0 else { throw .system(temporary) }
            try FileSystem.rename(temporary, path)
            changed = true
        }
        if changed { try FileSystem.syncFolder(directory) }
    }

    private func removeOldGenerations(keeping kept: [String]) {
        for name in FileSystem.names(in: control) where name.hasPrefix("gen-") && !kept.contains(name) {
            FileSystem.removeTree(control + "/" + name)
        }
    }

    static func linkTarget(_ name: String) -> String { ".slalog/current/" + name }

    /// Staging folders and link temporaries of killed runs, and the
    /// `.NAME.tmp-PID` files of earlier slalog versions (only for this set's names).
    private static func removeLeftovers(control: String, directory: String, names: [String]) {
        for name in FileSystem.names(in: control) where name.hasPrefix("tmp-") || name.hasPrefix("current.tmp-") {
            FileSystem.removeTree(control + "/" + name)
        }
        for entry in FileSystem.names(in: directory) {
            for name in names {
                for marker in [".\(name).tmp-", ".\(name).link-"] where entry.hasPrefix(marker) {
                    let pid = entry.dropFirst(marker.count)
                    if !pid.isEmpty, pid.allSatisfy(\.isNumber) { unlink(directory + "/" + entry) }
                }
            }
        }
    }

    /// `20261125T021500.123Z-4242`: sortable, unique per run.
    private static func generationName() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let instant = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
        let iso = instantText(instant)
        return iso + "-\(getpid())"
    }

    private static func instantText(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = Int(milliseconds % 1000)
        return
            "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))."
            + String(repeating: "0", count: ms < 10 ? 2 : ms < 100 ? 1 : 0) + "\(ms)Z"
    }

    // MARK: interruption

    private struct Interruption {
        var inFlight: Set<String> = []
        var abandoned = false
        var switched = false
    }

    private static let interruption = Locked(Interruption())

    private static func register(_ staging: String) -> Bool {
        interruption.withLock { state in
            if state.abandoned { return false }
            state.inFlight.insert(staging)
            return true
        }
    }

    private static func unregister(_ staging: String) { interruption.withLock { _ = $0.inFlight.remove(staging) } }

    /// For SIGINT/SIGTERM/SIGHUP: removes every staging folder and refuses new
    /// switches. Returns true when no set had been switched (the previous
    /// reports are untouched), false when this run's set was already in place.
    public static func abandonAll() -> Bool {
        interruption.withLock { state in
            state.abandoned = true
            for path in state.inFlight { FileSystem.removeTree(path) }
            return !state.switched
        }
    }
}

/// Why an output folder cannot take a run's reports (nothing was written).
public enum ReportSetError: Error, Sendable, CustomStringConvertible {
    case unusable(String, String)
    case locked(folder: String, holder: String, waited: Double)
    case interrupted

    public var description: String {
        switch self {
        case let .unusable(folder, reason): "cannot use the output folder \(folder.isEmpty ? "''" : folder): \(reason)"
        case let .locked(folder, holder, waited):
            "another slalog run (\(holder)) is writing to \(folder); gave up after waiting \(Int(waited)) s (--lock-timeout)"
        case .interrupted: "interrupted"
        }
    }
}

/// An exclusive `flock(2)` on a file in the output folder, held until `deinit`
/// (the kernel releases it when the process dies, so a killed run never leaves
/// a stale lock). The holder's pid is written into the file for the message
/// a waiting run prints.
final class FolderLock {
    private let descriptor: Int32

    init(path: String, folder: String, timeout: Double) throws(ReportSetError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .unusable(folder, "cannot open \(path): \(String(cString: strerror(errno)))") }
        var waited = 0.0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw .unusable(folder, "cannot lock \(path): \(reason)")
            }
            if waited >= timeout {
                let holder = Self.holder(descriptor)
                close(descriptor)
                throw .locked(folder: folder, holder: holder, waited: timeout)
            }
            usleep(100_000)
            waited += 0.1
        }
        let pid = Array("\(getpid())\n".utf8)
        ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(descriptor) }

    private static func holder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        let digits = buffer.prefix(max(0, n)).prefix { $0 >= 0x30 && $0 <= 0x39 }
        return digits.isEmpty ? "pid unknown" : "pid \(String(decoding: digits, as: UTF8.self))"
    }
}
