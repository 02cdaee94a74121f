#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How an input's text is cut into records (docs/pipeline-format.md, "Inputs"):
/// lines, RFC 4180 CSV (a record may span lines inside quotes), or JSON lines.
public struct RecordFormat: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case lines, csv, jsonl
    }

    public var kind: Kind
    /// CSV: the field separator (`,` by default; `;` and tab are common).
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// CSV: the column names when the file has no header row; nil: the first record names them.
    public var columns: [String]?

    public init(kind: Kind, delimiter: UInt8 = UInt8(ascii: ","), columns: [String]? = nil) {
        self.kind = kind; self.delimiter = delimiter; self.columns = columns
    }

    public static let lines = RecordFormat(kind: .lines)

    /// True when the first record of each file is a header row.
    public var hasHeader: Bool { kind == .csv && columns == nil }
}

/// RFC 4180 records: fields separated by the delimiter, optionally in double
/// quotes (`""` is a quote inside them; delimiters and line breaks inside
/// quotes are data); a record ends at a line break outside quotes (`\n` or
/// `\r\n`). Values are copied, unescaped, into a caller's buffer.
public enum CSVScanner {
    static let quote = UInt8(ascii: "\"")

    /// The column names in the first record of a CSV file's first chunk (a UTF-8 byte order mark skipped).
    public static func headerRow(_ bytes: [UInt8], delimiter: UInt8) -> [[UInt8]] {
        var values: [UInt8] = []
        var fields: [Range<Int>] = []
        bytes.withUnsafeBytes { raw in
            _ = CSVScanner.record(in: raw, from: byteOrderMarkLength(raw), delimiter: delimiter, values: &values, fields: &fields)
        }
        return fields.map { Array(values[$0]) }
    }

    public static func byteOrderMarkLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// The offset just past the last record end (a `\n` outside quotes) in `bytes`, which
    /// start at a record boundary; nil when no record ends in them.
    public static func lastRecordEnd(in bytes: UnsafeRawBufferPointer) -> Int? {
        var inQuotes = false
        return lastRecordEnd(in: bytes, inQuotes: &inQuotes)
    }

