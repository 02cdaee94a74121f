import Testing

@testable import SLACore

@Suite struct ByteSearchTests {
    /// The reference: a plain substring search, independent of ByteSearch.
    func contains(_ needle: String, _ haystack: String) -> Bool {
        let n = Array(needle.utf8), h = Array(haystack.utf8)
        if n.isEmpty { return true }
        guard h.count >= n.count else { return false }
        return (0...(h.count - n.count)).contains { Array(h[$0..<($0 + n.count)]) == n }
    }

    @Test func anchoredSearchAgreesWithPlainSearchForEveryAnchor() {
        // Near misses in the first, middle and last byte of 2-20 byte needles (each compare width).
        let haystacks = [
            "x event=status ticket", "event=", "aevent=", "desk[311] chat#C1 <visitor>", "", "ev", "[[[[", "a[b[c[d",
            "status tickez", "ztatus ticket", "status_ticket", "<visitoR> <visitor", "a literal of twenty-one", "a literal of twenty-onE",
        ]
        let needles = ["event=", "desk[", "<visitor>", "[", "[c", "x", "status ticket", "e", "a literal of twenty-one", "eve", "desk"]
        for h in haystacks {
            for n in needles {
                let expected = contains(n, h)
                for anchor in 0..<n.utf8.count {
                    let found = Array(n.utf8).withUnsafeBytes { nb in
                        Array(h.utf8).withUnsafeBytes { ByteSearch.contains(nb, anchor: anchor, in: $0) }
                    }
                    #expect(found == expected, "'\(n)' in '\(h)' anchored at \(anchor)")
                }
            }
        }
    }

    @Test func lastIndexScansBackwards() {
        let bytes: [UInt8] = Array("a\nb\nc".utf8)
        #expect(bytes.withUnsafeBytes { ByteSearch.lastIndex(of: 0x0a, in: $0) } == 3)
        #expect([UInt8]().withUnsafeBytes { ByteSearch.lastIndex(of: 0x0a, in: $0) } == nil)
    }
}

