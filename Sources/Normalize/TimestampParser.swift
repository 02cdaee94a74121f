import SLACore

/// Which text a rule's `ts` group holds.
public enum TimestampFormat: String, Sendable, CaseIterable {
    /// Any of the forms below, told apart by their shape.
    case auto
    /// `2026-03-01T09:15:02[.123](Z|+01:00|+0100|+01)`; the `T` is required.
    case iso8601
    /// `2026-03-01 09:15:02[.123] [+0100]` or `2026/03/01 09:15:02`.
    case datetime
    /// Seconds since the epoch, optional fraction: `1772356502.123`.
    case epochSeconds = "epoch_seconds"
    /// Milliseconds since the epoch: `1772356502123`.
    case epochMillis = "epoch_millis"
    /// A time of day only, `14:05` or `14:05:09[.123]`: the date comes from the file (docs/semantics.md §1).
    case time
}

/// Parses timestamps by hand from bytes (no `DateFormatter`, no `String`).
public struct TimestampParser: Sendable {
    public var format: TimestampFormat
    /// Zone for times written without an offset; nil makes such times an error.
    public var zone: ZoneRules?

    public init(format: TimestampFormat = .auto, zone: ZoneRules? = nil) {
        self.format = format; self.zone = zone
    }

    /// Why a timestamp was rejected (becomes a rejects.csv reason).
    public struct Failure: Error, Sendable, Equatable { public var reason: String }

    /// Parses `bytes` into a UTC instant.
    public func parse(_ bytes: UnsafeRawBufferPointer) -> Result<Instant, Failure> {
        var memo = DateMemo()
        return parse(bytes, memo: &memo)
    }

    /// Parses `bytes` into a UTC instant; `memo` holds the last date the fast path read (a reader
    /// keeps one for all its lines: a log repeats its date for thousands of lines).
    public func parse(_ bytes: UnsafeRawBufferPointer, memo: inout DateMemo) -> Result<Instant, Failure> {
        if format == .auto || format == .iso8601 || format == .datetime, let fast = Self.parseCommon(bytes, format: format, memo: &memo) {
            return .success(fast)
        }
        return parseGeneral(bytes)
    }

    /// The last valid `YYYY-MM-DD` the fast path read (its ten bytes) and its day number.
    public struct DateMemo: Sendable {
        var head: UInt64 = 0, tail: UInt16 = 0
        var days: Int64 = 0
        var valid = false
        public init() {}
    }

