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
    public private(set) var bytes: [UInt8] = []
    private var atRowStart = true

    public init(neutralizeFormulas: Bool = true, capacity: Int = 0) {
        self.neutralizeFormulas = neutralizeFormulas
        bytes.reserveCapacity(capacity)
    }

    /// The CSV so far as a String (for tests and small reports).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Empties the buffer, keeping its capacity.
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true); atRowStart = true }

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
            if quote { bytes.append(0x22) }
            if formula { bytes.append(0x27) }
            if quote {
                for byte in utf8 {
                    if byte == 0x22 { bytes.append(0x22) }
                    bytes.append(byte)
                }
                bytes.append(0x22)
            } else {
                bytes.append(contentsOf: utf8)
            }
        }
    }

    /// A cell written as is: a column name or a fixed word (`met`, `yes`).
    public mutating func raw(_ value: String) {
        separate()
        bytes.append(contentsOf: value.utf8)
    }

    /// `path:line` (a text cell: the path comes from the command line); nil → empty cell.
    public mutating func source(_ location: (path: String, line: Int64)?) {
        guard let location else { empty(); return }
        let plain = location.path.utf8.allSatisfy { $0 != 0x2c && $0 != 0x22 && $0 != 0x0a && $0 != 0x0d }
        guard plain else { text("\(location.path):\(location.line)"); return }
        text(location.path)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(location.line))
    }

    /// A text cell built from trusted parts (fixed words and numbers that
    /// need neither quoting nor neutralising): `body` appends to it in place.
    public mutating func composedText(_ body: (inout ComposedCell) -> Void) {
        separate()
        var cell = ComposedCell(bytes: bytes)
        bytes = []
        body(&cell)
        bytes = cell.bytes
    }

    /// The cell being composed by `composedText`.
    public struct ComposedCell {
        fileprivate var bytes: [UInt8]
        public mutating func append(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }
        public mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
        public mutating func appendSeconds(_ ms: Milliseconds) {
            var writer = CSVWriter()
            swap(&writer.bytes, &bytes)
            writer.atRowStart = true
            writer.seconds(ms)
            swap(&writer.bytes, &bytes)
        }
    }

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
        if ms < 0 { bytes.append(UInt8(ascii: "-")); magnitude = -ms }
        appendDigits(Int(magnitude / 1000))
        bytes.append(UInt8(ascii: "."))
        appendDigits(Int(magnitude % 1000), width: 3)
    }

    /// ISO 8601 UTC with milliseconds; nil → empty cell.
    public mutating func instant(_ value: Instant?) {
        separate()
        guard let value else { return }
        let (days, msOfDay) = value.milliseconds.floorDivided(by: 86_400_000)
        let date = CivilDate(daysSinceEpoch: Int(days))
        let ms = Int(msOfDay)
        appendDigits(date.year, width: 4); bytes.append(0x2d)
        appendDigits(date.month, width: 2); bytes.append(0x2d)
        appendDigits(date.day, width: 2); bytes.append(UInt8(ascii: "T"))
        appendDigits(ms / 3_600_000, width: 2); bytes.append(0x3a)
        appendDigits(ms / 60_000 % 60, width: 2); bytes.append(0x3a)
        appendDigits(ms / 1000 % 60, width: 2); bytes.append(0x2e)
        appendDigits(ms % 1000, width: 3); bytes.append(UInt8(ascii: "Z"))
    }

    /// Hundredths as a percentage with two decimals (`6667` → `66.67`); nil → empty.
    public mutating func percent(hundredths: Int?) {
        separate()
        guard let hundredths else { return }
        appendDigits(hundredths / 100)
        bytes.append(0x2e)
        appendDigits(hundredths % 100, width: 2)
    }

    public mutating func endRow() {
        bytes.append(0x0d)
        bytes.append(0x0a)
        atRowStart = true
    }

    private mutating func separate() {
        if !atRowStart { bytes.append(0x2c) }
        atRowStart = false
    }

    private mutating func appendDigits(_ value: Int, width: Int = 1) {
        var value = value
        if value < 0 { bytes.append(UInt8(ascii: "-")); value = -value }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(truncatingIfNeeded: value % 10) + 0x30
                value /= 10
                count += 1
            } while value > 0
            while count < width { buffer[count] = 0x30; count += 1 }
            while count > 0 {
                count -= 1
                bytes.append(buffer[count])
            }
        }
    }

    static func startsFormula(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
            || byte == 0x09 || byte == 0x0d
    }
}