    /// The same over bytes read piece by piece: `inQuotes` is where the previous piece left off
    /// (false at a record boundary) and is left as this piece ends.
    public static func lastRecordEnd(in bytes: UnsafeRawBufferPointer, inQuotes: inout Bool) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var last: Int?
        var i = 0
        let n = bytes.count
        while i < n {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b == quote {
                inQuotes.toggle()
            } else if b == 0x0a && !inQuotes {
                last = i + 1
            }
            i += 1
        }
        return last
    }

    /// What `record` found.
    public struct Scan {
        /// Offset just past the record's line break (or the end of the bytes).
        public var end: Int
        /// Line breaks inside the record and at its end (how far the line number moves).
        public var lineBreaks: Int
        /// The bytes ended inside a quoted field.
        public var unterminated: Bool
    }

    /// The record starting at `start` without copying: each field's range in `bytes` (a quoted
    /// field's range excludes its quotes). Nil when a field needs unescaping (`""` inside quotes,
    /// or text after a closing quote): then `record(in:from:delimiter:values:fields:)` copies.
    public static func recordInPlace(
        in bytes: UnsafeRawBufferPointer, from start: Int, delimiter: UInt8, fields: inout [Range<Int>]
    ) -> Scan? {
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        guard let base = bytes.baseAddress, start < n else {
            fields.append(start..<start)
            return Scan(end: n, lineBreaks: 0, unterminated: false)
        }
        var i = start
        var lineBreaks = 0
        while true {
            if i < n && base.load(fromByteOffset: i, as: UInt8.self) == quote {
                var q = i + 1
                while q < n {
                    let b = base.load(fromByteOffset: q, as: UInt8.self)
                    if b == quote { break }
                    if b == 0x0a { lineBreaks += 1 }
                    q += 1
                }
                guard q < n else { return nil }  // unterminated: the copying scan reports it
                let after = q + 1
                if after < n {
                    let b = base.load(fromByteOffset: after, as: UInt8.self)
                    let crlf = b == 0x0d && after + 1 < n && base.load(fromByteOffset: after + 1, as: UInt8.self) == 0x0a
                    guard b == delimiter || b == 0x0a || crlf else { return nil }  // `""` or text after the quote
                }
                fields.append((i + 1)..<q)
                i = after < n && base.load(fromByteOffset: after, as: UInt8.self) == 0x0d ? after + 1 : after
            } else {
                var j = i
                while j < n {
                    let b = base.load(fromByteOffset: j, as: UInt8.self)
                    if b == delimiter || b == 0x0a { break }
                    j += 1
                }
                let end =
                    j > i && base.load(fromByteOffset: j - 1, as: UInt8.self) == 0x0d
                        && (j == n || base.load(fromByteOffset: j, as: UInt8.self) == 0x0a) ? j - 1 : j
                fields.append(i..<end)
                i = j
            }
            guard i < n else { return Scan(end: n, lineBreaks: lineBreaks, unterminated: false) }
            if base.load(fromByteOffset: i, as: UInt8.self) == 0x0a {
                return Scan(end: i + 1, lineBreaks: lineBreaks + 1, unterminated: false)
            }
            i += 1
        }
    }

    /// Parses the record starting at `start`: appends each field's value to `values` and its
    /// range in `values` to `fields` (both cleared first). Runs of plain bytes are copied in
    /// one go (this is the per-record cost of CSV inputs).
    public static func record(
        in bytes: UnsafeRawBufferPointer, from start: Int, delimiter: UInt8, values: inout [UInt8], fields: inout [Range<Int>]
    ) -> Scan {
        values.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        guard let base = bytes.baseAddress, start < n else {
            fields.append(0..<0)
            return Scan(end: n, lineBreaks: 0, unterminated: false)
        }
        func append(_ from: Int, _ to: Int) {
            if to > from { values.append(contentsOf: UnsafeRawBufferPointer(start: base + from, count: to - from)) }
        }
        var i = start
        var lineBreaks = 0
        while true {
            let fieldStart = values.count
            if i < n && base.load(fromByteOffset: i, as: UInt8.self) == quote {
                // Quoted: runs up to each quote; `""` is one quote, a lone quote closes the field.
                i += 1
                var closed = false
                while i < n {
                    var q = i
                    while q < n {
                        let b = base.load(fromByteOffset: q, as: UInt8.self)
                        if b == quote { break }
                        if b == 0x0a { lineBreaks += 1 }
                        q += 1
                    }
                    append(i, q)
                    guard q < n else { i = n; break }
                    if q + 1 < n && base.load(fromByteOffset: q + 1, as: UInt8.self) == quote {
                        values.append(quote)
                        i = q + 2
                        continue
                    }
                    i = q + 1
                    closed = true
                    break
                }
                if !closed {
                    fields.append(fieldStart..<values.count)
                    return Scan(end: n, lineBreaks: lineBreaks, unterminated: true)
                }
                // Bytes after the closing quote (malformed, kept) up to the delimiter or line break; CR dropped.
                var j = i
                while j < n {
                    let b = base.load(fromByteOffset: j, as: UInt8.self)
                    if b == delimiter || b == 0x0a { break }
                    if b != 0x0d { values.append(b) }
                    j += 1
                }
                i = j
            } else {
                var j = i
                while j < n {
                    let b = base.load(fromByteOffset: j, as: UInt8.self)
                    if b == delimiter || b == 0x0a { break }
                    j += 1
                }
                let stop =
                    j < n && base.load(fromByteOffset: j, as: UInt8.self) == 0x0a && j > i
                        && base.load(fromByteOffset: j - 1, as: UInt8.self) == 0x0d ? j - 1 : j
                let last = j == n && j > i && base.load(fromByteOffset: j - 1, as: UInt8.self) == 0x0d ? j - 1 : stop
                append(i, last)
                i = j
            }
            fields.append(fieldStart..<values.count)
            guard i < n else { return Scan(end: n, lineBreaks: lineBreaks, unterminated: false) }
            if base.load(fromByteOffset: i, as: UInt8.self) == 0x0a {
                return Scan(end: i + 1, lineBreaks: lineBreaks + 1, unterminated: false)
            }
            i += 1  // the delimiter
        }
    }
}

/// Flattens one JSON object (a JSON-lines record) into scalar fields named by dotted
/// paths (`user.name`, `tags.0`): strings unescaped, numbers, `true`/`false` as written;
/// `null` is absent. Values are copied into a caller's buffer.
public struct JSONFlattener {
    /// Each field's dotted path, as a range of `nameBytes` (no allocation per field).
    private var names: [Range<Int>] = []
    private var nameBytes: [UInt8] = []
    public private(set) var fields: [Range<Int>] = []
    public private(set) var values: [UInt8] = []
    private var path: [UInt8] = []
    private var bytes: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    private var i = 0

    public init() {}

