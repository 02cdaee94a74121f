import SLACore

extension CSVWriter {
    /// Starts a row written through a `Row` cursor; `endRow(_:)` ends it.
    ///
    /// The cells are the writer's own (same bytes as `text`, `integer`,
    /// `seconds`, `instant`…), written through a pointer the row holds
    /// instead of the sink's count: one room check per cell, not per byte,
    /// and digits two at a time from a table. tickets.csv renders every
    /// ticket's row this way. Nothing else may be written to the writer
    /// until the row is ended.
    public func beginRow() -> Row {
        Row(sink: sink, neutralizeFormulas: neutralizeFormulas, separated: !atRowStart, day: lastDay, dayText: lastDayText)
    }

    /// Ends a row started with `beginRow()` (CRLF) and takes its bytes.
    public mutating func endRow(_ row: consuming Row) {
        row.room(2)
        row.put(0x0d)
        row.put(0x0a)
        take(row)
        atRowStart = true
    }

    /// Takes the bytes a cursor wrote, and its day cache.
    mutating func take(_ row: borrowing Row) {
        sink.count = row.cursor - sink.start
        lastDay = row.day
        lastDayText = row.dayText
    }

    /// A cursor over the end of a writer's buffer, for one row (see `CSVWriter.beginRow`). Not
    /// copyable: a row is written through one cursor, and a copy would retain its sink for nothing
    /// (copies of it were 3 % of rendering).
    public struct Row: ~Copyable {
        fileprivate let sink: ByteSink
        fileprivate var cursor: UnsafeMutablePointer<UInt8>
        private var limit: UnsafeMutablePointer<UInt8>
        private let neutralizeFormulas: Bool
        /// Whether a cell was written (the next one is preceded by a comma).
        private var separated: Bool
        /// The `YYYY-MM-DDT` of the last instant written and its day (rows mostly share a few days).
        fileprivate var day: Int64
        fileprivate var dayText: (UInt64, UInt64)

        fileprivate init(sink: ByteSink, neutralizeFormulas: Bool, separated: Bool, day: Int64, dayText: (UInt64, UInt64)) {
            self.sink = sink
            cursor = sink.start + sink.count
            limit = sink.start + sink.capacity
            self.neutralizeFormulas = neutralizeFormulas
            self.separated = separated
            self.day = day
            self.dayText = dayText
        }

        /// Makes room for `n` more bytes.
        @inline(__always)
        fileprivate mutating func room(_ n: Int) {
            if limit - cursor < n { grow(n) }
        }

        @inline(never)
        private mutating func grow(_ n: Int) {
            sink.count = cursor - sink.start
            _ = sink.reserve(n)
            cursor = sink.start + sink.count
            limit = sink.start + sink.capacity
        }

        @inline(__always)
        fileprivate mutating func put(_ byte: UInt8) {
            cursor.pointee = byte
            cursor += 1
        }

        /// The comma before every cell but the first (room for it must be made).
        @inline(__always)
        private mutating func separate() {
            cursor.pointee = 0x2c
            if separated { cursor += 1 }
            separated = true
        }

        @inline(__always)
        private mutating func copy(_ base: UnsafeRawPointer, _ count: Int) {
            // Most cells are short: two overlapping loads and stores beat a loop or a call to memmove.
            let to = UnsafeMutableRawPointer(cursor)
            if count >= 8 && count <= 16 {
                let head = base.loadUnaligned(as: UInt64.self), tail = base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                to.storeBytes(of: head, as: UInt64.self)
                (to + (count - 8)).storeBytes(of: tail, as: UInt64.self)
            } else if count >= 4 && count < 8 {
                let head = base.loadUnaligned(as: UInt32.self), tail = base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                to.storeBytes(of: head, as: UInt32.self)
                (to + (count - 4)).storeBytes(of: tail, as: UInt32.self)
            } else if count < 4 {
                for i in 0..<count { cursor[i] = base.load(fromByteOffset: i, as: UInt8.self) }
            } else {
                to.copyMemory(from: base, byteCount: count)
            }
            cursor += count
        }

        // MARK: Cells

