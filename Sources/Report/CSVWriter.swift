import SLACore

/// Builds RFC 4180 CSV as UTF-8 bytes: fields holding commas, quotes or line
/// breaks are quoted (quotes doubled); rows end with CRLF as the RFC says.
///
/// Text taken from logs can start a spreadsheet formula (`=`, `+`, `-`,
/// `@`, tab, CR): such *text* cells get a leading `'` unless
/// `neutralizeFormulas` is off (OWASP "CSV injection"). Numbers, instants
/// and durations are written by their own methods and never touched.
/// Bytes, not `String`, so that a million-row report costs no per-cell allocation.
public struct CSVWriter: Sendable {
    public var neutralizeFormulas: Bool
    /// The output, appended through raw pointers (no per-byte array checks).
    /// One writer is used by one thread at a time; copies share the sink.
    var sink: ByteSink
    var atRowStart = true

    public init(neutralizeFormulas: Bool = true, capacity: Int = 0) {
        self.neutralizeFormulas = neutralizeFormulas
        sink = ByteSink(capacity: max(capacity, 256))
    }

    /// The CSV so far.
    public var bytes: [UInt8] { sink.array }

    /// The CSV so far as a String (for tests and small reports).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func header(_ names: [String]) {
        for name in names { raw(name) }
        endRow()
    }

    /// Writes cells through a `Row` cursor without ending the row: every cell kind has one
    /// implementation, the cursor's (`CSVRow.swift`).
    private mutating func cells(_ body: (inout Row) -> Void) {
        var row = beginRow()
        body(&row)
        take(row)
        atRowStart = false
    }

    /// A text cell from the input: quoted if needed, neutralised if formula-like.
    public mutating func text(_ value: String) { cells { $0.text(value) } }

    /// A cell written as is: a column name or a fixed word (`met`, `yes`).
    public mutating func raw(_ value: String) { cells { $0.word(value) } }

    /// `path:line` (a text cell: the path comes from the command line); nil → empty cell.
    public mutating func source(_ location: (path: String, line: Int64)?) {
        cells { row in
            if let location { row.source(path: location.path, line: location.line) } else { row.empty() }
        }
    }

    /// Whether a text cell holding `value` is quoted.
    public static func needsQuotes(_ value: String) -> Bool {
        value.utf8.contains { $0 == 0x2c || $0 == 0x22 || $0 == 0x0a || $0 == 0x0d }
    }

    /// The CSV so far, without copying it.
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(sink.buffer)
    }

    /// Bytes written so far.
    public var count: Int { sink.count }

    /// Forgets what was written (keeps the buffer): the next cell starts a new piece.
    public mutating func removeAll() { sink.count = 0 }

    /// An empty cell.
    public mutating func empty() { cells { $0.empty() } }

    public mutating func integer(_ value: Int) { cells { $0.integer(value) } }

    /// Seconds with milliseconds, `3600.250`; nil → empty cell.
    public mutating func seconds(_ ms: Milliseconds?) { cells { $0.seconds(ms) } }

    /// ISO 8601 UTC with milliseconds; nil → empty cell.
    public mutating func instant(_ value: Instant?) { cells { $0.instant(value) } }

    /// The `YYYY-MM-DDT` of the last instant written, and its day.
    var lastDay = Int64.min
    var lastDayText: (UInt64, UInt64) = (0, 0)

    /// Hundredths as a percentage with two decimals (`6667` → `66.67`); nil → empty.
    public mutating func percent(hundredths: Int?) { cells { $0.percent(hundredths: hundredths) } }

    public mutating func endRow() { endRow(beginRow()) }

    static func startsFormula(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
            || byte == 0x09 || byte == 0x0d
    }
}

/// A growable byte buffer written through raw pointers. Owned by one
/// `CSVWriter` and handed between threads only whole (never shared live).
final class ByteSink: @unchecked Sendable {
    private var storage: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    /// The first byte (moves when the buffer grows).
    var start: UnsafeMutablePointer<UInt8> { storage }

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    var array: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    /// Room for `n` more bytes at the end; the caller writes them and then adds `n` to `count`.
    @inline(__always)
    func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if count + n > capacity { grow(to: count + n) }
        return storage + count
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity = newCapacity
    }
}
