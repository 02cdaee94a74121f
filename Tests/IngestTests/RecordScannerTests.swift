import TestSupport
import Testing

@testable import Ingest

/// The CSV scanners against records encoded from known field values (the values are the reference),
/// and the JSON flattener against hand-written objects.
@Suite struct RecordScannerTests {
    /// Encodes `fields` as one RFC 4180 record: quoted when a field holds the delimiter, a quote, CR or LF.
    static func encode(_ fields: [String], delimiter: Character, crlf: Bool) -> String {
        fields.map { field in
            field.unicodeScalars.contains { String($0) == String(delimiter) || $0 == "\"" || $0 == "\n" || $0 == "\r" }
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: String(delimiter)) + (crlf ? "\r\n" : "\n")
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func bothScannersReturnTheEncodedFieldsOnRandomRecords(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        let alphabet = Array("ab ,;\"\n\r\tä€x1")
        for _ in 0..<300 {
            let delimiter: Character = random.next() % 2 == 0 ? "," : ";"
            let count = Int(random.next() % 6) + 1
            let fields = (0..<count).map { _ in
                String((0..<Int(random.next() % 8)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            }
            let text = Self.encode(fields, delimiter: delimiter, crlf: random.next() % 2 == 0)
            let bytes = Array(text.utf8) + Array("next,record\n".utf8)
            let d = Array(String(delimiter).utf8)[0]
            var values: [UInt8] = []
            var ranges: [Range<Int>] = []
            bytes.withUnsafeBytes { raw in
                let scan = CSVScanner.record(in: raw, from: 0, delimiter: d, values: &values, fields: &ranges)
                #expect(ranges.map { String(decoding: values[$0], as: UTF8.self) } == fields, "\(text.debugDescription)")
                #expect(scan.end == text.utf8.count && !scan.unterminated)
                #expect(scan.lineBreaks == text.utf8.count { $0 == 0x0a })
                if let inPlace = CSVScanner.recordInPlace(in: raw, from: 0, delimiter: d, fields: &ranges) {
                    #expect(ranges.map { String(decoding: raw[$0], as: UTF8.self) } == fields, "\(text.debugDescription)")
                    #expect(inPlace.end == scan.end && inPlace.lineBreaks == scan.lineBreaks)
                } else {
                    #expect(fields.contains { $0.contains("\"") }, "in place refused \(text.debugDescription)")
                }
                #expect(CSVScanner.lastRecordEnd(in: raw) == bytes.count)
            }
        }
    }

    /// Where a store run stops reading a growing CSV file (docs/semantics.md §11): the last record end
    /// at or before the cut, known from the encoder, for cuts anywhere in ~700 KB of records (so that
    /// quoted fields straddle the 256 KiB pieces the file is read in) and for starts at record ends.
    @Test func lastRecordEndOfAFileIsTheEncodersLastBoundaryBeforeTheCut() throws {
        var random = SeededGenerator(state: 7)
        let alphabet = Array("ab ,\"\n\rx1")
        var bytes: [UInt8] = []
        var ends: [Int] = [0]
        while bytes.count < 700_000 {
            let fields = (0..<Int(random.next() % 5 + 1)).map { _ in
                String((0..<Int(random.next() % 40)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            }
            bytes += Array(Self.encode(fields, delimiter: ",", crlf: random.next() % 2 == 0).utf8)
            ends.append(bytes.count)
        }
        let folder = TemporaryFolder()
        let path = folder.write("records.csv", bytes)
        for _ in 0..<200 {
            let cut = Int(random.next() % UInt64(bytes.count + 1))
            let start = ends[Int(random.next() % UInt64(ends.count))]
            let expected = ends.last { $0 <= cut } ?? 0
            let found = Fingerprint.lastRecordEnd(path: path, from: Int64(min(start, cut)), to: Int64(cut))
            #expect(found == Int64(max(expected, min(start, cut))), "cut \(cut), start \(start)")
        }
    }

    @Test func jsonObjectsFlattenToDottedPaths() {
        var flattener = JSONFlattener()
        let line = #"{"a":{"b":"x\"y\u00e9\n","c":[1,{"d":true}]},"n":-1.5e3,"z":null, "e" : "" }"#
        let failure = Array(line.utf8).withUnsafeBytes { flattener.flatten($0) }
        #expect(failure == nil)
        func value(_ path: String) -> String? {
            flattener.value(of: Array(path.utf8)).map { String(decoding: flattener.values[$0], as: UTF8.self) }
        }
        #expect(value("a.b") == "x\"yé\n" && value("a.c.0") == "1" && value("a.c.1.d") == "true")
        #expect(value("n") == "-1.5e3" && value("z") == nil && value("e") == "")
        for bad in [#"{"a":1"#, #"[1,2]"#, #"{"a":1} x"#, #"{"a":"unterminated}"#, "plain text"] {
            #expect(Array(bad.utf8).withUnsafeBytes { flattener.flatten($0) } != nil, "\(bad)")
        }
    }
}
