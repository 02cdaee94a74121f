import Aggregate
import SLACore

/// Kept results of settled tickets (docs/semantics.md §11, "Settled tickets are measured once"):
/// one entry per ticket, `slot` UInt32, `events` UInt32 (the ticket's event count when kept),
/// `last` Int64 (its last event's time), a UInt32 payload length, then the payload: the ticket's
/// `TicketResult` and the events set aside while measuring it, little-endian, strings as bytes.
/// Everything about a ticket in one entry, so entries can be shuffled and merged by ticket.
public enum ResultCoding {
    /// Changes whenever a payload's layout or a result's meaning changes: older kept results are then not used.
    public static let version = 1
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
        let lengthAt = writer.bytes.count
        writer.append(UInt32(0))
        encode(result, setAside: setAside, to: &writer)
        writer.patch(UInt32(writer.bytes.count - lengthAt - 4), at: lengthAt)
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

    private static func encode(_ t: TicketResult, setAside: [SetAside], to w: inout ByteWriter) {
        w.append(bytes: Array(t.ticket.utf8))
        for value in [t.customer, t.priority, t.channel, t.agent] { w.append(optional: value) }
        w.append(UInt16(t.extras.count))
        for value in t.extras { w.append(optional: value) }
        w.append(t.requester.rawValue)
        w.append(code(t.state))
        w.append(optional: t.openedAt?.milliseconds)
        w.append(optional: t.openSource?.packed)
        w.append(optional: t.resolvedAt?.milliseconds)
        w.append(UInt32(t.reopens))
        w.append(optional: t.policy.map { UInt32($0) })
        w.append(UInt8(t.firstResponse == nil ? 0 : 1))
        if let instance = t.firstResponse { encode(instance, to: &w) }
        w.append(UInt32(t.nextReplies.count))
        for instance in t.nextReplies { encode(instance, to: &w) }
        w.append(UInt8(t.resolution == nil ? 0 : 1))
        if let instance = t.resolution { encode(instance, to: &w) }
        w.append(UInt32(setAside.count))
        for aside in setAside {
            w.append(code(aside.reason))
            w.append(aside.source.packed)
            w.append(aside.rule)
        }
    }

    private static func encode(_ i: MetricInstance, to w: inout ByteWriter) {
        w.append(code(i.metric))
        w.append(i.start.milliseconds)
        w.append(optional: i.stop?.milliseconds)
        w.append(code(i.stopReason))
        w.append(i.value)
        w.append(optional: i.target)
        w.append(optional: i.policy.map { UInt32($0) })
        w.append(code(i.outcome))
        w.append(optional: i.stopSource?.packed)
    }

    /// The result and set-aside events of a payload.
    public static func decode(_ payload: UnsafeRawBufferPointer) -> (TicketResult, [SetAside]) {
        var r = ByteReader(payload)
        let ticket = r.readString()
        let customer = r.readOptionalString(), priority = r.readOptionalString()
        let channel = r.readOptionalString(), agent = r.readOptionalString()
        let extras = (0..<Int(r.read(UInt16.self))).map { _ in r.readOptionalString() }
        let requester = Requester(rawValue: r.read()) ?? .customer
        let state: TicketState = value(r.read())
        let openedAt = r.readOptional(Int64.self).map(Instant.init(milliseconds:))
        let openSource = r.readOptional(UInt64.self).map(location)
        let resolvedAt = r.readOptional(Int64.self).map(Instant.init(milliseconds:))
        let reopens = Int(r.read(UInt32.self))
        let policy = r.readOptional(UInt32.self).map(Int.init)
        let firstResponse = r.read(UInt8.self) == 1 ? instance(&r) : nil
        let nextReplies = (0..<Int(r.read(UInt32.self))).map { _ in instance(&r) }
        let resolution = r.read(UInt8.self) == 1 ? instance(&r) : nil
        let setAside = (0..<Int(r.read(UInt32.self))).map { _ in
            SetAside(reason: value(r.read()), source: location(r.read()), rule: r.read(), ticket: ticket)
        }
        let result = TicketResult(
            ticket: ticket, customer: customer, priority: priority, channel: channel, agent: agent, extras: extras, requester: requester,
            state: state, openedAt: openedAt, openSource: openSource, resolvedAt: resolvedAt, reopens: reopens, policy: policy,
            firstResponse: firstResponse, nextReplies: nextReplies, resolution: resolution)
        return (result, setAside)
    }

    private static func instance(_ r: inout ByteReader) -> MetricInstance {
        let metric: Metric = value(r.read())
        let start = Instant(milliseconds: r.read())
        let stop = r.readOptional(Int64.self).map(Instant.init(milliseconds:))
        let stopReason: StopReason = value(r.read())
        let measured: Int64 = r.read()
        let target = r.readOptional(Int64.self)
        let policy = r.readOptional(UInt32.self).map(Int.init)
        let outcome: Outcome = value(r.read())
        let stopSource = r.readOptional(UInt64.self).map(location)
        return MetricInstance(
            metric: metric, start: start, stop: stop, stopReason: stopReason, value: measured, target: target, policy: policy,
            outcome: outcome, stopSource: stopSource)
    }

    private static func location(_ packed: UInt64) -> SourceLocation {
        var location = SourceLocation(file: 0, line: 0)
        location.packed = packed
        return location
    }

    /// An enum case as its position among all cases (one byte), and back.
    private static func code<T: CaseIterable & Equatable>(_ value: T) -> UInt8 {
        UInt8(T.allCases.distance(from: T.allCases.startIndex, to: T.allCases.firstIndex(of: value)!))
    }

    private static func value<T: CaseIterable>(_ code: UInt8) -> T {
        let cases = T.allCases
        let offset = min(Int(code), cases.count - 1)
        return cases[cases.index(cases.startIndex, offsetBy: offset)]
    }
}

extension ByteWriter {
    /// A presence byte, then the value when present.
    mutating func append<T: FixedWidthInteger>(optional value: T?) {
        append(UInt8(value == nil ? 0 : 1))
        if let value { append(value) }
    }

    mutating func append(optional text: String?) {
        append(UInt8(text == nil ? 0 : 1))
        if let text { append(bytes: Array(text.utf8)) }
    }
}

extension ByteReader {
    mutating func readOptional<T: FixedWidthInteger>(_: T.Type) -> T? {
        read(UInt8.self) == 1 ? read(T.self) : nil
    }

    mutating func readOptionalString() -> String? {
        read(UInt8.self) == 1 ? readString() : nil
    }
}
