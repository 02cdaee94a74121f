import SLACore
import Store
import TestSupport
import Testing

/// The store's byte writer writes through a pointer into room made ahead, and its reader reads a
/// varint without a bounds check per byte when ten bytes are left: both against a plain model of the
/// encoding (little-endian integers byte by byte, LEB128 by the book), across many growth steps.
@Suite struct ByteCodingTests {
    /// The encoding written out naively, one byte at a time.
    struct Model {
        var bytes: [UInt8] = []
        mutating func integer(_ value: UInt64, width: Int) {
            for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
        }
        mutating func varint(_ value: UInt64) {
            var rest = value
            repeat {
                let low = UInt8(rest & 0x7F)
                rest >>= 7
                bytes.append(rest == 0 ? low : low | 0x80)
            } while rest != 0
        }
    }

    @Test func writesWhatAPlainByteListWould() {
        var random = SeededGenerator(state: 11)
        for capacity in [0, 1, 7, 64, 1000] {
            var writer = ByteWriter(capacity: capacity)
            var model = Model()
            for _ in 0..<20_000 {
                // Magnitudes of every varint length, and the extremes.
                let bits = Int.random(in: 0...64, using: &random)
                let value = bits == 0 ? 0 : UInt64.random(in: 0...UInt64.max, using: &random) >> (64 - UInt64(bits))
                switch Int.random(in: 0..<9, using: &random) {
                case 0: writer.append(Int64(bitPattern: value)); model.integer(value, width: 8)
                case 1: writer.append(UInt32(truncatingIfNeeded: value)); model.integer(value, width: 4)
                case 2: writer.append(UInt16(truncatingIfNeeded: value)); model.integer(value, width: 2)
                case 3: writer.append(UInt8(truncatingIfNeeded: value)); model.bytes.append(UInt8(truncatingIfNeeded: value))
                case 4: writer.appendVarint(value); model.varint(value)
                case 5:
                    let signed = Int64(bitPattern: value)
                    writer.appendZigZag(signed); model.varint(UInt64(bitPattern: signed << 1 ^ signed >> 63))
                case 6:
                    let text = ["", "a", "Zürich ✓", String(repeating: "x", count: Int(value % 300))].randomElement(using: &random)!
                    writer.appendString(text); model.varint(UInt64(text.utf8.count)); model.bytes += Array(text.utf8)
                case 7:
                    let place = SourceLocation(file: Int32(value & 0xFF_FFFF), line: Int64(value >> 24))
                    writer.append(place); model.varint(UInt64(place.file)); model.varint(UInt64(place.line))
                default:
                    let more = (0..<Int(value % 40)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
                    writer.append(bytes: more); model.integer(UInt64(more.count), width: 4); model.bytes += more
                }
                #expect(writer.count == model.bytes.count)
            }
            // A length patched in the middle.
            let at = model.bytes.count / 2
            writer.patch(0xDEAD_BEEF, at: at)
            for i in 0..<4 { model.bytes[at + i] = UInt8(truncatingIfNeeded: UInt32(0xDEAD_BEEF) >> (8 * UInt32(i))) }
            #expect(writer.bytes == model.bytes, "capacity \(capacity)")
            #expect(writer.withBytes { Array($0) } == model.bytes)
        }
    }

    @Test func varintsReadBackAtEveryDistanceFromTheEnd() {
        var random = SeededGenerator(state: 5)
        for _ in 0..<2_000 {
            let bits = Int.random(in: 0...64, using: &random)
            let value = bits == 0 ? 0 : UInt64.random(in: 0...UInt64.max, using: &random) >> (64 - UInt64(bits))
            var model = Model()
            model.varint(value)
            // Followed by 0 to 12 bytes: the reader takes the checked path near the end, the fast one else.
            for padding in 0...12 {
                let bytes = model.bytes + [UInt8](repeating: 0xFF, count: padding)
                bytes.withUnsafeBytes { raw in
                    var reader = ByteReader(raw)
                    #expect(reader.readVarint() == value)
                    #expect(reader.position == model.bytes.count)
                }
            }
        }
        // Any bytes (damage included) read as a byte-by-byte decoder reads them: each varint ends at the
        // first byte below 0x80, or after ten; runs of continuation bytes of every length.
        func plainVarint(_ bytes: [UInt8], _ at: inout Int) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while at < bytes.count && shift < 64 {
                let byte = bytes[at]
                at += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            return value
        }
        for _ in 0..<3_000 {
            let continued = Int.random(in: 1...9, using: &random)
            let bytes = (0..<Int.random(in: 0..<40, using: &random)).map { _ in
                UInt8.random(in: 0...0x7F, using: &random) | (Int.random(in: 0..<10, using: &random) < continued ? 0x80 : 0)
            }
            bytes.withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                var at = 0
                while at < bytes.count {
                    #expect(reader.readVarint() == plainVarint(bytes, &at))
                    #expect(reader.position == at)
                }
            }
        }
        // An over-long varint (eleven continuation bytes) stops after ten on both paths, as before.
        for padding in [0, 20] {
            let bytes = [UInt8](repeating: 0xFF, count: 11) + [UInt8](repeating: 0, count: padding)
            bytes.withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                _ = reader.readVarint()
                #expect(reader.position == 10)
            }
        }
    }

    @Test func eventSegmentsRoundTrip() {
        var random = SeededGenerator(state: 3)
        let events = (0..<5_000).map { _ in
            Event(
                time: Instant(milliseconds: Int64.random(in: Int64.min...Int64.max, using: &random)),
                ticket: Symbol(rawValue: UInt32.random(in: 0...UInt32.max, using: &random)),
                kind: EventKind.allCases.randomElement(using: &random)!, requester: Bool.random(using: &random) ? .agent : .customer,
                rule: UInt16.random(in: 0...UInt16.max, using: &random), attributes: UInt32.random(in: 0...UInt32.max, using: &random),
                status: Symbol(rawValue: UInt32.random(in: 0...UInt32.max, using: &random)),
                source: SourceLocation(
                    file: Int32.random(in: 0..<0xFF_FFFF, using: &random), line: Int64.random(in: 0..<1 << 40, using: &random)))
        }
        let segment = EventCoding.encode(count: events.count) { events[$0] }
        var writer = ByteWriter()
        for event in events { EventCoding.append(event, to: &writer) }
        #expect(writer.bytes == segment)
        segment.withUnsafeBytes { raw in
            #expect(raw.count == events.count * EventCoding.size)
            for i in events.indices { #expect(EventCoding.decode(raw, at: i) == events[i]) }
        }
    }
}
