import Yams

/// A YAML node with the key path that led to it, so that every error can
/// name `file:line:column` and `rules[1].pattern`.
struct YAMLNode {
    let node: Node
    let path: String
    let file: String

    /// Parses `text`; rejects oversized documents and alias bombs before walking them.
    static func parse(_ text: String, file: String) throws(PipelineError) -> YAMLNode {
        guard text.utf8.count <= 1 << 20 else {
            throw PipelineError(
                file: file, path: "", message: "pipeline file is larger than 1 MiB",
                hint: "a pipeline definition is a few hundred lines; is this the right file?")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
                let .composer(context, problem, mark, _):
                let detail = context.map { "\(problem) (\($0.text))" } ?? problem
                throw PipelineError(file: file, line: mark.line, column: mark.column, path: "", message: "YAML syntax: \(detail)")
            case let .duplicatedKeysInMapping(duplicates, context):
                let key = duplicates.first ?? "?"
                let again = Self.repeatedKeyLine(key, in: text, after: context.mark)
                throw PipelineError(
                    file: file, line: again ?? context.mark.line, column: again == nil ? context.mark.column : nil, path: "",
                    message:
                        "key '\(key)' appears twice in one mapping (first at line \(context.mark.line), column \(context.mark.column))",
                    hint: "remove or rename one of them; YAML keeps only one value per key")
            case let .reader(problem, offset, _, _):
                throw PipelineError(file: file, path: "", message: "YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
            default:
                throw PipelineError(file: file, path: "", message: "YAML: \(error)")
            }
        } catch {
            throw PipelineError(file: file, path: "", message: "YAML syntax: \(error)")
        }
        guard let root else { throw PipelineError(file: file, path: "", message: "the pipeline file is empty") }
        // A 1 MiB document without aliases has at most ~0.5 M nodes (two bytes each, `[a,a,…]`),
        // so only aliases that repeat anchors (an "alias bomb") can exceed the budget.
        var budget = Self.expandedNodeBudget
        guard Self.fits(root, budget: &budget) else {
            throw PipelineError(
                file: file, path: "",
                message: "the document expands to more than \(Self.expandedNodeBudget) nodes once its aliases are expanded",
                hint: "YAML aliases (*name) that repeat anchors many times (an \"alias bomb\") are not accepted")
        }
        return YAMLNode(node: root, path: "", file: file)
    }

    static let expandedNodeBudget = 2_000_000

    /// The line (1-based) where `key:` appears again after its first occurrence at `first`.
    static func repeatedKeyLine(_ key: String, in text: String, after first: Mark) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        for number in (first.line + 1)...max(first.line + 1, lines.count) where number <= lines.count {
            let line = lines[number - 1].drop { $0 == " " || $0 == "-" }
            if line.hasPrefix(key), line.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix(":") { return number }
        }
        return nil
    }

    /// Counts nodes as if aliases were expanded, stopping at the budget.
    private static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        if budget < 0 { return false }
        switch node {
        case .scalar, .alias: return true
        case let .mapping(mapping):
            for (key, value) in mapping where !fits(key, budget: &budget) || !fits(value, budget: &budget) { return false }
            return true
        case let .sequence(sequence):
            for item in sequence where !fits(item, budget: &budget) { return false }
            return true
        }
    }

    func error(_ message: String, hint: String? = nil) -> PipelineError {
        PipelineError(file: file, line: node.mark?.line, column: node.mark?.column, path: path, message: message, hint: hint)
    }

    /// The scalar text, or an error naming what was expected.
    func string(_ what: String = "a text value") throws(PipelineError) -> String {
        guard case let .scalar(scalar) = node else { throw error("expected \(what), found \(kindName)") }
        return scalar.string
    }

    func list() throws(PipelineError) -> [YAMLNode] {
        guard case let .sequence(sequence) = node else { throw error("expected a list, found \(kindName)") }
        return sequence.enumerated().map { YAMLNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    /// A scalar or a list of scalars, as a list of strings.
    func strings() throws(PipelineError) -> [String] {
        if case .scalar = node { return [try string()] }
        var result: [String] = []
        for item in try list() { result.append(try item.string()) }
        return result
    }

    /// Mapping entries in file order.
    func entries() throws(PipelineError) -> [(key: String, value: YAMLNode)] {
        try keyedEntries().map { ($0.key, $0.value) }
    }

    /// Mapping entries with the key's own node (for errors that point at the key).
    func keyedEntries() throws(PipelineError) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
        guard case let .mapping(mapping) = node else { throw error("expected a mapping (key: value), found \(kindName)") }
        var result: [(String, YAMLNode, YAMLNode)] = []
        for (key, value) in mapping {
            guard case let .scalar(scalar) = key else {
                throw YAMLNode(node: key, path: path, file: file).error("keys must be plain text")
            }
            let childPath = path.isEmpty ? scalar.string : "\(path).\(scalar.string)"
            result.append(
                (scalar.string, YAMLNode(node: key, path: childPath, file: file), YAMLNode(node: value, path: childPath, file: file)))
        }
        return result
    }

    /// A mapping whose keys must all be in `allowed`; returns key → node.
    func fields(_ allowed: [String]) throws(PipelineError) -> [String: YAMLNode] {
        var result: [String: YAMLNode] = [:]
        for (key, keyNode, value) in try keyedEntries() {
            guard allowed.contains(key) else {
                throw keyNode.error(
                    "unknown key '\(key)'", hint: "allowed here: \(allowed.joined(separator: ", "))" + Self.suggestion(key, allowed))
            }
            guard result[key] == nil else { throw keyNode.error("key '\(key)' appears twice") }
            result[key] = value
        }
        return result
    }

    func required(_ fields: [String: YAMLNode], _ key: String) throws(PipelineError) -> YAMLNode {
        guard let value = fields[key] else { throw error("missing required key '\(key)'") }
        return value
    }

    var kindName: String {
        switch node {
        case .scalar: "a text value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// "; did you mean 'x'?" for a near miss (edit distance ≤ 2).
    static func suggestion(_ word: String, _ candidates: [String]) -> String {
        let best = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return "" }
        return "; did you mean '\(best.0)'?"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
