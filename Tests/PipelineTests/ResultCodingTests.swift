import Aggregate
import Ingest
import SLACore
import Store
import TestSupport
import Testing

/// Kept results decode to exactly what was encoded, whatever the values: absent fields, times
/// before 1970 and far ahead, negative and huge durations, empty and absent own attributes,
/// many next replies, set-aside events.
@Suite struct ResultCodingTests {
    @Test func randomResultsRoundTrip() throws {
        var random = SeededGenerator(state: 42)
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &random) ? value() : nil }
        func time() -> Int64 {
            [Int64.random(in: -1 << 45...1 << 45, using: &random), 0, -1, Int64.max / 4, Int64.min / 4].randomElement(using: &random)!
        }
        func place() -> SLACore.SourceLocation {
            SLACore.SourceLocation(
                file: Int32.random(in: 0..<0xFF_FFFF, using: &random), line: Int64.random(in: 0..<1 << 40, using: &random))
        }
        func text() -> String { ["", "acme", "Zürich ✓", "a,b\"c\n", String(repeating: "x", count: 300)].randomElement(using: &random)! }
        func instance() -> MetricInstance {
            MetricInstance(
                metric: Metric.allCases.randomElement(using: &random)!, start: Instant(milliseconds: time()),
                stop: maybe(Instant(milliseconds: time())), stopReason: StopReason.allCases.randomElement(using: &random)!,
                value: time(), target: maybe(time()), policy: maybe(Int.random(in: 0..<1000, using: &random)),
                outcome: Aggregate.Outcome.allCases.randomElement(using: &random)!, stopSource: maybe(place()))
        }
        var writer = ByteWriter()
        var written: [(UInt32, Int, Int64, TicketResult, [SetAside])] = []
        for n in 0..<3000 {
            let ticket = "T-\(n)-" + text()
            let result = TicketResult(
                ticket: ticket, customer: maybe(text()), priority: maybe(text()), channel: maybe(text()), agent: maybe(text()),
                extras: (0..<Int.random(in: 0...3, using: &random)).map { _ in maybe(text()) },
                requester: Bool.random(using: &random) ? .agent : .customer, state: TicketState.allCases.randomElement(using: &random)!,
                openedAt: maybe(Instant(milliseconds: time())), openSource: maybe(place()),
                resolvedAt: maybe(Instant(milliseconds: time())), reopens: Int.random(in: 0...100_000, using: &random),
                policy: maybe(Int.random(in: 0..<100, using: &random)), firstResponse: maybe(instance()),
                nextReplies: (0..<Int.random(in: 0...20, using: &random)).map { _ in instance() }, resolution: maybe(instance()))
            let aside = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                SetAside(
                    reason: SetAside.Reason.allCases.randomElement(using: &random)!, source: place(),
                    rule: UInt16.random(in: 0...UInt16.max, using: &random), ticket: ticket)
            }
            let slot = UInt32.random(in: 0...UInt32.max, using: &random), events = Int.random(in: 1..<1 << 31, using: &random)
            let last = time()
            ResultCoding.append(slot: slot, events: events, last: last, result: result, setAside: aside, to: &writer)
            written.append((slot, events, last, result, aside))
        }
        var read = 0
        writer.bytes.withUnsafeBytes { data in
            ResultCoding.forEachEntry(data) { entry in
                guard read < written.count else { return }
                let (slot, events, last, result, aside) = written[read]
                #expect(entry.slot == slot && Int(entry.events) == events && entry.last == last)
                let (decoded, decodedAside) = ResultCoding.decode(UnsafeRawBufferPointer(rebasing: data[entry.payload]))
                #expect(decoded == result, "entry \(read)")
                #expect(decodedAside == aside, "entry \(read)")
                read += 1
            }
        }
        #expect(read == written.count)
    }
}

extension ResultCodingTests {
    /// The frames kept results are stored in: bytes come back as written; a wrong stated length, a
    /// flipped byte or a cut frame give nil (found by the `results` fuzz target: a damaged length
    /// once asked for 3.7 GB before anything was checked).
    @Test func lz4FramesRoundTripAndRefuseDamage() {
        let text = Array((0..<20_000).map { "row \($0 % 977) of the kept results\n" }.joined().utf8)
        let frame = text.withUnsafeBytes { LZ4Block.compress($0) }
        #expect(frame.count < text.count / 4)
        #expect(frame.withUnsafeBytes { LZ4Block.decompress($0) } == text)
        var longer = frame
        longer[0] ^= 0x01
        #expect(longer.withUnsafeBytes { LZ4Block.decompress($0) } == nil)
        var flipped = frame
        flipped[frame.count / 2] ^= 0x40
        #expect(flipped.withUnsafeBytes { LZ4Block.decompress($0) } == nil)
        #expect(Array(frame.dropLast(9)).withUnsafeBytes { LZ4Block.decompress($0) } == nil)
        #expect([UInt8]([0xFF, 0xFF, 0xFF, 0xDE]).withUnsafeBytes { LZ4Block.decompress($0) } == nil)
    }
}

extension ResultCodingTests {
    /// Payloads of any bytes decode without a crash (damaged counts, places past the packed widths,
    /// times that overflow): a seeded slice of what the `results` fuzz target does.
    @Test func anyBytesDecodeWithoutACrash() {
        var random = SeededGenerator(state: 7)
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random) : 0xFF
            }
            bytes.withUnsafeBytes { raw in
                _ = ResultCoding.decode(raw)
                ResultCoding.forEachEntry(raw) { entry in _ = ResultCoding.decode(UnsafeRawBufferPointer(rebasing: raw[entry.payload])) }
            }
        }
    }
}
