import Aggregate
import SLACore

/// Little-endian integers and byte strings in blobs: the store's encoding, independent of
/// Swift's memory layout (a store outlives the build that wrote it).
public struct ByteWriter: Sendable {
    // Bytes are stored through a pointer into room made ahead (`storage` is longer than what was
    // written: `count` bytes are), so an append is a capacity check and a store, not an
    // `Array.append` with its uniqueness and growth checks per byte. Storage settable from inlinable
    // code: the writes specialize in the modules that encode.
    @usableFromInline var storage: [UInt8] = []
    /// Bytes written.
    public private(set) var count = 0

    /// The bytes written (a copy when room was made ahead; `withBytes` reads them in place).
    public var bytes: [UInt8] { count == storage.count ? storage : Array(storage[..<count]) }

    /// Calls `body` with the bytes written, in place.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    public init(capacity: Int = 0) { storage = [UInt8](repeating: 0, count: capacity) }

    /// Room for `n` more bytes: the storage at least doubles, so appends stay amortized O(1).
    @inlinable @inline(__always)
    mutating func room(_ n: Int) {
        if storage.count - count < n { grow(n) }
    }

    @usableFromInline @inline(never)
    mutating func grow(_ n: Int) {
        storage.append(contentsOf: repeatElement(0, count: max(n, storage.count, 64)))
    }

    @usableFromInline mutating func setCount(_ newCount: Int) { count = newCount }

    @inlinable
    public mutating func append<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        room(size)
        let at = count
        storage.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self) }
        setCount(at + size)
    }

    public mutating func append(bytes more: some Collection<UInt8>) {
        append(UInt32(more.count))
        appendRaw(more)
    }

    /// Bytes as they are, no length.
    @inlinable
    mutating func appendRaw(_ more: some Collection<UInt8>) {
        let n = more.count
        room(n)
        let at = count
        storage.withUnsafeMutableBufferPointer { target in
            if more.withContiguousStorageIfAvailable({ source in
                target.baseAddress!.advanced(by: at).update(from: source.baseAddress!, count: n)
            }) == nil {
                var i = at
                for byte in more {
                    target[i] = byte
                    i += 1
                }
            }
        }
        setCount(at + n)
    }

    public mutating func append(_ byte: UInt8) {
        room(1)
        storage[count] = byte
        count += 1
    }

    /// LEB128: 7 bits a byte, low bits first.
    @inlinable
    public mutating func appendVarint(_ value: UInt64) {
        room(10)
        var at = count
        storage.withUnsafeMutableBufferPointer { target in
            var value = value
            while value >= 0x80 {
                target[at] = UInt8(truncatingIfNeeded: value) | 0x80
                at += 1
                value >>= 7
            }
            target[at] = UInt8(value)
            at += 1
        }
        setCount(at)
    }

    /// A signed value as a varint: 0, -1, 1, -2 … → 0, 1, 2, 3 …
    @inlinable
    public mutating func appendZigZag(_ value: Int64) { appendVarint(UInt64(bitPattern: value << 1 ^ value >> 63)) }

    /// Text as its varint byte count (+ `lengthBias`) and UTF-8 bytes.
    public mutating func appendString(_ text: String, lengthBias: UInt64 = 0) {
        appendVarint(UInt64(text.utf8.count) + lengthBias)
        appendRaw(text.utf8)
    }

    /// A place as varint file and line.
    @inlinable
    public mutating func append(_ location: SourceLocation) {
        appendVarint(UInt64(location.file))
        appendVarint(UInt64(location.line))
    }

    /// Overwrites four bytes written earlier (a length known only after what it measures).
    public mutating func patch(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= count, "patch past the bytes written")
        storage.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self) }
    }
}

/// Reads what `ByteWriter` wrote; a short blob reads as zeros (never past its end).
public struct ByteReader {
    // Inlinable reads (the store is decoded from other modules, per event and per string: an
    // unspecialized generic call each cost more than the read itself).
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var offset = 0
    public var position: Int { offset }

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var atEnd: Bool { position >= bytes.count }

    /// A count read from the data, capped by the bytes left (each counted item takes at least one):
    /// damaged data never asks for more items than it could hold.
    public mutating func readCount() -> Int { Int(min(readVarint(), UInt64(bytes.count - min(position, bytes.count)))) }

