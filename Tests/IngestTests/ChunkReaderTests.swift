import Foundation
import Testing

@testable import Ingest

@Suite struct ChunkReaderTests {
    @Test func linesSplitAcrossBufferBoundariesAreWhole() {
        let folder = TemporaryFolder()
        let original = sampleLog(lines: 3000)
        let path = folder.write("log", original)
        for chunkSize in [64, 100, 1000, 4096] {
            let (bytes, chunks, error) = readAll(path, chunkSize: chunkSize)
            #expect(error == nil)
            #expect(bytes == original)
            #expect(chunks.allSatisfy { $0.bytes.last == 0x0a })
            // Offsets are contiguous.
            for (a, b) in zip(chunks, chunks.dropFirst()) { #expect(a.startOffset + Int64(a.bytes.count) == b.startOffset) }
        }
    }

    @Test func crlfAndMissingFinalNewline() {
        #expect(lines(Array("a\r\nb\nc".utf8)) == ["a", "b", "c"])
        #expect(lines(Array("a\n\nb\n".utf8)) == ["a", "", "b"])
        #expect(lines(Array("\r\n".utf8)) == [""])
        #expect(lines([]) == [])
    }

    @Test func lineNumbersAndPositionsAreKept() {
        var seen: [(Int, Int)] = []
        _ = Array("ab\ncde\r\nf".utf8).withUnsafeBytes { raw in
            LineSplitter.forEachLine(in: raw) { _, index, position in seen.append((index, position)) }
        }
        #expect(seen.map(\.0) == [0, 1, 2])
        #expect(seen.map(\.1) == [0, 3, 8])
    }

    @Test func aLineLongerThanTheLimitIsCutAndTheRestSkipped() {
        let folder = TemporaryFolder()
        let long = [UInt8](repeating: UInt8(ascii: "z"), count: 10_000_000)
        let content = Array("before\n".utf8) + long + Array("\nafter\n".utf8)
        let path = folder.write("log", content)
        let (bytes, chunks, error) = readAll(path, chunkSize: 4096, maxLine: 1 << 16)
        #expect(error == nil)
        #expect(lines(bytes) == ["before", String(repeating: "z", count: 1 << 16), "after"])
        let cut = chunks.flatMap(\.cutLines)
        #expect(cut.count == 1)
        #expect(cut.first?.droppedBytes == Int64(10_000_000 - (1 << 16)))
        // The chunk after the cut line starts at the true stream offset of "after".
        let afterChunk = chunks.first { String(decoding: $0.bytes, as: UTF8.self).hasPrefix("after") }
        #expect(afterChunk?.startOffset == Int64(7 + 10_000_000 + 1))
    }

    @Test func emptyFileGivesNoChunks() {
        let folder = TemporaryFolder()
        let (bytes, chunks, error) = readAll(folder.write("empty", []))
        #expect(bytes.isEmpty && chunks.isEmpty && error == nil)
    }
}
