import Aggregate
import Definition
import Foundation
import Ingest
import Normalize
import Pipeline
import SLACore
import Store

/// Fuzz targets. Each takes arbitrary bytes and checks invariants; a
/// violated invariant or a crash is a finding. Built two ways:
/// - normally: `slalog-fuzz TARGET FILE…` replays inputs (regression corpus);
/// - with `-DFUZZING -sanitize=fuzzer` (scripts/fuzz): libFuzzer drives the
///   target named by the `SLALOG_FUZZ_TARGET` environment variable.
enum FuzzTargets {
    static let names = ["lines", "timestamp", "pipeline", "records", "results"]

    static func run(_ target: String, _ bytes: [UInt8]) {
        switch target {
        case "lines": lines(bytes)
        case "timestamp": timestamp(bytes)
        case "pipeline": pipeline(bytes)
        case "records": records(bytes)
        case "results": results(bytes)
        default: fatalError("unknown fuzz target \(target); known: \(names.joined(separator: ", "))")
        }
    }

    /// Kept results as a store reads them (a damaged store, or a hostile one): the frame either fails
    /// its checksum or decodes; entries and payloads of any bytes decode without a crash, and what
    /// decodes encodes back to an entry that decodes to the same result.
    static func results(_ bytes: [UInt8]) {
        let framed = bytes.withUnsafeBytes { LZ4Block.decompress($0) }
        for data in [bytes, framed ?? []] {
            data.withUnsafeBytes { raw in
                ResultCoding.forEachEntry(raw) { entry in
                    let (result, aside) = ResultCoding.decode(UnsafeRawBufferPointer(rebasing: raw[entry.payload]))
                    var writer = ByteWriter()
                    ResultCoding.append(
                        slot: entry.slot, events: Int(entry.events), last: entry.last, result: result, setAside: aside, to: &writer)
                    writer.bytes.withUnsafeBytes { again in
                        ResultCoding.forEachEntry(again) { second in
                            let (copy, copyAside) = ResultCoding.decode(UnsafeRawBufferPointer(rebasing: again[second.payload]))
                            precondition(copy == result && copyAside == aside, "a decoded result does not survive encoding")
                        }
                    }
                }
            }
        }
    }

    /// Chunking, line splitting and the decoders: never crash; for plain input,
    /// the lines found are exactly the input's lines (long ones cut).
    static func lines(_ bytes: [UInt8]) {
        let chunkSize = 64 + Int(bytes.first ?? 0)
        let maxLine = 16 + Int(bytes.last ?? 0)
        let format = InputFormat.detect(bytes.prefix(4))
        let source = MemoryStream(bytes)
        let stream: ByteStream
        do throws(IngestError) {
            switch format {
            case .plain: stream = source
            case .gzip: stream = try GzipDecoder(source: source)
            case .lz4: stream = try LZ4FrameDecoder(source: source)
            case .zstd: stream = try ZstdDecoder(source: source)
            }
        } catch { return }
        let reader = ChunkReader(stream: stream, file: 0, chunkSize: chunkSize, maxLineLength: maxLine)
        var lineCount = 0
        while true {
            let chunk: Chunk?
            do throws(IngestError) { chunk = try reader.next() } catch { break }
            guard let chunk else { break }
            precondition(chunk.bytes.last == 0x0a || format != .plain || chunk.bytes.count > 0, "empty chunk")
            lineCount += chunk.bytes.withUnsafeBytes { LineSplitter.forEachLine(in: $0) { _, _, _ in } }
        }
        if format == .plain {
            let newlines = bytes.count { $0 == 0x0a }
            let expected = newlines + (bytes.isEmpty || bytes.last == 0x0a ? 0 : 1)
            precondition(lineCount == expected, "lines: \(lineCount) found, \(expected) in the input")
        }
    }

    /// Timestamps: never crash; whatever parses as ISO 8601 prints back to
    /// an ISO 8601 text that parses to the same instant.
    static let berlin = ZoneRules(identifier: "Europe/Berlin")

