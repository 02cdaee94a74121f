import Foundation
import Testing

@testable import Ingest

@Suite struct DecoderTests {
    @Test func detectsFormatFromMagicBytesNotNames() {
        #expect(InputFormat.detect([0x1f, 0x8b, 0x08, 0x00]) == .gzip)
        #expect(InputFormat.detect([0x04, 0x22, 0x4d, 0x18]) == .lz4)
        #expect(InputFormat.detect([0x28, 0xb5, 0x2f, 0xfd]) == .zstd)
        #expect(InputFormat.detect(Array("2026".utf8)) == .plain)
        #expect(InputFormat.detect([]) == .plain)
        let folder = TemporaryFolder()
        folder.write("plain.gz", sampleLog(lines: 10))  // misleading name
        #expect(try! openInput(path: "\(folder.path)/plain.gz").format == .plain)
    }

    @Test(arguments: ["gzip -c", "lz4 -q -c", "zstd -q -c"])
    func compressedStreamsDecodeToTheOriginal(tool: String) {
        let folder = TemporaryFolder()
        let original = sampleLog(lines: 50_000)
        let (path, _) = compressed(original, with: tool, in: folder)
        let (bytes, chunks, error) = readAll(path, chunkSize: 64 * 1024)
        #expect(error == nil)
        #expect(bytes == original)
        #expect(chunks.count > 10)
        #expect(chunks.allSatisfy { $0.bytes.last == 0x0a })
    }

    @Test func multiMemberGzipAndMultiFrameStreamsAreRead() {
        let folder = TemporaryFolder()
        folder.write("a", Array("first\n".utf8))
        folder.write("b", Array("second\n".utf8))
        folder.shell("gzip -c a > ab.gz && gzip -c b >> ab.gz")
        folder.shell("lz4 -q -c a > ab.lz4 && lz4 -q -c b >> ab.lz4")
        folder.shell("zstd -q -c a > ab.zst && zstd -q -c b >> ab.zst")
        for name in ["ab.gz", "ab.lz4", "ab.zst"] {
            let (bytes, _, error) = readAll("\(folder.path)/\(name)")
            #expect(error == nil, "\(name)")
            #expect(lines(bytes) == ["first", "second"], "\(name)")
        }
    }

    @Test(arguments: ["gzip -c", "lz4 -q -c", "zstd -q -c"])
    func truncatedStreamsKeepTheLinesBeforeTheDamage(tool: String) {
        let folder = TemporaryFolder()
        let original = sampleLog(lines: 20_000)
        let full = compressed(original, with: tool, in: folder).bytes
        for cut in [full.count / 3, full.count / 2, full.count - 3] {
            folder.write("cut.z", Array(full.prefix(cut)))
            let (bytes, _, error) = readAll("\(folder.path)/cut.z", chunkSize: 64 * 1024)
            guard case .truncated? = error else {
                Issue.record("\(tool) cut at \(cut): expected truncated, got \(String(describing: error))")
                continue
            }
            // Every kept byte is a prefix of the original ending at a line end.
            #expect(Array(original.prefix(bytes.count)) == bytes)
            #expect(bytes.isEmpty || bytes.last == 0x0a)
        }
    }

    @Test func corruptLZ4IsReportedWithOffsets() {
        let folder = TemporaryFolder()
        var data = compressed(sampleLog(lines: 20_000), with: "lz4 -q -c", in: folder).bytes
        for i in stride(from: data.count / 2, to: data.count / 2 + 64, by: 1) { data[i] ^= 0x5a }
        let path = folder.write("bad.lz4", data)
        let (_, _, error) = readAll(path)
        guard case let .corrupt(format, _, unit)? = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(format == .lz4)
        // The damage (bytes count/2 … count/2+63) lies inside the unit's reported range.
        #expect(unit.compressedStart <= Int64(data.count / 2) && unit.compressedEnd > Int64(data.count / 2))
    }

    @Test(arguments: ["gzip -c", "lz4 -q -c", "zstd -q -c"])
    func aDamagedUnitIsReportedWithTheRangeThatHoldsTheDamage(tool: String) {
        // Three units; 16 bytes flipped in the middle one (a single byte inside a run of repeated text can
        // decode to the same output). The range starts at that unit and contains the damage,
        // and the chunks mark its lines as not verified while earlier units' lines are.
        let folder = TemporaryFolder()
        let parts = (0..<3).map { sampleLog(lines: 4000 + $0) }
        var file: [UInt8] = []
        var starts: [Int] = []
        for part in parts {
            starts.append(file.count)
            file += compressed(part, with: tool, in: folder).bytes
        }
        let flip = starts[1] + (starts[2] - starts[1]) / 2
        for i in flip..<(flip + 16) { file[i] ^= 0x55 }
        let path = folder.write("bad.z", file)
        let (_, chunks, error) = readAll(path, chunkSize: 64 * 1024)
        guard case let .corrupt(_, _, unit)? = error else {
            Issue.record("\(tool): expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(unit.compressedStart == Int64(starts[1]))
        #expect(unit.compressedEnd > Int64(flip))
        #expect(unit.decodedStart == Int64(parts[0].count))
        let verified = chunks.map(\.verifiedThrough).max() ?? 0
        #expect(verified == Int64(parts[0].count))
        // Chunks whose lines end inside the first unit are verified, none mixes the two units.
        #expect(chunks.allSatisfy { $0.endOffset <= verified || $0.startOffset >= Int64(parts[0].count) })
    }

    @Test func aFileThatShrinksWhileReadIsReported() throws {
        let folder = TemporaryFolder()
        let path = folder.write("rotating.log", sampleLog(lines: 40_000))
        let reader = try FileReader(path: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        _ = try reader.read(into: buffer)
        truncate(path, 0)  // logrotate's copytruncate, under a running read
        var failure: IngestError?
        do throws(IngestError) {
            while try reader.read(into: buffer) > 0 {}
        } catch {
            failure = error
        }
        guard case let .shrank(sizeAtOpen, sizeNow, readTo)? = failure else {
            Issue.record("expected shrank, got \(String(describing: failure))")
            return
        }
        #expect(sizeNow == 0 && readTo == 64 * 1024 && sizeAtOpen > readTo)
    }

    @Test func missingAndDirectoryInputsAreErrorsNotCrashes() {
        let folder = TemporaryFolder()
        #expect(throws: IngestError.self) { try openInput(path: "\(folder.path)/nope") }
        #expect(throws: IngestError.self) { try openInput(path: folder.path) }
    }
}