    @inlinable
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else {
            offset = bytes.count
            return 0
        }
        defer { offset += size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    public mutating func readBytes() -> [UInt8] {
        let count = min(Int(read(UInt32.self)), bytes.count - position)
        defer { offset += count }
        return Array(bytes[position..<(position + count)])
    }

    /// `count` bytes as text (no intermediate array).
    public mutating func readText(count: Int) -> String {
        let count = max(0, min(count, bytes.count - position))
        defer { offset += count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)]), as: UTF8.self)
    }

    public mutating func skip(_ count: Int) { offset = min(bytes.count, offset + count) }

    @inlinable
    @inline(__always)
    public mutating func readVarint() -> UInt64 {
        // Ten bytes left (the longest varint): no bounds check per byte, and inlined where read.
        guard offset + 10 <= bytes.count else { return readVarintNearEnd() }
        // Up to eight bytes (56 bits: every time, count and place) from one load, without a loop: the
        // first byte with a clear top bit ends it; the 7-bit groups are moved together by shifts.
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        if word & 0x80 == 0 {
            offset &+= 1
            return word & 0x7F
        }
        let ends = ~word & 0x8080_8080_8080_8080
        if ends != 0 {
            let bits = UInt64(ends.trailingZeroBitCount) &+ 1  // through the last byte's top bit
            let kept = bits == 64 ? word : word & (1 &<< bits &- 1)
            var value = kept & 0x7F
            value |= kept >> 1 & 0x3F80
            value |= kept >> 2 & 0x1F_C000
            value |= kept >> 3 & 0xFE0_0000
            value |= kept >> 4 & 0x7_F000_0000
            value |= kept >> 5 & 0x3F8_0000_0000
            value |= kept >> 6 & 0x1_FC00_0000_0000
            value |= kept >> 7 & 0xFE_0000_0000_0000
            offset &+= Int(bits >> 3)
            return value
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var at = offset
        while true {
            let byte = bytes.load(fromByteOffset: at, as: UInt8.self)
            at += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 || shift >= 63 { break }
            shift += 7
        }
        offset = at
        return value
    }

    /// A varint within ten bytes of the end (or cut short by it), byte by byte.
    @usableFromInline @inline(never)
    mutating func readVarintNearEnd() -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count && shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return value
    }

    /// A non-negative count or index (damaged data cannot make it negative or huge).
    @inline(__always)
    public mutating func readSmall() -> Int { Int(min(readVarint(), UInt64(Int32.max))) }

    @inline(__always)
    public mutating func readZigZag() -> Int64 {
        let raw = readVarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    public mutating func readVarintString() -> String { readText(count: Int(truncatingIfNeeded: readVarint())) }

    /// A place written by `append(_: SourceLocation)`; out-of-range numbers (damage) are cut to the packed widths.
    @inline(__always)
    public mutating func readLocation() -> SourceLocation {
        let file = Int32(truncatingIfNeeded: readVarint() & 0xFF_FFFF)
        return SourceLocation(file: file, line: Int64(truncatingIfNeeded: readVarint() & 0xFF_FFFF_FFFF))
    }
}

/// Lists of integers and of byte strings as blobs.
public enum ByteCoding {
    public static func encode(integers: [Int64]) -> [UInt8] {
        var writer = ByteWriter(capacity: integers.count * 8)
        for n in integers { writer.append(n) }
        return writer.bytes
    }

    public static func integers(_ bytes: [UInt8]) -> [Int64] {
        bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            return (0..<(raw.count / 8)).map { _ in reader.read(Int64.self) }
        }
    }

    public static func encode(byteStrings: [[UInt8]]) -> [UInt8] {
        var writer = ByteWriter()
        for s in byteStrings { writer.append(bytes: s) }
        return writer.bytes
    }

    public static func byteStrings(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            var strings: [[UInt8]] = []
            while !reader.atEnd { strings.append(reader.readBytes()) }
            return strings
        }
    }
}

/// An event as 32 little-endian bytes: time, source, ticket slot, attribute tuple, status, kind, requester, rule.
public enum EventCoding {
    public static let size = 32

    public static func append(_ event: Event, to writer: inout ByteWriter) {
        writer.room(size)
        let at = writer.count
        writer.storage.withUnsafeMutableBytes { store(event, to: $0, at: at) }
        writer.setCount(at + size)
    }