    static func timestamp(_ bytes: [UInt8]) {
        for format in TimestampFormat.allCases {
            let parser = TimestampParser(format: format, zone: berlin)
            let result = bytes.withUnsafeBytes { parser.parse($0) }
            guard case let .success(instant) = result, abs(instant.milliseconds) < 253_402_300_799_000 else { continue }
            let printed = Array(instant.iso8601.utf8)
            let again = printed.withUnsafeBytes { TimestampParser(format: .iso8601).parse($0) }
            precondition(again == .success(instant), "\(instant.iso8601) does not round-trip")
        }
    }

    /// The pipeline loader: never crash, never hang; any text is a definition or a located error.
    static func pipeline(_ bytes: [UInt8]) {
        do {
            _ = try PipelineDefinition.parse(String(decoding: bytes, as: UTF8.self), path: "fuzz.yaml")
        } catch {
            precondition(!error.description.isEmpty)
        }
    }

    /// CSV and JSON-lines records: never crash; every record scan moves forward, field ranges lie
    /// inside their buffers, and where the in-place scan accepts a record it agrees with the copying one.
    static func records(_ bytes: [UInt8]) {
        let delimiter = bytes.first.map { $0 % 2 == 0 ? UInt8(ascii: ",") : UInt8(ascii: ";") } ?? UInt8(ascii: ",")
        var values: [UInt8] = []
        var fields: [Range<Int>] = []
        var inPlace: [Range<Int>] = []
        bytes.withUnsafeBytes { raw in
            if let end = CSVScanner.lastRecordEnd(in: raw) { precondition(end > 0 && end <= raw.count) }
            var position = 0
            while position < raw.count {
                let scan = CSVScanner.record(in: raw, from: position, delimiter: delimiter, values: &values, fields: &fields)
                precondition(scan.end > position && scan.end <= raw.count, "no progress at \(position)")
                precondition(fields.allSatisfy { $0.upperBound <= values.count })
                if let other = CSVScanner.recordInPlace(in: raw, from: position, delimiter: delimiter, fields: &inPlace) {
                    precondition(other.end == scan.end && inPlace.count == fields.count, "scans disagree at \(position)")
                    for (a, b) in zip(inPlace, fields) { precondition(raw[a].elementsEqual(values[b]), "field differs at \(position)") }
                }
                position = scan.end
            }
            var flattener = JSONFlattener()
            LineSplitter.forEachLine(in: raw) { line, _, _ in
                guard flattener.flatten(line) == nil else { return }
                precondition(flattener.fields.allSatisfy { $0.upperBound <= flattener.values.count })
            }
        }
    }
}

/// An in-memory byte source.
final class MemoryStream: ByteStream {
    private let bytes: [UInt8]
    private var position = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var fileOffset: Int64 { Int64(position) }
    var verifiedOffset: Int64 { fileOffset }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        let n = min(buffer.count, bytes.count - position)
        if n > 0 { bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) } }
        position += n
        return n
    }
}

#if FUZZING
    nonisolated(unsafe) let fuzzTarget = ProcessInfo.processInfo.environment["SLALOG_FUZZ_TARGET"] ?? "lines"

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzTargets.run(fuzzTarget, size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }

    /// libFuzzer's driver (LLVM ≥ 12).
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// SwiftPM links an executable's entry point as `<target>_main`; hand it to libFuzzer.
    @_cdecl("slalog_fuzz_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var vector = argv
        return LLVMFuzzerRunDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
    }
#else
    @main
    struct Replay {
        static func main() throws {
            let arguments = CommandLine.arguments.dropFirst()
            guard let target = arguments.first, FuzzTargets.names.contains(target) else {
                print("usage: slalog-fuzz \(FuzzTargets.names.joined(separator: "|")) FILE…  (replays inputs through a fuzz target)")
                return
            }
            var count = 0
            for path in arguments.dropFirst() {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                let files =
                    isDirectory.boolValue
                    ? (try FileManager.default.contentsOfDirectory(atPath: path)).sorted().map { "\(path)/\($0)" } : [path]
                for file in files {
                    FuzzTargets.run(target, Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                    count += 1
                }
            }
            print("\(target): \(count) inputs replayed, no invariant violated")
        }
    }
#endif
