import Aggregate
import SLACore

/// Kept results of settled tickets (docs/semantics.md §11, "Settled tickets are measured once"):
/// one entry per ticket, `slot` UInt32, `events` UInt32 (the ticket's event count when kept),
/// `last` Int64 (its last event's time), a UInt32 payload length, then the payload: the ticket's
/// `TicketResult` and the events set aside while measuring it, little-endian, strings as bytes.
/// Everything about a ticket in one entry, so entries can be shuffled and merged by ticket.
public enum ResultCoding {
    /// Changes whenever a payload's layout or a result's meaning changes: older kept results are then not used.
    public static let version = 2
    /// Bytes before the payload.
    public static let headerSize = 20

    /// One entry's header fields and where its payload lies in the segment.
    public struct Entry {
        public var slot: UInt32
        public var events: UInt32
        public var last: Int64
        public var payload: Range<Int>
    }

    public static func append(
        slot: UInt32, events: Int, last: Int64, result: TicketResult, setAside: [SetAside], to writer: inout ByteWriter
    ) {
        writer.append(slot)
        writer.append(UInt32(events))
        writer.append(last)
        let lengthAt = writer.count
        writer.append(UInt32(0))
        encode(result, setAside: setAside, to: &writer)
        writer.patch(UInt32(writer.count - lengthAt - 4), at: lengthAt)
    }

    /// Calls `body` for each entry of a segment, in order; stops at a short entry.
    public static func forEachEntry(_ data: UnsafeRawBufferPointer, _ body: (Entry) -> Void) {
        var reader = ByteReader(data)
        while reader.position + headerSize <= data.count {
            let slot: UInt32 = reader.read(), events: UInt32 = reader.read(), last: Int64 = reader.read()
            let length = Int(reader.read(UInt32.self))
            let start = reader.position
            guard start + length <= data.count else { return }
            body(Entry(slot: slot, events: events, last: last, payload: start..<(start + length)))
            reader.skip(length)
        }
    }

    // MARK: Payload
    //
    // Compact: presence bits, enums packed into bytes, times as varint differences from the open
    // (or the instance's start; wrapping, so any 64-bit times round-trip), places as varint file and line.
    // About 100 bytes a resolved ticket.

    private static func encode(_ t: TicketResult, setAside: [SetAside], to w: inout ByteWriter) {
        w.appendString(t.ticket)
        func bit(_ on: Bool, _ n: UInt16) -> UInt16 { on ? 1 << n : 0 }
        let present =
            bit(t.customer != nil, 0) | bit(t.priority != nil, 1) | bit(t.channel != nil, 2) | bit(t.agent != nil, 3)
            | bit(t.openedAt != nil, 4) | bit(t.openSource != nil, 5) | bit(t.resolvedAt != nil, 6) | bit(t.policy != nil, 7)
            | bit(t.firstResponse != nil, 8) | bit(t.resolution != nil, 9)
        w.append(present)
        if let value = t.customer { w.appendString(value) }
        if let value = t.priority { w.appendString(value) }
        if let value = t.channel { w.appendString(value) }
        if let value = t.agent { w.appendString(value) }
        w.appendVarint(UInt64(t.extras.count))
        for value in t.extras {
            // Length + 1, so that 0 says absent.
            if let value { w.appendString(value, lengthBias: 1) } else { w.appendVarint(0) }
        }
        w.append(t.requester.rawValue | code(t.state, in: states) << 1)
        let base = t.openedAt?.milliseconds ?? 0
        if let opened = t.openedAt { w.appendZigZag(opened.milliseconds) }
        if let source = t.openSource { w.append(source) }
        if let resolved = t.resolvedAt { w.appendZigZag(resolved.milliseconds &- base) }
        w.appendVarint(UInt64(t.reopens))
        if let policy = t.policy { w.appendVarint(UInt64(policy)) }
        if let instance = t.firstResponse { encode(instance, base: base, to: &w) }
        w.appendVarint(UInt64(t.nextReplies.count))
        for instance in t.nextReplies { encode(instance, base: base, to: &w) }
        if let instance = t.resolution { encode(instance, base: base, to: &w) }
        w.appendVarint(UInt64(setAside.count))
        for aside in setAside {
            w.append(code(aside.reason, in: reasons))
            w.append(aside.source)
            w.appendVarint(UInt64(aside.rule))
        }
    }

