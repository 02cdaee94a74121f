import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns the inputs named on the command line or in a pipeline file into an
/// ordered list of files. Nothing is skipped silently:
///
/// - a name given explicitly is read whatever it is (a FIFO or `/dev/stdin`
///   too); `-` is standard input;
/// - a folder becomes its regular files, recursively, sorted by path bytes;
///   symbolic links are followed (a folder reached twice, e.g. through a link
///   loop, is read once); hidden entries (names starting with `.`) are not
///   read and are counted in one `skipped_input` note per folder;
/// - a folder entry that cannot be read is a problem naming the reason: a
///   folder that cannot be listed, a broken link, a FIFO, socket or device
///   (opening one could block the run forever), a name that is not UTF-8;
/// - a glob (`*`, `?`, `[…]`) becomes its sorted matches, each handled like
///   a folder entry; a glob matching nothing is a problem.
public enum InputExpander {
    public static func expand(_ specs: [String]) -> (files: [String], problems: [Problem]) {
        var walk = Walk()
        for spec in specs {
            if spec == standardInputName {
                walk.add(spec)
            } else if spec.contains(where: { "*?[".contains($0) }) {
                let matches = glob(spec)
                if matches.isEmpty {
                    walk.problems.append(Problem(.unreadableInput, file: spec, reason: "the pattern matches no file"))
                }
                for match in matches { walk.visit(match, explicit: false) }
            } else {
                walk.visit(spec, explicit: true)
            }
        }
        return (walk.files, walk.problems)
    }

    /// Shell-style glob (`*`, `?`, `[…]`) via `glob(3)`, sorted.
    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}

/// The state of one expansion: files in order, problems, folders already read.
private struct Walk {
    var files: [String] = []
    var problems: [Problem] = []
    private var seen = Set<String>()
    private var foldersRead = Set<FileIdentity>()

    struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// A path named twice is read once; a copy under another name is read
    /// again and its events are counted once as duplicates.
    mutating func add(_ path: String) {
        if seen.insert(path).inserted { files.append(path) }
    }

    /// A path given on the command line or matched by a glob.
    mutating func visit(_ path: String, explicit: Bool) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            let reason = code == ENOENT ? (isSymlink(path) ? "broken symbolic link" : "no such file or folder") : describe(code)
            problems.append(Problem(.unreadableInput, file: path, reason: reason))
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            var found: [String] = []
            collect(folder: path, info: info, into: &found)
            if found.isEmpty && !problems.contains(where: { $0.file.hasPrefix(path) }) {
                problems.append(Problem(.unreadableInput, file: path, reason: "the folder holds no files"))
            }
            for file in found.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) { add(file) }
        case S_IFREG:
            add(path)
        default:
            if explicit {
                add(path)  // named on purpose: a FIFO, /dev/stdin, a process substitution
            } else {
                problems.append(
                    Problem(.unreadableInput, file: path, reason: "\(Self.typeName(info.st_mode)), not a regular file: not read"))
            }
        }
    }

    /// Regular files under `folder`, recursively; problems for every entry not read.
    private mutating func collect(folder: String, info: stat, into found: inout [String]) {
        let identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        guard foldersRead.insert(identity).inserted else {
            problems.append(
                Problem(
                    .skippedInput, file: folder, reason: "folder already read under another path (a symbolic link or a loop): read once"))
            return
        }
        guard let directory = opendir(folder) else {
            problems.append(
                Problem(.unreadableInput, file: folder, reason: "cannot list the folder: \(describe(errno)): its files are not read"))
            return
        }
        var names: [[UInt8]] = []
        var hidden = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            if name.first == 0x2e { hidden += 1; continue }
            names.append(name)
        }
        closedir(directory)
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        if hidden > 0 {
            problems.append(
                Problem(
                    .skippedInput, file: folder,
                    reason: "\(hidden) hidden entr\(hidden == 1 ? "y" : "ies") (name starting with '.') not read"))
        }
        for name in names {
            guard let text = String(validating: name, as: UTF8.self) else {
                let shown = String(decoding: name, as: UTF8.self)
                problems.append(
                    Problem(.unreadableInput, file: prefix + shown, reason: "the file name is not valid UTF-8: not read (rename it)"))
                continue
            }
            let path = prefix + text
            var child = stat()
            guard stat(path, &child) == 0 else {
                let code = errno
                let reason =
                    code == ENOENT && isSymlink(path) ? "broken symbolic link: not read" : "cannot inspect: \(describe(code)): not read"
                problems.append(Problem(.unreadableInput, file: path, reason: reason))
                continue
            }
            switch child.st_mode & S_IFMT {
            case S_IFDIR: collect(folder: path, info: child, into: &found)
            case S_IFREG: found.append(path)
            default:
                problems.append(
                    Problem(.unreadableInput, file: path, reason: "\(Self.typeName(child.st_mode)), not a regular file: not read"))
            }
        }
    }

    private func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    private func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func typeName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        default: "not a file or folder"
        }
    }
}
