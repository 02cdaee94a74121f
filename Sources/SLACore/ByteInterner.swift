import CPrefetch

/// Interns byte strings (captured fields) without making a `String` per
/// lookup: an open-addressing table keyed by a multiply-xorshift hash of the bytes,
/// with the bytes kept in one arena. Ids are dense from 1; 0 is "absent".
///
/// Not thread-safe: each worker has its own, the merger has the run's.
public struct ByteInterner: Sendable {
    /// All interned bytes, back to back; entry `i` is `arena[offsets[i] ..< offsets[i + 1]]`.
    public private(set) var arena: [UInt8] = []
    public private(set) var offsets: [Int] = [0, 0]  // id 0: the empty string
    /// 0 = empty, else an id. The run's table keeps no hash per entry (8 bytes each, for millions of
    /// ticket ids): a probe compares lengths and bytes, and growing the table hashes the arena again.
    private var slots: [UInt32]
    /// Each entry's hash, by id (`keepsHashes`: a chunk's table, which is small and short-lived): its
    /// growth places entries by them, and the run's table interning the chunk's takes them instead of
    /// hashing every string again (on the merging thread, which reading waits for).
    private var hashes: [UInt64] = []
    private let keepsHashes: Bool

    public init(capacity: Int = 1024, keepsHashes: Bool = false) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt32](repeating: 0, count: size)
        self.keepsHashes = keepsHashes
        if keepsHashes {
            hashes.reserveCapacity(capacity + 1)
            hashes.append(0)  // id 0
        }
    }

    /// Number of ids, including 0.
    public var count: Int { offsets.count - 1 }

    /// The id of `bytes`, adding it if new. Empty bytes are id 0.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Symbol {
        intern(bytes, hash: Self.hash(bytes))
    }

    /// Interns every string of `other` in id order, as `intern` would one by one, and returns the
    /// id each got here (`map[0]` is 0).
    public mutating func intern(contentsOf other: ByteInterner) -> [Symbol] {
        let n = other.count
        var map = [Symbol](repeating: .none, count: max(n, 1))
        guard n > 1 else { return map }
        other.arena.withUnsafeBytes { otherArena in
            map.withUnsafeMutableBufferPointer { map in
                let string = { (i: Int) in UnsafeRawBufferPointer(rebasing: otherArena[other.offsets[i]..<other.offsets[i + 1]]) }
                if other.hashes.count == n {
                    // A chunk's table keeps its strings' hashes: taken, not computed again.
                    intern(1..<n, hashes: other.hashes, string) { map[$0] = $1 }
                } else {
                    intern(count: n - 1, strings: { string($0 + 1) }) { map[$0 + 1] = $1 }
                }
            }
        }
        return map
    }

    /// Interns the strings `strings(i)` for `i` in `range`, in order, as `intern` would one by one, and
    /// passes each one's id to `into` (a store's string table: `strings` are back to back in a block
    /// of it). Lengths and bytes are read as the caller gives them; nothing is kept of `strings`.
    public mutating func intern(
        count: Int, strings: (Int) -> UnsafeRawBufferPointer, into: (Int, Symbol) -> Void
    ) {
        guard count > 0 else { return }
        let hashes = (0..<count).map { Self.hash(strings($0)) }
        intern(0..<count, hashes: hashes, strings, into: into)
    }

    /// The interning loop of many strings with their hashes. A run's table is larger than the caches,
    /// so each lookup would wait on memory two or three times (slot, offsets, bytes): the lookups a
    /// few strings ahead have those fetched in advance, in stages, so the waits overlap.
    private mutating func intern(
        _ range: Range<Int>, hashes: [UInt64], _ strings: (Int) -> UnsafeRawBufferPointer, into: (Int, Symbol) -> Void
    ) {
        // Stage distances: the slot 12 ahead, the offsets of its entry 8 ahead, that entry's bytes 4 ahead.
        let slotAhead = 12, offsetsAhead = 8, bytesAhead = 4
        let end = range.upperBound
        for i in range {
            slots.withUnsafeBufferPointer { slots in
                let mask = slots.count - 1
                if i + slotAhead < end { slalog_prefetch(slots.baseAddress! + (Int(truncatingIfNeeded: hashes[i + slotAhead]) & mask)) }
                if i + offsetsAhead < end {
                    let id = Int(slots[Int(truncatingIfNeeded: hashes[i + offsetsAhead]) & mask])
                    if id != 0 { offsets.withUnsafeBufferPointer { slalog_prefetch($0.baseAddress! + id) } }
                }
                if i + bytesAhead < end {
                    let id = Int(slots[Int(truncatingIfNeeded: hashes[i + bytesAhead]) & mask])
                    if id != 0 { arena.withUnsafeBytes { slalog_prefetch($0.baseAddress! + offsets[id]) } }
                }
            }
            into(i, intern(strings(i), hash: hashes[i]))
        }
    }

    private mutating func intern(_ bytes: UnsafeRawBufferPointer, hash: UInt64) -> Symbol {
        if bytes.isEmpty { return .none }
        let (found, index) = probe(bytes, hash: hash)
        if let found { return found }
        let id = UInt32(count)
        arena.append(contentsOf: bytes)
        offsets.append(arena.count)
        if keepsHashes { hashes.append(hash) }
        slots[index] = id
        if count * 2 > slots.count { grow() }
        return Symbol(rawValue: id)
    }

    /// The id of `string` if it was interned.
    public func lookup(_ string: String) -> Symbol? {
        if string.isEmpty { return Symbol.none }
        var string = string
        return string.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            return probe(bytes, hash: Self.hash(bytes)).found
        }
    }

    /// The id of `bytes` if present, and the slot where the search ended (where a new entry goes).
    private func probe(_ bytes: UnsafeRawBufferPointer, hash: UInt64) -> (found: Symbol?, slot: Int) {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let id = slots[index]
                if id == 0 { return (nil, index) }
                if equals(Int(id), bytes) { return (Symbol(rawValue: id), index) }
                index = (index + 1) & mask
            }
        }
    }

    public mutating func intern(_ string: String) -> Symbol {
        var string = string
        return string.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with the bytes of `symbol`.
    public func withBytes<R>(_ symbol: Symbol, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let i = Int(symbol.rawValue)
        return arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offsets[i]..<offsets[i + 1]])) }
    }

    /// The text of `symbol`; invalid UTF-8 becomes U+FFFD.
    public func string(_ symbol: Symbol) -> String {
        withBytes(symbol) { String(decoding: $0, as: UTF8.self) }
    }

    private func equals(_ id: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let start = offsets[id], end = offsets[id + 1]
        guard end - start == bytes.count else { return false }
        return arena.withUnsafeBytes { arenaBytes in
            Self.sameBytes(arenaBytes.baseAddress! + start, bytes.baseAddress!, count: bytes.count)
        }
    }

    /// Whether `count` bytes at `a` and `b` are equal. Most keys (ids, names) are at most 16 bytes:
    /// two overlapping word loads compare them without a call to memcmp (never reading past either end).
    @inlinable @inline(__always)
    public static func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        switch count {
        case 8...16:
            return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                    == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        case 0..<4:
            for i in 0..<count where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            return true
        default:
            return memcmp(a, b, count) == 0
        }
    }

    /// Makes room for `more` strings of `bytes` bytes in all, at once (a store's string table is loaded
    /// in one go): no doubling slack in the arrays, and the table rehashed once, not at every doubling.
    public mutating func reserve(_ more: Int, bytes: Int) {
        arena.reserveCapacity(arena.count + bytes)
        offsets.reserveCapacity(offsets.count + more)
        var size = slots.count
        while (count + more) * 2 > size { size <<= 1 }
        if size > slots.count { grow(to: size) }
    }

    private mutating func grow() { grow(to: slots.count * 2) }

    private mutating func grow(to size: Int) {
        var bigger = [UInt32](repeating: 0, count: size)
        let mask = bigger.count - 1
        let known = hashes.count == count
        arena.withUnsafeBytes { arena in
            for id in 1..<count {
                let hash = known ? hashes[id] : Self.hash(UnsafeRawBufferPointer(rebasing: arena[offsets[id]..<offsets[id + 1]]))
                var index = Int(truncatingIfNeeded: hash) & mask
                while bigger[index] != 0 { index = (index + 1) & mask }
                bigger[index] = UInt32(id)
            }
        }
        slots = bigger
    }

    /// A multiply-xorshift hash over 8-byte words, then the tail: a few instructions per word for the
    /// short keys of logs (ids, names). The tail is read in one or two loads, never byte by byte: after
    /// a whole word, the last eight bytes shifted down to the new ones; in a key of 4-7 bytes, its
    /// first and last four (they overlap; with the length in the seed, different keys stay different
    /// inputs). Only this process's tables use it: nothing stored depends on its values.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        var i = 0
        while i + 8 <= count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        let rest = count - i
        if rest > 0 {
            if count >= 8 {
                tail = bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) >> UInt64(8 * (8 - rest))
            } else if count >= 4 {
                tail =
                    UInt64(bytes.loadUnaligned(as: UInt32.self)) | UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
                    << 32
            } else {
                for j in 0..<count { tail |= UInt64(bytes[j]) << UInt64(8 * j) }
            }
        }
        // The high half is folded down before the last multiply: a multiply carries bits up only, and
        // the slot is taken from the low bits (a tail's last bytes sit in the high half; without the
        // fold, ids differing in their last digits shared slots: 17 % more instructions a run).
        h ^= tail
        h = (h ^ (h >> 32)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The texts of a run's symbols, each made when asked for from the interner's bytes: a `String` kept
/// per symbol would, for millions of ticket ids, hold every text a second time.
public struct SymbolTexts: Sendable {
    private let interner: ByteInterner

    public init(_ interner: ByteInterner) { self.interner = interner }

    /// Number of symbols, including 0 (the empty text).
    public var count: Int { interner.count }

    public subscript(index: Int) -> String { interner.string(Symbol(rawValue: UInt32(index))) }
}