    private static func encode(_ i: MetricInstance, base: Int64, to w: inout ByteWriter) {
        w.append(code(i.metric, in: metrics) | code(i.stopReason, in: stopReasons) << 2 | code(i.outcome, in: outcomes) << 4)
        var present: UInt8 = 0
        if i.stop != nil { present |= 1 }
        if i.target != nil { present |= 2 }
        if i.policy != nil { present |= 4 }
        if i.stopSource != nil { present |= 8 }
        w.append(present)
        w.appendZigZag(i.start.milliseconds &- base)
        if let stop = i.stop { w.appendZigZag(stop.milliseconds &- i.start.milliseconds) }
        w.appendZigZag(i.value)
        if let target = i.target { w.appendZigZag(target) }
        if let policy = i.policy { w.appendVarint(UInt64(policy)) }
        if let source = i.stopSource { w.append(source) }
    }

    /// The result and set-aside events of a payload.
    public static func decode(_ payload: UnsafeRawBufferPointer) -> (TicketResult, [SetAside]) {
        var r = ByteReader(payload)
        let ticket = r.readVarintString()
        let present: UInt16 = r.read()
        func has(_ bit: Int) -> Bool { present & (1 << bit) != 0 }
        let customer = has(0) ? r.readVarintString() : nil, priority = has(1) ? r.readVarintString() : nil
        let channel = has(2) ? r.readVarintString() : nil, agent = has(3) ? r.readVarintString() : nil
        let extras = (0..<r.readCount()).map { _ -> String? in
            let length = Int(truncatingIfNeeded: r.readVarint())
            return length == 0 ? nil : r.readText(count: length - 1)
        }
        let packed: UInt8 = r.read()
        let requester = Requester(rawValue: packed & 1) ?? .customer
        let state = value(packed >> 1, in: states)
        let openedAt = has(4) ? Instant(milliseconds: r.readZigZag()) : nil
        let base = openedAt?.milliseconds ?? 0
        let openSource = has(5) ? r.readLocation() : nil
        let resolvedAt = has(6) ? Instant(milliseconds: base &+ r.readZigZag()) : nil
        let reopens = r.readSmall()
        let policy = has(7) ? r.readSmall() : nil
        let firstResponse = has(8) ? instance(&r, base: base) : nil
        let nextReplies = (0..<r.readCount()).map { _ in instance(&r, base: base) }
        let resolution = has(9) ? instance(&r, base: base) : nil
        let setAside = (0..<r.readCount()).map { _ in
            SetAside(
                reason: value(r.read(), in: reasons), source: r.readLocation(), rule: UInt16(truncatingIfNeeded: r.readVarint()),
                ticket: ticket)
        }
        return (
            TicketResult(
                ticket: ticket, customer: customer, priority: priority, channel: channel, agent: agent, extras: extras,
                requester: requester, state: state, openedAt: openedAt, openSource: openSource, resolvedAt: resolvedAt, reopens: reopens,
                policy: policy, firstResponse: firstResponse, nextReplies: nextReplies, resolution: resolution),
            setAside
        )
    }

    private static func instance(_ r: inout ByteReader, base: Int64) -> MetricInstance {
        let packed: UInt8 = r.read(), present: UInt8 = r.read()
        let metric = value(packed & 3, in: metrics)
        let stopReason = value(packed >> 2 & 3, in: stopReasons)
        let outcome = value(packed >> 4, in: outcomes)
        let start = base &+ r.readZigZag()
        let stop = present & 1 != 0 ? Instant(milliseconds: start &+ r.readZigZag()) : nil
        let measured = r.readZigZag()
        let target = present & 2 != 0 ? r.readZigZag() : nil
        let policy = present & 4 != 0 ? r.readSmall() : nil
        let stopSource = present & 8 != 0 ? r.readLocation() : nil
        return MetricInstance(
            metric: metric, start: Instant(milliseconds: start), stop: stop, stopReason: stopReason, value: measured, target: target,
            policy: policy, outcome: outcome, stopSource: stopSource)
    }

    /// An enum case as its position among all cases (one byte), and back.
    private static func code<T: Equatable>(_ value: T, in cases: [T]) -> UInt8 { UInt8(cases.firstIndex(of: value)!) }

    /// The case at position `code` (damaged data: the last case). The case lists are made once
    /// (`allCases` built an array per call: three per metric instance coded, a sixth of decoding one).
    private static func value<T>(_ code: UInt8, in cases: [T]) -> T { cases[min(Int(code), cases.count - 1)] }

    private static let metrics = Metric.allCases, stopReasons = StopReason.allCases, outcomes = Outcome.allCases
    private static let states = TicketState.allCases, reasons = SetAside.Reason.allCases
}