    /// Every accepted form, character by character (the fast path's fallback and reference).
    func parseGeneral(_ bytes: UnsafeRawBufferPointer) -> Result<Instant, Failure> {
        var cursor = ByteCursor(bytes)
        let isAllDigits = !bytes.isEmpty && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e }
        switch format {
        case .epochSeconds: return parseEpoch(&cursor, millis: false)
        case .epochMillis: return parseEpoch(&cursor, millis: true)
        case .auto where isAllDigits:
            // 12+ integer digits can only be milliseconds for any date after 1973.
            let integerDigits = bytes.prefix { $0 != 0x2e }.count
            return parseEpoch(&cursor, millis: integerDigits >= 12)
        case .auto, .iso8601, .datetime:
            return parseDateTime(&cursor)
        case .time:
            return Self.parseTimeOfDay(bytes)
        }
    }

    /// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (more fraction digits are truncated).
    static func parseTimeOfDay(_ b: UnsafeRawBufferPointer) -> Result<Instant, Failure> {
        func two(_ i: Int) -> Int64? {
            guard i + 1 < b.count, (0x30...0x39).contains(b[i]), (0x30...0x39).contains(b[i + 1]) else { return nil }
            return Int64(b[i] - 0x30) * 10 + Int64(b[i + 1] - 0x30)
        }
        guard b.count >= 5, let hour = two(0), b[2] == 0x3a, let minute = two(3), hour <= 23, minute <= 59 else {
            return .failure(Failure(reason: "expected a time of day HH:MM[:SS[.fff]]"))
        }
        var millis = (hour * 60 + minute) * 60_000
        if b.count > 5 {
            guard b[5] == 0x3a, let second = two(6), second <= 59 else {
                return .failure(Failure(reason: "expected a time of day HH:MM[:SS[.fff]]"))
            }
            millis += second * 1000
            if b.count > 8 {
                guard b[8] == 0x2e || b[8] == 0x2c, b.count > 9, b[9...].allSatisfy({ (0x30...0x39).contains($0) }) else {
                    return .failure(Failure(reason: "expected a time of day HH:MM[:SS[.fff]]"))
                }
                var scale: Int64 = 100
                for digit in b[9...].prefix(3) {
                    millis += Int64(digit - 0x30) * scale
                    scale /= 10
                }
            }
        }
        return .success(Instant(timeOfDay: millis))
    }

    /// The common log shapes, read at fixed offsets: `YYYY-MM-DD`, `T` (iso8601, auto) or a space
    /// (datetime, auto), `HH:MM:SS`, optionally `.fff` (three digits), optionally a space, then `Z`,
    /// `+HH`, `+HHMM` or `+HH:MM` (or `-`). Returns nil for anything else, a time without an offset
    /// included (the general parser then decides, and gives the reason when it is wrong); what it
    /// returns is what the general parser returns (tested on random and damaged timestamps).
    @inline(__always)
    static func parseCommon(_ b: UnsafeRawBufferPointer, format: TimestampFormat, memo: inout DateMemo) -> Instant? {
        let n = b.count
        guard n >= 20, b[4] == 0x2d, b[7] == 0x2d, b[13] == 0x3a, b[16] == 0x3a else { return nil }
        switch (format, b[10]) {
        case (.auto, 0x54), (.auto, 0x20), (.iso8601, 0x54), (.datetime, 0x20): break
        default: return nil
        }
        @inline(__always) func digit(_ i: Int) -> Int64? {
            let d = b[i] &- 0x30
            return d < 10 ? Int64(d) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int64? {
            guard let a = digit(i), let c = digit(i + 1) else { return nil }
            return a * 10 + c
        }
        guard let hour = two(11), let minute = two(14), let second = two(17), hour <= 23, minute <= 59, second <= 59 else { return nil }
        var i = 19
        var millis: Int64 = 0
        if b[19] == 0x2e {
            guard n >= 23, let m1 = digit(20), let m2 = digit(21), let m3 = digit(22), n == 23 || digit(23) == nil else { return nil }
            millis = m1 * 100 + m2 * 10 + m3
            i = 23
        }
        if i < n && b[i] == 0x20 { i += 1 }
        guard i < n else { return nil }
        var offset: Int64 = 0
        switch b[i] {
        case 0x5a:
            guard i + 1 == n else { return nil }
        case 0x2b, 0x2d:
            let rest = n - i - 1
            guard rest == 2 || rest == 4 || rest == 5, let hours = two(i + 1), hours <= 18 else { return nil }
            var minutes: Int64 = 0
            if rest == 4 {
                guard let m = two(i + 3) else { return nil }
                minutes = m
            } else if rest == 5 {
                guard b[i + 3] == 0x3a, let m = two(i + 4) else { return nil }
                minutes = m
            }
            guard minutes <= 59 else { return nil }
            offset = (b[i] == 0x2b ? 1 : -1) * (hours * 3600 + minutes * 60) * 1000
        default:
            return nil
        }
        // The date: the memo's when its ten bytes are the same, else read, checked and remembered.
        let head = b.loadUnaligned(as: UInt64.self), tail = b.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let days: Int64
        if memo.valid && memo.head == head && memo.tail == tail {
            days = memo.days
        } else {
            guard let y1 = two(0), let y2 = two(2), let month = two(5), let day = two(8) else { return nil }
            let year = y1 * 100 + y2
            guard (1...12).contains(month), day >= 1, day <= Int64(CivilDate.daysInMonth(year: Int(year), month: Int(month))) else {
                return nil
            }
            days = Int64(CivilDate.daysFromCivil(year: Int(year), month: Int(month), day: Int(day)))
            (memo.head, memo.tail, memo.days, memo.valid) = (head, tail, days, true)
        }
        return Instant(milliseconds: (days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis - offset)
    }

    private func parseEpoch(_ c: inout ByteCursor, millis: Bool) -> Result<Instant, Failure> {
        guard let whole = c.digits(min: 1, max: 15) else { return fail("epoch time is not a number") }
        var ms = millis ? whole : whole * 1000
        if c.take(0x2e) {
            guard let (fraction, digits) = c.fraction() else { return fail("missing digits after '.'") }
            ms += millis ? 0 : scaleToMillis(fraction, digits)
        }
        guard c.atEnd else { return fail("unexpected text after epoch time") }
        return .success(Instant(milliseconds: ms))
    }

    private func parseDateTime(_ c: inout ByteCursor) -> Result<Instant, Failure> {
        guard let year = c.digits(min: 4, max: 4) else { return fail("expected a 4-digit year") }
        let separator = c.peek
        guard separator == 0x2d || separator == 0x2f else { return fail("expected '-' or '/' after the year") }
        c.advance()
        guard let month = c.digits(min: 2, max: 2), c.take(separator!), let day = c.digits(min: 2, max: 2) else {
            return fail("expected YYYY-MM-DD or YYYY/MM/DD")
        }
        guard (1...12).contains(month) else { return fail("month \(month) out of range") }
        guard day >= 1, day <= Int64(CivilDate.daysInMonth(year: Int(year), month: Int(month))) else {
            return fail("day \(day) does not exist in \(CivilDate(year: Int(year), month: Int(month), day: 1).description.prefix(7))")
        }
        let dateTimeSeparator = c.peek
        switch (format, dateTimeSeparator) {
        case (.iso8601, 0x54), (.auto, 0x54), (.auto, 0x20), (.datetime, 0x20): c.advance()
        case (.iso8601, _): return fail("expected 'T' between date and time")
        default: return fail("expected a space or 'T' between date and time")
        }
        guard let hour = c.digits(min: 2, max: 2), c.take(0x3a), let minute = c.digits(min: 2, max: 2),
            c.take(0x3a), let second = c.digits(min: 2, max: 2)
        else {
            return fail("expected HH:MM:SS")
        }
        guard hour <= 23, minute <= 59, second <= 59 else { return fail("time \(hour):\(minute):\(second) out of range") }
        var millis: Int64 = 0
        if c.take(0x2e) || c.take(0x2c) {
            guard let (fraction, digits) = c.fraction() else { return fail("missing digits after the decimal point") }
            millis = scaleToMillis(fraction, digits)
        }
        let days = Int64(CivilDate.daysFromCivil(year: Int(year), month: Int(month), day: Int(day)))
        let local = (days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis
        _ = c.take(0x20)
        if c.atEnd {
            guard let zone else { return fail("timestamp has no UTC offset and the pipeline sets no timezone") }
            return .success(Instant(milliseconds: zone.utc(fromLocal: local)))
        }
        guard let offset = c.utcOffset() else { return fail("bad UTC offset (expected Z, +HH:MM, +HHMM or +HH)") }
        guard c.atEnd else { return fail("unexpected text after the timestamp") }
        return .success(Instant(milliseconds: local - offset))
    }

    private func fail(_ reason: String) -> Result<Instant, Failure> { .failure(Failure(reason: reason)) }

    private func scaleToMillis(_ fraction: Int64, _ digits: Int) -> Int64 {
        switch digits {
        case 1: fraction * 100
        case 2: fraction * 10
        case 3: fraction
        default: fraction / pow10(digits - 3)  // truncate sub-millisecond digits
        }
    }

    private func pow10(_ n: Int) -> Int64 { (0..<n).reduce(1) { acc, _ in acc * 10 } }
}

/// A forward-only reader over timestamp bytes.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }
    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }
    mutating func advance() { position += 1 }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    /// Reads between `min` and `max` decimal digits.
    mutating func digits(min: Int, max: Int) -> Int64? {
        var value: Int64 = 0, count = 0
        while count < max, let b = peek, b >= 0x30, b <= 0x39 {
            value = value * 10 + Int64(b - 0x30)
            count += 1
            position += 1
        }
        return count >= min ? value : nil
    }

    /// Reads 1–9 fraction digits; returns the value and how many digits.
    mutating func fraction() -> (Int64, Int)? {
        let start = position
        guard let value = digits(min: 1, max: 9) else { return nil }
        while let b = peek, b >= 0x30, b <= 0x39 { position += 1 }  // ignore digits past nanoseconds
        return (value, Swift.min(position - start, 9))
    }

    /// `Z`, `+HH:MM`, `+HHMM` or `+HH` (also `-`), in milliseconds.
    mutating func utcOffset() -> Int64? {
        if take(0x5a) { return 0 }
        let sign: Int64
        if take(0x2b) { sign = 1 } else if take(0x2d) { sign = -1 } else { return nil }
        guard let hours = digits(min: 2, max: 2), hours <= 18 else { return nil }
        _ = take(0x3a)
        let minutes = digits(min: 2, max: 2) ?? 0
        guard minutes <= 59 else { return nil }
        return sign * (hours * 3600 + minutes * 60) * 1000
    }
}