    /// `count` events (`event(i)` the i-th) as one segment's bytes.
    public static func encode(count: Int, _ event: (Int) -> Event) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count * size) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for i in 0..<count { store(event(i), to: raw, at: i * size) }
            initialized = count * size
        }
    }

    @inline(__always)
    private static func store(_ event: Event, to raw: UnsafeMutableRawBufferPointer, at base: Int) {
        precondition(base + size <= raw.count)
        let to = raw.baseAddress! + base
        to.storeBytes(of: event.time.milliseconds.littleEndian, toByteOffset: 0, as: Int64.self)
        to.storeBytes(of: event.source.packed.littleEndian, toByteOffset: 8, as: UInt64.self)
        to.storeBytes(of: event.ticket.rawValue.littleEndian, toByteOffset: 16, as: UInt32.self)
        to.storeBytes(of: event.attributes.littleEndian, toByteOffset: 20, as: UInt32.self)
        to.storeBytes(of: event.status.rawValue.littleEndian, toByteOffset: 24, as: UInt32.self)
        to.storeBytes(of: event.kind.rawValue, toByteOffset: 28, as: UInt8.self)
        to.storeBytes(of: event.requester.rawValue, toByteOffset: 29, as: UInt8.self)
        to.storeBytes(of: event.rule.littleEndian, toByteOffset: 30, as: UInt16.self)
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Event {
        let base = index * size
        func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: base + offset, as: T.self))
        }
        var source = SourceLocation(file: 0, line: 0)
        source.packed = load(8, UInt64.self)
        return Event(
            time: Instant(milliseconds: load(0, Int64.self)), ticket: Symbol(rawValue: load(16, UInt32.self)),
            kind: EventKind(rawValue: load(28, UInt8.self)) ?? .update, requester: Requester(rawValue: load(29, UInt8.self)) ?? .customer,
            rule: load(30, UInt16.self), attributes: load(20, UInt32.self), status: Symbol(rawValue: load(24, UInt32.self)),
            source: source)
    }
}

/// A service log (records and open check runs, before `finish`) as bytes, so a run of checks
/// goes on across nights exactly as it would in one run over all the logs.
public enum ServiceLogCoding {
    public static func encode(_ snapshot: ServiceLog.Snapshot) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(Int64(snapshot.checks))
        func put(_ record: ServiceRecord) {
            switch record.kind {
            case .down: writer.append(UInt8(0)); writer.append(Int64(0))
            case .up: writer.append(UInt8(1)); writer.append(Int64(0))
            case .maintenanceStart: writer.append(UInt8(2)); writer.append(Int64(0))
            case .maintenanceEnd: writer.append(UInt8(3)); writer.append(Int64(0))
            case let .checks(ok, count): writer.append(UInt8(ok ? 5 : 4)); writer.append(Int64(count))
            }
            writer.append(record.time.milliseconds)
            writer.append(record.end.milliseconds)
            writer.append(record.source.packed)
            writer.append(record.endSource.packed)
            writer.append(record.customer.rawValue)
        }
        writer.append(UInt32(snapshot.records.count))
        for (service, records) in snapshot.records.sorted(by: { $0.key < $1.key }) {
            writer.append(service.rawValue)
            writer.append(UInt32(records.count))
            records.forEach(put)
        }
        writer.append(UInt32(snapshot.open.count))
        for runs in snapshot.open {
            writer.append(UInt32(runs.count))
            runs.forEach(put)
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) -> ServiceLog.Snapshot {
        bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            var snapshot = ServiceLog.Snapshot()
            snapshot.checks = Int(reader.read(Int64.self))
            func get() -> ServiceRecord {
                let tag = reader.read(UInt8.self), count = Int(reader.read(Int64.self))
                let kind: ServiceRecord.Kind =
                    switch tag {
                    case 0: .down
                    case 1: .up
                    case 2: .maintenanceStart
                    case 3: .maintenanceEnd
                    default: .checks(ok: tag == 5, count: count)
                    }
                let time = Instant(milliseconds: reader.read()), end = Instant(milliseconds: reader.read())
                var source = SourceLocation(file: 0, line: 0), endSource = source
                source.packed = reader.read()
                endSource.packed = reader.read()
                return ServiceRecord(
                    kind: kind, time: time, end: end, source: source, endSource: endSource, customer: Symbol(rawValue: reader.read()))
            }
            for _ in 0..<reader.read(UInt32.self) where !reader.atEnd {
                let service = Symbol(rawValue: reader.read())
                snapshot.records[service] = (0..<reader.read(UInt32.self)).map { _ in get() }
            }
            for _ in 0..<reader.read(UInt32.self) where !reader.atEnd {
                snapshot.open.append((0..<reader.read(UInt32.self)).map { _ in get() })
            }
            return snapshot
        }
    }
}
