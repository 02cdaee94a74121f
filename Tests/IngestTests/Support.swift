import Foundation
@_exported import TestSupport

@testable import Ingest

/// Reads a whole input through ChunkReader; returns the bytes, chunks and the error, if any.
func readAll(_ path: String, chunkSize: Int = 1 << 20, maxLine: Int = 1 << 20) -> (bytes: [UInt8], chunks: [Chunk], error: IngestError?) {
    var chunks: [Chunk] = []
    do throws(IngestError) {
        let (stream, _) = try openInput(path: path)
        let reader = ChunkReader(stream: stream, file: 0, chunkSize: chunkSize, maxLineLength: maxLine)
        while let chunk = try reader.next() { chunks.append(chunk) }
        return (chunks.flatMap(\.bytes), chunks, nil)
    } catch {
        return (chunks.flatMap(\.bytes), chunks, error)
    }
}

/// Writes `original` to the folder, compresses it with `tool` (a real CLI
/// command reading a file and writing stdout) and returns the compressed
/// file's path and bytes.
func compressed(_ original: [UInt8], with tool: String, in folder: TemporaryFolder) -> (path: String, bytes: [UInt8]) {
    folder.write("log", original)
    folder.shell("\(tool) log > log.z")
    let path = "\(folder.path)/log.z"
    return (path, Array(try! Data(contentsOf: URL(fileURLWithPath: path))))
}

/// Lines of a byte buffer via LineSplitter, as strings.
func lines(_ bytes: [UInt8]) -> [String] {
    var result: [String] = []
    _ = bytes.withUnsafeBytes { raw in
        LineSplitter.forEachLine(in: raw) { line, _, _ in result.append(String(decoding: line, as: UTF8.self)) }
    }
    return result
}

/// A deterministic multi-line log of about `size` bytes.
func sampleLog(lines count: Int) -> [UInt8] {
    var text = ""
    for i in 0..<count { text += "2026-03-02T09:00:00Z line \(i) " + String(repeating: "x", count: i % 97) + "\n" }
    return Array(text.utf8)
}
