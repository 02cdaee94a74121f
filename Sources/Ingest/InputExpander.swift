import Foundation
import SLACore

/// Turns the inputs named on the command line or in a pipeline file into an
/// ordered list of files: a file stays as given, a folder becomes its files
/// (recursively, sorted by path, hidden files skipped), a glob its sorted
/// matches. Names that lead nowhere become problems, not crashes.
public enum InputExpander {
    public static func expand(_ specs: [String]) -> (files: [String], problems: [Problem]) {
        var files: [String] = []
        var seen = Set<String>()
        var problems: [Problem] = []
        func add(_ path: String) {
            // A path named twice is read once; a copy under another name is
            // read again and its events are counted once as duplicates.
            if seen.insert(path).inserted { files.append(path) }
        }
        for spec in specs {
            if spec.contains(where: { "*?[".contains($0) }) {
                let matches = glob(spec)
                if matches.isEmpty {
                    problems.append(Problem(.unreadableInput, file: spec, reason: "the pattern matches no file"))
                }
                for match in matches { expandPath(match, into: add, problems: &problems) }
            } else {
                expandPath(spec, into: add, problems: &problems)
            }
        }
        return (files, problems)
    }

    private static func expandPath(_ path: String, into add: (String) -> Void, problems: inout [Problem]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            problems.append(Problem(.unreadableInput, file: path, reason: "no such file or folder"))
            return
        }
        guard isDirectory.boolValue else { add(path); return }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            problems.append(Problem(.unreadableInput, file: path, reason: "cannot list the folder"))
            return
        }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            let full = path.hasSuffix("/") ? path + relative : path + "/" + relative
            var childIsDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &childIsDirectory), !childIsDirectory.boolValue {
                found.append(full)
            }
        }
        if found.isEmpty { problems.append(Problem(.unreadableInput, file: path, reason: "the folder holds no files")) }
        for file in found.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) { add(file) }
    }

    /// Shell-style glob (`*`, `?`, `[…]`) via `glob(3)`, sorted.
    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
