import CPCRE2

/// Why a pattern did not compile: PCRE2's message and the byte offset in the pattern.
public struct RegexError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at offset \(offset)" }
}

/// A compiled, JIT-compiled PCRE2 pattern matched against raw bytes.
///
/// Owns a `pcre2_code`, freed in `deinit`. Immutable after `init`, so one
/// instance is shared by all worker threads (PCRE2 documents compiled code
/// as thread-safe for matching); each thread brings its own `MatchScratch`.
public final class Regex: @unchecked Sendable {
    public let pattern: String
    /// Named groups and their numbers.
    public let groupNumbers: [String: Int]
    /// Whether JIT compilation succeeded (it may not on some CPUs).
    public let isJITCompiled: Bool
    fileprivate let code: OpaquePointer

    /// Compiles `pattern` and JIT-compiles it.
    /// The corresponding C functions are `pcre2_compile` and `pcre2_jit_compile`.
    public init(_ pattern: String) throws(RegexError) {
        self.pattern = pattern
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = pattern.utf8CString.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: buffer.count) {
                pcre2_compile_8($0, buffer.count - 1, 0, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else {
            throw RegexError(message: Regex.message(for: errorCode), offset: errorOffset)
        }
        code = compiled
        isJITCompiled = pcre2_jit_compile_8(compiled, PCRE2_JIT_COMPLETE) == 0
        groupNumbers = Regex.readNameTable(compiled)
    }

    deinit { pcre2_code_free_8(code) }

    /// PCRE2's text for an error code. The corresponding C function is `pcre2_get_error_message`.
    static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[..<Int(n)], as: UTF8.self) : "PCRE2 error \(code)"
    }

    private static func readNameTable(_ code: OpaquePointer) -> [String: Int] {
        var count: UInt32 = 0, entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard let table else { return [:] }
        var names: [String: Int] = [:]
        for i in 0..<Int(count) {
            // Each entry: group number (2 bytes, big-endian), then the NUL-terminated name.
            let entry = table + i * Int(entrySize)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            names[String(cString: entry + 2)] = number
        }
        return names
    }

    /// Matches `subject` (raw bytes, no UTF check). Capture offsets land in `scratch`.
    /// The corresponding C functions are `pcre2_jit_match` / `pcre2_match`.
    @inlinable
    public func matches(_ subject: UnsafeRawBufferPointer, scratch: MatchScratch) -> MatchOutcome {
        let status = scratch.run(self, subject)
        if status > 0 { return .matched }
        return MatchOutcome(status: status)
    }

    @usableFromInline
    func runMatch(_ subject: UnsafeRawBufferPointer, _ data: OpaquePointer, _ context: OpaquePointer) -> Int32 {
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        if isJITCompiled {
            return pcre2_jit_match_8(code, base, subject.count, 0, 0, data, context)
        }
        return pcre2_match_8(code, base, subject.count, 0, 0, data, context)
    }
}

/// The result of one match attempt.
public enum MatchOutcome: Equatable, Sendable {
    case matched
    case noMatch
    /// The match or depth limit was hit (a pattern that backtracks too much on this line).
    case limitExceeded(String)
    case failed(String)

    @usableFromInline
    init(status: Int32) {
        switch status {
        case PCRE2_ERROR_NOMATCH: self = .noMatch
        case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_JIT_STACKLIMIT:
            self = .limitExceeded(Regex.message(for: status))
        default: self = .failed(Regex.message(for: status))
        }
    }
}

/// Per-thread match state: `pcre2_match_data`, a match context with the
/// match/depth limits, and a JIT stack. Never shared between threads.
public final class MatchScratch {
    private let data: OpaquePointer
    private let context: OpaquePointer
    private let jitStack: OpaquePointer?
    private var ovector: UnsafeMutablePointer<Int>

    /// - Parameters:
    ///   - matchLimit: PCRE2 match limit (backtracking steps) per line.
    ///   - depthLimit: PCRE2 depth limit (backtracking depth) per line.
    /// The corresponding C functions are `pcre2_match_data_create`,
    /// `pcre2_match_context_create`, `pcre2_set_match_limit`, `pcre2_set_depth_limit`.
    public init(maxGroups: Int = 32, matchLimit: UInt32 = 1_000_000, depthLimit: UInt32 = 10_000) {
        data = pcre2_match_data_create_8(UInt32(maxGroups + 1), nil)
        context = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(context, matchLimit)
        pcre2_set_depth_limit_8(context, depthLimit)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, 1024 * 1024, nil)
        pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack))
        ovector = pcre2_get_ovector_pointer_8(data)
    }

    deinit {
        pcre2_match_data_free_8(data)
        pcre2_match_context_free_8(context)
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
    }

    @usableFromInline
    func run(_ regex: Regex, _ subject: UnsafeRawBufferPointer) -> Int32 {
        regex.runMatch(subject, data, context)
    }

    /// Byte range of capture group `number` in the last matched subject, or nil if unset.
    @inlinable
    public func range(ofGroup number: Int) -> Range<Int>? {
        let start = groupOffset(2 * number)
        guard start != Int.max else { return nil }
        return start..<groupOffset(2 * number + 1)
    }

    @usableFromInline
    func groupOffset(_ index: Int) -> Int {
        let value = ovector[index]
        return value == -1 ? Int.max : value  // PCRE2_UNSET is ~(size_t)0
    }
}