    /// Parses `line`; returns a reason when it is not one JSON object.
    public mutating func flatten(_ line: UnsafeRawBufferPointer) -> String? {
        names.removeAll(keepingCapacity: true)
        nameBytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        path.removeAll(keepingCapacity: true)
        bytes = line
        i = 0
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return "not a JSON object" }
        if let failure = value(depth: 0) { return failure }
        skipSpace()
        return i == bytes.count ? nil : "text after the JSON object at byte \(i)"
    }

    /// The value of the field named `name` (a dotted path), if present.
    public func value(of name: [UInt8]) -> Range<Int>? {
        for index in names.indices {
            let range = names[index]
            guard range.count == name.count else { continue }
            if nameBytes[range].elementsEqual(name) { return fields[index] }
        }
        return nil
    }

    private mutating func addField(_ value: Range<Int>) {
        let start = nameBytes.count
        nameBytes.append(contentsOf: path)
        names.append(start..<nameBytes.count)
        fields.append(value)
    }

    private mutating func skipSpace() {
        while i < bytes.count {
            let b = bytes[i]
            guard b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d else { return }
            i += 1
        }
    }

    private mutating func value(depth: Int) -> String? {
        guard depth < 64 else { return "JSON nested deeper than 64 levels" }
        skipSpace()
        guard i < bytes.count else { return "the JSON ends early" }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            skipSpace()
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return nil }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return "expected a key at byte \(i)" }
                let keyStart = values.count
                if let failure = string() { return failure }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return "expected ':' at byte \(i)" }
                i += 1
                let saved = path.count
                if !path.isEmpty { path.append(UInt8(ascii: ".")) }
                path.append(contentsOf: values[keyStart...])
                values.removeLast(values.count - keyStart)
                if let failure = value(depth: depth + 1) { return failure }
                path.removeLast(path.count - saved)
                skipSpace()
                guard i < bytes.count else { return "the JSON ends early" }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return nil }
                return "expected ',' or '}' at byte \(i)"
            }
        case UInt8(ascii: "["):
            i += 1
            skipSpace()
            if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; return nil }
            var index = 0
            while true {
                let saved = path.count
                if !path.isEmpty { path.append(UInt8(ascii: ".")) }
                path += Array(String(index).utf8)
                if let failure = value(depth: depth + 1) { return failure }
                path.removeLast(path.count - saved)
                index += 1
                skipSpace()
                guard i < bytes.count else { return "the JSON ends early" }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return nil }
                return "expected ',' or ']' at byte \(i)"
            }
        case UInt8(ascii: "\""):
            let start = values.count
            if let failure = string() { return failure }
            addField(start..<values.count)
            return nil
        default:
            let start = i
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x2c || b == 0x7d || b == 0x5d || b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d { break }
                i += 1
            }
            let word = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
            guard !word.isEmpty else { return "expected a value at byte \(start)" }
            if word.elementsEqual("null".utf8) { return nil }
            let valueStart = values.count
            values.append(contentsOf: word)
            addField(valueStart..<values.count)
            return nil
        }
    }

    /// A JSON string at `i` (on its opening quote), unescaped into `values`.
    private mutating func string() -> String? {
        i += 1
        while i < bytes.count {
            // The run up to the next quote or backslash, copied at once.
            var j = i
            while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\") { j += 1 }
            if j > i { values.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<j])) }
            i = j
            guard i < bytes.count else { break }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; return nil }
            if b != UInt8(ascii: "\\") {
                values.append(b)
                i += 1
                continue
            }
            guard i + 1 < bytes.count else { break }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): values.append(0x0a)
            case UInt8(ascii: "t"): values.append(0x09)
            case UInt8(ascii: "r"): values.append(0x0d)
            case UInt8(ascii: "b"): values.append(0x08)
            case UInt8(ascii: "f"): values.append(0x0c)
            case UInt8(ascii: "u"):
                guard i + 4 <= bytes.count, var code = Self.hex(bytes[i..<(i + 4)]) else { return "bad \\u escape at byte \(i - 2)" }
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
                    bytes[i + 1] == UInt8(ascii: "u"), let low = Self.hex(bytes[(i + 2)..<(i + 6)]), (0xDC00..<0xE000).contains(low)
                {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                values += Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8)
            default: values.append(e)
            }
        }
        return "unterminated string"
    }

    private static func hex(_ digits: Slice<UnsafeRawBufferPointer>) -> UInt32? {
        var value: UInt32 = 0
        for d in digits {
            guard let v = Character(Unicode.Scalar(d)).hexDigitValue else { return nil }
            value = value << 4 | UInt32(v)
        }
        return value
    }
}
