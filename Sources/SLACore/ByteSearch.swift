#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte searches used on the hot path (`memchr`-based; `memmem`/`memrchr`
/// are GNU extensions that Swift's Glibc module does not export).
public enum ByteSearch {
    /// Whether `needle` occurs in `haystack`, scanning with `memchr` for
    /// `needle[anchor]` (pick a rare byte) and confirming in place (`ByteInterner.sameBytes`: literals
    /// are short, and a call to `memcmp` per candidate was 1.4 % of reading).
    @inlinable
    public static func contains(_ needle: UnsafeRawBufferPointer, anchor: Int, in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let n = needle.baseAddress, needle.count > 0 else { return true }
        guard let h = haystack.baseAddress, haystack.count >= needle.count else { return false }
        let target = Int32(needle[anchor])
        // The anchor byte can only sit at positions anchor ..< count - (needle.count - anchor - 1).
        var position = anchor
        let end = haystack.count - (needle.count - anchor - 1)
        while position < end {
            guard let hit = memchr(h + position, target, end - position) else { return false }
            let at = UnsafeRawPointer(hit) - h
            if ByteInterner.sameBytes(h + (at - anchor), n, count: needle.count) { return true }
            position = at + 1
        }
        return false
    }

    /// Index of the last `byte` in `haystack`, scanning backwards.
    @inlinable
    public static func lastIndex(of byte: UInt8, in haystack: UnsafeRawBufferPointer) -> Int? {
        var i = haystack.count - 1
        while i >= 0 {
            if haystack[i] == byte { return i }
            i -= 1
        }
        return nil
    }
}
