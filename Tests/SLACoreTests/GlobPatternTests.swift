import Testing

@testable import SLACore

/// The byte matcher of glob patterns against the character matcher (the reference), on seeded random cases.
@Suite struct GlobPatternTests {
    @Test func byteMatchingAgreesWithCharacterMatching() {
        var state: UInt64 = 0x9E37_79B9
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let alphabet = Array("aAbB*?-é.")
        for _ in 0..<20_000 {
            let pattern = String((0..<next(6)).map { _ in alphabet[next(alphabet.count)] })
            let value = String((0..<next(7)).map { _ in alphabet[next(alphabet.count)] })
            for ignoreCase in [false, true] {
                let glob = GlobPattern(pattern, ignoreCase: ignoreCase)
                let viaBytes = Array(value.utf8).withUnsafeBytes { glob.matches(utf8: $0) }
                let reference = glob.matchesCharacters(value)
                #expect(viaBytes == reference, "'\(pattern)' vs '\(value)' ignoreCase \(ignoreCase)")
                #expect(glob.matches(value) == reference, "'\(pattern)' vs '\(value)' ignoreCase \(ignoreCase) (String)")
            }
        }
    }
}
