import SLACore
import Testing

@testable import Pipeline

/// Measuring frees a pass's event segments once every ticket with an event in them is measured.
@Suite struct PassPoolTests {
    /// Three segments; the ticket at position 0 has events in segments 0 and 2, position 1 only in
    /// segment 1, position 2 in segment 2. So segment 0 can go after position 0, segment 1 after
    /// position 1, segment 2 only after position 2 (worked out by hand from the layout).
    @Test func segmentsGoOnceTheirLastTicketIsMeasured() {
        let size = 1 << SegmentedEvents.segmentBits
        var events = SegmentedEvents()
        func event(_ index: Int) -> Event {
            Event(
                time: Instant(milliseconds: Int64(index)), ticket: Symbol(rawValue: 0), kind: .open,
                source: SourceLocation(file: 0, line: Int64(index)))
        }
        for index in 0..<(2 * size + 10) { events.append(event(index)) }
        // Lists per ticket (by position): indices into the pool.
        let lists: [[UInt32]] = [[0, 5, UInt32(2 * size + 1)], [UInt32(size), UInt32(size + 7)], [UInt32(2 * size + 3)]]
        let order = lists.flatMap { $0 }
        var starts = [0]
        for list in lists { starts.append(starts.last! + list.count) }
        let pass = PassEvents(pool: events, order: order, starts: starts, base: 0)
        #expect(pass.pool.releasedSegments == [])
        // The pool's copies of the segments hold the events as appended, in each segment.
        var all: [Event] = []
        for position in 0..<3 { pass.append(position: position, slot: 0, to: &all) }
        #expect(all.map(\.time.milliseconds) == order.map { Int64($0) })
        pass.pool.release(before: 1)
        #expect(pass.pool.releasedSegments == [0])
        // Position 0's own event in segment 2 and position 2's are still there.
        var scratch: [Event] = []
        pass.append(position: 2, slot: 0, to: &scratch)
        #expect(scratch.map(\.time.milliseconds) == [Int64(2 * size + 3)])
        pass.pool.release(before: 2)
        #expect(pass.pool.releasedSegments == [0, 1])
        scratch = []
        pass.append(position: 2, slot: 0, to: &scratch)
        #expect(scratch.map(\.time.milliseconds) == [Int64(2 * size + 3)])
        pass.pool.release(before: 3)
        #expect(pass.pool.releasedSegments == [0, 1, 2])
    }

    /// By slot (a run without a store): the position of a slot is its place in the report order.
    @Test func bySlotUsesTheReportOrder() {
        let size = 1 << SegmentedEvents.segmentBits
        var events = SegmentedEvents()
        for index in 0..<(size + 1) {
            events.append(
                Event(
                    time: Instant(milliseconds: 0), ticket: Symbol(rawValue: 0), kind: .open,
                    source: SourceLocation(file: 0, line: Int64(index))))
        }
        // Slot 0 has the event in segment 0, slot 1 the one in segment 1; slot 1 is measured first,
        // so segment 1 goes first.
        let pass = PassEvents(pool: events, order: [0, UInt32(size)], starts: [0, 1, 2], base: 0, sequence: [1, 0])
        pass.pool.release(before: 1)
        #expect(pass.pool.releasedSegments == [1])
        var scratch: [Event] = []
        pass.append(position: 1, slot: 0, to: &scratch)
        #expect(scratch.map(\.source.line) == [0])
        pass.pool.release(before: 2)
        #expect(pass.pool.releasedSegments == [1, 0])
    }
}
