/// A shell-style pattern: `*` any run, `?` one character, everything else literal;
/// with `ignoreCase`, ASCII letters compare without case.
public struct GlobPattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let ignoreCase: Bool
    private let characters: [Character]

    /// The pattern's UTF-8 bytes (folded when `ignoreCase`), when it has no `?`: then matching
    /// bytes is the same as matching characters (`*` and literals never split a character).
    private let bytes: [UInt8]?

    public init(_ text: String, ignoreCase: Bool = false) {
        self.text = text; self.ignoreCase = ignoreCase
        characters = Array(ignoreCase ? Self.folded(text) : text)
        bytes = text.contains("?") ? nil : Array((ignoreCase ? Self.folded(text) : text).utf8)
    }

    /// Whether the UTF-8 `value` matches (the per-line form: no String is made unless the pattern has `?`).
    public func matches(utf8 value: UnsafeRawBufferPointer) -> Bool {
        guard let pattern = bytes else { return matches(String(decoding: value, as: UTF8.self)) }
        let star = UInt8(ascii: "*")
        var p = 0, i = 0, starP = -1, starI = 0
        while i < value.count {
            var b = value[i]
            if ignoreCase && (0x41...0x5A).contains(b) { b += 0x20 }
            if p < pattern.count && pattern[p] == b {
                p += 1; i += 1
            } else if p < pattern.count && pattern[p] == star {
                starP = p; starI = i; p += 1
            } else if starP >= 0 {
                p = starP + 1; starI += 1; i = starI
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == star { p += 1 }
        return p == pattern.count
    }

    public var description: String { text }

    /// Whether the text has a `*` or `?` (else it matches only itself).
    public var isLiteral: Bool { !text.contains("*") && !text.contains("?") }

    public func matches(_ value: String) -> Bool {
        guard bytes != nil else { return matchesCharacters(value) }
        // Bytes, as a line's value is matched: no array of characters (a policy lookup made one per condition).
        var value = value
        return value.withUTF8 { matches(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Character by character: patterns with `?`, and the reference the byte matcher is tested against.
    func matchesCharacters(_ value: String) -> Bool {
        let s = Array(ignoreCase ? Self.folded(value) : value)
        var p = 0, i = 0, starP = -1, starI = 0
        while i < s.count {
            if p < characters.count && (characters[p] == "?" || characters[p] == s[i]) {
                p += 1; i += 1
            } else if p < characters.count && characters[p] == "*" {
                starP = p; starI = i; p += 1
            } else if starP >= 0 {
                p = starP + 1; starI += 1; i = starI
            } else {
                return false
            }
        }
        while p < characters.count && characters[p] == "*" { p += 1 }
        return p == characters.count
    }

    /// ASCII letters in lower case, everything else as it is.
    static func folded(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