        /// A text cell from the input (as `CSVWriter.text`: quoted if needed, neutralised if formula-like); nil → empty.
        @inline(__always)
        public mutating func text(_ value: String?) {
            guard let value else { empty(); return }
            let done: Void? = value.utf8.withContiguousStorageIfAvailable { text(UnsafeRawBufferPointer($0)) }
            if done == nil {
                var copy = value
                copy.withUTF8 { text(UnsafeRawBufferPointer($0)) }
            }
        }

        /// A text cell from UTF-8 bytes.
        public mutating func text(_ utf8: UnsafeRawBufferPointer) {
            let count = utf8.count
            room(2 * count + 4)
            separate()
            guard count > 0, let base = utf8.baseAddress else { return }
            // The four bytes that need quotes are all below 0x2d. Whole words first (the last one
            // overlapping its predecessor: no byte loop for the tail): when no byte of any is below 0x2d
            // (most cells), none needs quotes; else (or under four bytes) byte by byte.
            var candidate = true
            if count >= 8 {
                candidate = false
                var i = 0
                while i + 8 < count {
                    if Self.mayHaveSpecial(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { candidate = true; break }
                    i += 8
                }
                if !candidate { candidate = Self.mayHaveSpecial(base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) }
            } else if count >= 4 {
                let head = base.loadUnaligned(as: UInt32.self), tail = base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                candidate = Self.mayHaveSpecial(UInt64(head) | UInt64(tail) << 32)
            }
            var quote = false
            if candidate {
                for i in 0..<count {
                    let byte = base.load(fromByteOffset: i, as: UInt8.self)
                    if byte < 0x2d && (byte == 0x2c || byte == 0x22 || byte == 0x0a || byte == 0x0d) {
                        quote = true
                        break
                    }
                }
            }
            let formula = neutralizeFormulas && CSVWriter.startsFormula(base.load(as: UInt8.self))
            if quote { put(0x22) }
            if formula { put(0x27) }
            if quote {
                for i in 0..<count {
                    let byte = base.load(fromByteOffset: i, as: UInt8.self)
                    if byte == 0x22 { put(0x22) }
                    put(byte)
                }
                put(0x22)
            } else {
                copy(base, count)
            }
        }

        /// Whether a byte of `word` may be below 0x2d (every byte that is has its flag set; a higher one
        /// may too, after a borrow: the caller checks byte by byte).
        @inline(__always)
        private static func mayHaveSpecial(_ word: UInt64) -> Bool {
            (word &- 0x2d2d_2d2d_2d2d_2d2d) & ~word & 0x8080_8080_8080_8080 != 0
        }

        /// A cell written as is: a fixed word (`met`, `yes`) or an enum's raw value.
        public mutating func word(_ value: String) {
            let done: Void? = value.utf8.withContiguousStorageIfAvailable { word(UnsafeRawBufferPointer($0)) }
            if done == nil {
                var copy = value
                copy.withUTF8 { word(UnsafeRawBufferPointer($0)) }
            }
        }

        /// A fixed word known when compiling (an enum's cell, `yes`/`no`).
        @inline(__always)
        public mutating func word(_ value: StaticString) {
            word(UnsafeRawBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
        }

        /// `count` empty cells.
        @inline(__always)
        public mutating func empty(_ count: Int) {
            room(count)
            for _ in 0..<count { separate() }
        }

        /// A cell of bytes written as they are (escaped earlier, or a fixed word).
        @inline(__always)
        public mutating func word(_ bytes: UnsafeRawBufferPointer) {
            room(bytes.count + 1)
            separate()
            if let base = bytes.baseAddress { copy(base, bytes.count) }
        }

        /// An empty cell.
        public mutating func empty() {
            room(1)
            separate()
        }

        public mutating func integer(_ value: Int) {
            room(21)
            separate()
            digits(value)
        }

        /// Seconds with milliseconds, `3600.250`; nil → empty cell.
        public mutating func seconds(_ ms: Milliseconds?) {
            room(25)
            separate()
            if let ms { appendSeconds(ms) }
        }

        /// Hundredths as a percentage with two decimals (`6667` → `66.67`); nil → empty.
        public mutating func percent(hundredths: Int?) {
            room(25)
            separate()
            guard let hundredths else { return }
            digits(hundredths / 100)
            put(0x2e)
            digits(hundredths % 100, width: 2)
        }

        /// `path:line` (a text cell: the path comes from the command line). A path that needs quotes is
        /// quoted with its line number inside.
        public mutating func source(path: String, line: Int64) {
            guard !CSVWriter.needsQuotes(path) else { text("\(path):\(line)"); return }
            text(path)
            room(21)
            put(UInt8(ascii: ":"))
            digits(Int(line))
        }

        /// `path:line` where `cell` is the path already escaped as a text cell that needs no quotes.
        public mutating func source(cell: UnsafeRawBufferPointer, line: Int64) {
            word(cell)
            room(21)
            put(UInt8(ascii: ":"))
            digits(Int(line))
        }

        /// ISO 8601 UTC with milliseconds; nil → empty cell.
        public mutating func instant(_ value: Instant?) {
            room(32)
            separate()
            guard let value else { return }
            let (days, msOfDay) = value.milliseconds.floorDivided(by: 86_400_000)
            if days != day {
                let date = CivilDate(daysSinceEpoch: Int(days))
                if (0...9999).contains(date.year) {
                    // `YYYY-MM-` and `DDT` built in two words from pairs; kept as the day's text.
                    let year = UInt(date.year)
                    var head = UInt64(Self.pairWord(year / 100)) | UInt64(Self.pairWord(year % 100)) << 16 | 0x2d << 32
                    head |= UInt64(Self.pairWord(UInt(date.month))) << 40 | 0x2d << 56
                    let tail = UInt64(Self.pairWord(UInt(date.day))) | UInt64(UInt8(ascii: "T")) << 16
                    day = days
                    dayText = (head.littleEndian, tail.littleEndian)
                    let to = UnsafeMutableRawPointer(cursor)
                    to.storeBytes(of: dayText.0, as: UInt64.self)
                    (to + 8).storeBytes(of: dayText.1, as: UInt64.self)
                    cursor += 11
                } else {
                    digits(date.year, width: 4)
                    put(0x2d)
                    pair(date.month)
                    put(0x2d)
                    pair(date.day)
                    put(UInt8(ascii: "T"))
                    day = .min
                }
            } else {
                // The day's 11 bytes as two overlapping words (room for 32 was made).
                let to = UnsafeMutableRawPointer(cursor)
                to.storeBytes(of: dayText.0, as: UInt64.self)
                (to + 8).storeBytes(of: dayText.1, as: UInt64.self)
                cursor += 11
            }
            // `HH:MM:SS` and `.mmmZ`, each built in a word from independent pairs and stored at once.
            // Unsigned: a division by a constant needs no sign correction.
            let ms = UInt(msOfDay), seconds = ms / 1000, milli = ms - seconds * 1000
            let minutes = seconds / 60
            var time = UInt64(Self.pairWord(minutes / 60)) | 0x3a << 16 | UInt64(Self.pairWord(minutes % 60)) << 24
            time |= 0x3a << 40 | UInt64(Self.pairWord(seconds % 60)) << 48
            let fraction =
                UInt64(0x2e) | UInt64(truncatingIfNeeded: milli / 100 &+ 0x30) << 8 | UInt64(Self.pairWord(milli % 100)) << 16
                | UInt64(UInt8(ascii: "Z")) << 32
            let to = UnsafeMutableRawPointer(cursor)
            to.storeBytes(of: time.littleEndian, as: UInt64.self)
            (to + 8).storeBytes(of: fraction.littleEndian, as: UInt64.self)
            cursor += 13
        }

        // MARK: A cell in pieces

        /// Starts a cell whose content is appended piece by piece (trusted words and numbers only).
        public mutating func beginCell() {
            room(1)
            separate()
        }

        /// A fixed word inside a cell.
        @inline(__always)
        public mutating func append(_ text: StaticString) {
            room(text.utf8CodeUnitCount)
            copy(text.utf8Start, text.utf8CodeUnitCount)
        }

        /// Seconds with milliseconds inside a cell.
        @inline(__always)
        public mutating func appendSeconds(_ ms: Milliseconds) {
            room(24)
            var magnitude = ms
            if ms < 0 {
                put(UInt8(ascii: "-"))
                magnitude = -ms
            }
            let seconds = UInt(magnitude / 1000), milli = UInt(magnitude % 1000)
            if seconds < 100_000_000 {
                // Up to eight digits (three years of seconds): built in one word from four independent
                // pairs, the leading zeros shifted out, stored at once (room for 24 bytes was made).
                let high = seconds / 10_000, low = seconds % 10_000
                var word = UInt64(Self.pairWord(high / 100)) | UInt64(Self.pairWord(high % 100)) << 16
                word |= UInt64(Self.pairWord(low / 100)) << 32 | UInt64(Self.pairWord(low % 100)) << 48
                let count = Self.digitCount(seconds)
                word >>= UInt64(8 &- count) &* 8
                UnsafeMutableRawPointer(cursor).storeBytes(of: word.littleEndian, as: UInt64.self)
                cursor += count
            } else {
                digits(Int(seconds))
            }
            // `.` and three digits, one store.
            let fraction = UInt32(0x2e) | UInt32(truncatingIfNeeded: milli / 100 &+ 0x30) << 8 | UInt32(Self.pairWord(milli % 100)) << 16
            UnsafeMutableRawPointer(cursor).storeBytes(of: fraction.littleEndian, as: UInt32.self)
            cursor += 4
        }

        // MARK: Digits

        /// 0…99 as two digits.
        @inline(__always)
        private mutating func pair(_ value: Int) { pair(UInt(bitPattern: value)) }

        @inline(__always)
        private mutating func pair(_ value: UInt) {
            let table = Self.pairs
            let index = 2 * Int(bitPattern: value)
            cursor[0] = table[index]
            cursor[1] = table[index + 1]
            cursor += 2
        }

        /// 0…99 as its two digit bytes in one little-endian word (the first digit in the low byte).
        @inline(__always)
        private static func pairWord(_ value: UInt) -> UInt16 {
            UInt16(littleEndian: UnsafeRawPointer(pairs + 2 * Int(value)).loadUnaligned(as: UInt16.self))
        }

        /// "00" "01" … "99": two digits per lookup.
        private static var pairs: UnsafePointer<UInt8> {
            ("""
            00010203040506070809101112131415161718192021222324252627282930313233343536373839\
            40414243444546474849505152535455565758596061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899
            """ as StaticString).utf8Start
        }

        /// How many decimal digits `value` has: its bit length gives the count or one less (× log10 2 ≈
        /// 1233 / 4096), one compare with the power of ten settles it.
        @inline(__always)
        static func digitCount(_ value: UInt) -> Int {
            let bits = UInt.bitWidth - (value | 1).leadingZeroBitCount
            let guess = (bits &* 1233) &>> 12
            return guess &+ ((value | 1) >= powerOfTen(guess) ? 1 : 0)
        }

        /// 10ⁿ for n in 0…19.
        @inline(__always)
        private static func powerOfTen(_ n: Int) -> UInt { powersOfTen.withUnsafeBufferPointer { $0[n] } }

        /// Decimal digits of `value`, zero-padded to `width` (room for 20 bytes plus the padding must be made).
        @inline(__always)
        private mutating func digits(_ value: Int, width: Int = 1) {
            if value < 0 { put(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            let count = Self.digitCount(magnitude)
            var total = count
            while total < width {
                put(0x30)
                total += 1
            }
            let table = Self.pairs
            var end = count
            while magnitude >= 100 {
                let index = Int(magnitude % 100) * 2
                magnitude /= 100
                end -= 2
                cursor[end] = table[index]
                cursor[end + 1] = table[index + 1]
            }
            if magnitude >= 10 {
                let index = Int(magnitude) * 2
                cursor[0] = table[index]
                cursor[1] = table[index + 1]
            } else {
                cursor[0] = UInt8(truncatingIfNeeded: magnitude) &+ 0x30
            }
            cursor += count
        }
    }
}

/// 10⁰ … 10¹⁹ (constant data: the compiler lays the array out statically).
private let powersOfTen: [UInt] = [
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000, 100_000_000_000,
    1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000, 10_000_000_000_000_000,
    100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
]
