import Normalize

/// Warnings about rules that are legal but risky or slow (`slalog check`).
public enum PatternLint {
    public static func warnings(_ definition: PipelineDefinition) -> [String] {
        definition.rules.filter { !$0.isStructured }.flatMap { rule -> [String] in
            var found: [String] = []
            let pattern = rule.regex.pattern
            if !(pattern.hasPrefix("^") || pattern.hasPrefix("\\A")) {
                found.append("rule \(rule.name): the pattern is not anchored with ^; unanchored patterns retry at every byte of every line")
            }
            if hasNestedQuantifier(pattern) {
                found.append(
                    "rule \(rule.name): a quantified group contains a quantifier, e.g. (a+)+; this can backtrack catastrophically (lines that hit the limit are rejected)"
                )
            }
            if rule.prefilter.isEmpty {
                found.append(
                    "rule \(rule.name): no contains: literal; every line is handed to PCRE2 (add a literal that all its lines hold, for speed)"
                )
            }
            if !rule.regex.isJITCompiled {
                found.append("rule \(rule.name): PCRE2 JIT is not available; matching will be slower")
            }
            return found
        }
    }

    /// A group whose body has `+` or `*` and which is itself followed by `+`, `*` or `{`.
    static func hasNestedQuantifier(_ pattern: String) -> Bool {
        var stack: [Bool] = []  // per open group: does its body hold a quantifier?
        let characters = Array(pattern)
        var i = 0
        while i < characters.count {
            let c = characters[i]
            switch c {
            case "\\": i += 1
            case "(": stack.append(false)
            case ")":
                let inner = stack.popLast() ?? false
                if inner, i + 1 < characters.count, "+*{".contains(characters[i + 1]) { return true }
                if inner, !stack.isEmpty { stack[stack.count - 1] = true }
            case "+", "*":
                if !stack.isEmpty { stack[stack.count - 1] = true }
            default: break
            }
            i += 1
        }
        return false
    }
}