@Suite struct ByteInternerTests {
    @Test func internsAgreeWithADictionaryAcrossGrowthAndReset() {
        var interner = ByteInterner(capacity: 4)
        var reference: [String: Symbol] = [:]
        var rng = SystemRandomNumberGenerator()
        for round in 0..<2 {
            for _ in 0..<5000 {
                let key = "k\(Int.random(in: 0..<1500, using: &rng))"
                let symbol = interner.intern(key)
                if let known = reference[key] { #expect(symbol == known) } else { reference[key] = symbol }
                #expect(interner.string(symbol) == key)
            }
            #expect(interner.count == reference.count + 1)
            if round == 0 { interner = ByteInterner(capacity: 4); reference = [:] }
        }
        #expect(interner.intern("") == .none)
        #expect(interner.lookup("k1") == reference["k1"])
        #expect(interner.lookup("never interned") == nil)
    }

    /// The hash reads a key's tail in one or two loads: every byte must still count. Keys of every
    /// length 0-24 that differ in one byte (each position), and 200,000 ticket-like ids, all hash apart.
    @Test func hashesCountEveryByteOfTheTail() {
        var hashes = Set<UInt64>(), keys = 0
        for count in 0...24 {
            let base = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 7) }
            for position in -1..<count {
                var key = base
                if position >= 0 { key[position] ^= 0x01 }
                hashes.insert(key.withUnsafeBytes { ByteInterner.hash($0) })
                keys += 1
            }
        }
        for n in 0..<200_000 {
            hashes.insert(Array("T\(n)".utf8).withUnsafeBytes { ByteInterner.hash($0) })
            keys += 1
        }
        #expect(hashes.count == keys)
    }

    /// Keys of up to 16 bytes are compared by overlapping word loads: every length and every place of a
    /// single differing byte, against a byte-by-byte comparison.
    @Test func shortKeysCompareLikeBytes() {
        for count in 0...40 {
            let a = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            for differing in -1..<count {
                var b = a
                if differing >= 0 { b[differing] ^= 0x40 }
                let same = a.withUnsafeBytes { x in
                    b.withUnsafeBytes { y in
                        ByteInterner.sameBytes(
                            x.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, y.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!,
                            count: count)
                    }
                }
                #expect(same == (a == b), "length \(count), differing byte \(differing)")
            }
        }
    }

    /// The merger interns each chunk's table at once (with lookups fetched ahead): the ids must be those
    /// of a dictionary model that numbers new strings densely in order, across many chunks and growths;
    /// with a chunk table that keeps its hashes (its growth places entries by them, the merger takes them)
    /// and one that does not.
    @Test(arguments: [false, true])
    func internsAChunksTableAsOneByOneWould(keepsHashes: Bool) {
        var run = ByteInterner(capacity: 1)
        var ids: [String: Symbol] = [:]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<60 {
            var chunk = ByteInterner(capacity: 1, keepsHashes: keepsHashes)
            var chunkKeys = [""]  // id 0
            for _ in 0..<Int.random(in: 0..<800, using: &rng) {
                // Lengths 1…40: both sides of an 8-byte word, shared prefixes.
                let key =
                    "ticket-\(Int.random(in: 0..<4000, using: &rng))" + String(repeating: "x", count: Int.random(in: 0..<30, using: &rng))
                if chunk.lookup(key) == nil { chunkKeys.append(key) }
                _ = chunk.intern(key)
            }
            let map = run.intern(contentsOf: chunk)
            #expect(map.count == max(chunk.count, 1))
            for (local, key) in chunkKeys.enumerated().dropFirst() {
                let expected = ids[key] ?? Symbol(rawValue: UInt32(ids.count + 1))
                ids[key] = expected
                #expect(map[local] == expected)
                #expect(run.string(map[local]) == key)
            }
            #expect(map[0] == .none)
            #expect(run.count == ids.count + 1)
        }
    }

    /// A store's string table is interned a block at a time (with lookups fetched ahead): each string
    /// gets the id a dictionary model numbering new strings densely in order gives it, repeats their
    /// first id and the empty string 0 (how a damaged table is caught), across blocks and growths.
    @Test func internsABlockOfStringsAsOneByOneWould() {
        var interner = ByteInterner(capacity: 1)
        var ids: [String: Symbol] = ["": .none]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            let keys = (0..<Int.random(in: 0..<3000, using: &rng)).map { _ in
                Int.random(in: 0..<50, using: &rng) == 0
                    ? ""
                    : "T\(Int.random(in: 0..<20_000, using: &rng))" + String(repeating: "y", count: Int.random(in: 0..<20, using: &rng))
            }
            let block = keys.flatMap { Array($0.utf8) }
            var starts = [0]
            for key in keys { starts.append(starts.last! + key.utf8.count) }
            var got = [Symbol](repeating: Symbol(rawValue: .max), count: keys.count)
            block.withUnsafeBytes { block in
                interner.intern(count: keys.count) {
                    UnsafeRawBufferPointer(rebasing: block[starts[$0]..<starts[$0 + 1]])
                } into: {
                    got[$0] = $1
                }
            }
            for (i, key) in keys.enumerated() {
                let expected = ids[key] ?? Symbol(rawValue: UInt32(ids.count))
                ids[key] = expected
                #expect(got[i] == expected)
                #expect(interner.string(got[i]) == key)
            }
            #expect(interner.count == ids.count)
        }
    }
}

@Suite struct AttributeTableTests {
    /// Joined values split in one pass give what `split` (keeping empty pieces) gives: random tuples of
    /// empty and non-empty values, leading, trailing and repeated separators.
    @Test func joinedValuesSplitLikeTheStandardLibrary() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<12, using: &rng)).map { _ in [UInt8(0x1F), 0x61, 0x62].randomElement(using: &rng)! }
            var model: [String] = []
            let values = AttributeTable.values(ofJoined: bytes) { piece in
                model.append(String(decoding: piece, as: UTF8.self))
                return Symbol(rawValue: UInt32(model.count))
            }
            let expected = bytes.split(separator: 0x1F, omittingEmptySubsequences: false)
            #expect(values.count == expected.count)
            var next = 0
            for (value, piece) in zip(values, expected) {
                if piece.isEmpty {
                    #expect(value == .none)
                } else {
                    #expect(value.rawValue > 0 && model[Int(value.rawValue) - 1] == String(decoding: piece, as: UTF8.self))
                    next += 1
                    #expect(Int(value.rawValue) == next)  // interned in order
                }
            }
        }
    }
}
