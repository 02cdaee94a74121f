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

    /// A text cell from the input: quoted if needed, neutralised if formula-like.
    public mutating func text(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { utf8 in
            let formula = neutralizeFormulas && utf8.first.map(Self.startsFormula) == true
            let quote = utf8.contains { $0 == 0x2c || $0 == 0x22 || $0 == 0x0a || $0 == 0x0d }
            if quote { sink.append(0x22) }
            if formula { sink.append(0x27) }
            if quote {
                for byte in utf8 {
                    if byte == 0x22 { sink.append(0x22) }
                    sink.append(byte)
                }
                sink.append(0x22)
            } else {
                sink.append(UnsafeRawBufferPointer(utf8))
            }
        }
    }

    /// A cell written as is: a column name or a fixed word (`met`, `yes`).
    public mutating func raw(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { sink.append(UnsafeRawBufferPointer($0)) }
    }

    /// `path:line` (a text cell: the path comes from the command line); nil → empty cell.
    public mutating func source(_ location: (path: String, line: Int64)?) {
        guard let location else { empty(); return }
        guard !Self.needsQuotes(location.path) else { text("\(location.path):\(location.line)"); return }
        text(location.path)
        sink.append(UInt8(ascii: ":"))
        appendDigits(Int(location.line))
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
    public mutating func empty() { separate() }

    public mutating func integer(_ value: Int) {
        separate()
        appendDigits(value)
    }

    /// Seconds with milliseconds, `3600.250`; nil → empty cell.
    public mutating func seconds(_ ms: Milliseconds?) {
        separate()
        guard let ms else { return }
        var magnitude = ms
        if ms < 0 {
            sink.append(UInt8(ascii: "-"))
            magnitude = -ms
        }
        appendDigits(Int(magnitude / 1000))
        sink.append(UInt8(ascii: "."))
        appendDigits(Int(magnitude % 1000), width: 3)
    }

    /// ISO 8601 UTC with milliseconds; nil → empty cell.
    public mutating func instant(_ value: Instant?) {
        separate()
        guard let value else { return }
        let (days, msOfDay) = value.milliseconds.floorDivided(by: 86_400_000)
        // `YYYY-MM-DDT` of the last day written: rows of one report mostly share a few days.
        if days != lastDay {
            let date = CivilDate(daysSinceEpoch: Int(days))
            let start = sink.count
            appendDigits(date.year, width: 4); sink.append(0x2d)
            appendDigits(date.month, width: 2); sink.append(0x2d)
            appendDigits(date.day, width: 2); sink.append(UInt8(ascii: "T"))
            if sink.count - start == 11 {
                lastDay = days
                sink.copy(from: start, count: 11, to: &lastDayText)
            } else {
                lastDay = .min
            }
        } else {
            withUnsafeBytes(of: lastDayText) { sink.append(UnsafeRawBufferPointer(rebasing: $0[0..<11])) }
        }
        let ms = Int(msOfDay)
        appendTwoDigits(ms / 3_600_000); sink.append(0x3a)
        appendTwoDigits(ms / 60_000 % 60); sink.append(0x3a)
        appendTwoDigits(ms / 1000 % 60); sink.append(0x2e)
        let milli = ms % 1000
        sink.append(UInt8(truncatingIfNeeded: milli / 100) &+ 0x30)
        appendTwoDigits(milli % 100)
        sink.append(UInt8(ascii: "Z"))
    }

    /// The `YYYY-MM-DDT` of the last instant written, and its day.
    var lastDay = Int64.min
    var lastDayText: (UInt64, UInt64) = (0, 0)

    /// 0…99 as two digits.
    @inline(__always)
    private mutating func appendTwoDigits(_ value: Int) {
        sink.append(UInt8(truncatingIfNeeded: value / 10) &+ 0x30)
        sink.append(UInt8(truncatingIfNeeded: value % 10) &+ 0x30)
    }

    /// Hundredths as a percentage with two decimals (`6667` → `66.67`); nil → empty.
    public mutating func percent(hundredths: Int?) {
        separate()
        guard let hundredths else { return }
        appendDigits(hundredths / 100)
        sink.append(0x2e)
        appendDigits(hundredths % 100, width: 2)
    }

    public mutating func endRow() {
        sink.append(0x0d)
        sink.append(0x0a)
        atRowStart = true
    }

    private mutating func separate() {
        if !atRowStart { sink.append(0x2c) }
        atRowStart = false
    }

    private mutating func appendDigits(_ value: Int, width: Int = 1) {
        var magnitude = value.magnitude
        if value < 0 { sink.append(UInt8(ascii: "-")) }
        // Digits are written backwards, two at a time, straight into the sink (at most 20, plus padding).
        var count = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            count += 1
        }
        let total = max(count, width)
        let out = sink.reserve(total)
        var end = total
        while magnitude >= 100 {
            let pair = UInt8(truncatingIfNeeded: magnitude % 100)
            magnitude /= 100
            end -= 2
            out[end] = pair / 10 &+ 0x30
            out[end + 1] = pair % 10 &+ 0x30
        }
        if magnitude >= 10 {
            let pair = UInt8(truncatingIfNeeded: magnitude)
            end -= 2
            out[end] = pair / 10 &+ 0x30
            out[end + 1] = pair % 10 &+ 0x30
        } else {
            end -= 1
            out[end] = UInt8(truncatingIfNeeded: magnitude) &+ 0x30
        }
        while end > 0 {
            end -= 1
            out[end] = 0x30
        }
        sink.count += total
    }

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

    /// Copies `count` (≤ 16) bytes written at `offset` into `tuple`.
    func copy(from offset: Int, count: Int, to tuple: inout (UInt64, UInt64)) {
        withUnsafeMutableBytes(of: &tuple) { $0.baseAddress!.copyMemory(from: storage + offset, byteCount: count) }
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        if bytes.count <= 16 {
            // Most cells are short: a loop beats a call to memmove.
            for i in 0..<bytes.count { storage[count + i] = base.load(fromByteOffset: i, as: UInt8.self) }
        } else {
            UnsafeMutableRawPointer(storage + count).copyMemory(from: base, byteCount: bytes.count)
        }
        count += bytes.count
    }

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
