import Normalize
import SLACore

/// The merger's state: chunk outputs arrive in any order; per file they are
/// applied in chunk order (so line numbers are exact), strings are remapped
/// into the run's tables, and events are appended to one flat store.
///
/// Memory: one 40-byte `Event` per event line, in 64 Ki-event segments (no
/// doubling on growth); noise lines cost nothing. `Event.ticket` holds the
/// ticket's slot in `ticketNames`; the other symbols index `attributes`.
struct EventStore {
    var attributes = Interner()
    var ticketNames: [String] = []
    private var ticketSlots: [String: UInt32] = [:]
    var events = SegmentedEvents()
    var latest: Instant?
    var rejects: [(file: Int32, reject: ChunkOutput.PendingReject)] = []
    var statistics: [InputStatistics]
    private var nextChunk: [Int]
    private var lineBase: [Int64]
    private var parked: [Int32: [Int: ChunkOutput]] = [:]

    init(inputs: [String]) {
        statistics = inputs.map(InputStatistics.init)
        nextChunk = Array(repeating: 0, count: inputs.count)
        lineBase = Array(repeating: 0, count: inputs.count)
    }

    /// Takes a chunk's output; applies it and any parked successors when its turn has come.
    mutating func receive(_ output: ChunkOutput) {
        let file = Int(output.file)
        guard output.index == nextChunk[file] else {
            parked[output.file, default: [:]][output.index] = output
            return
        }
        var current: ChunkOutput? = output
        while let chunk = current {
            apply(chunk)
            nextChunk[file] += 1
            current = parked[output.file]?.removeValue(forKey: nextChunk[file])
        }
    }

    private mutating func apply(_ output: ChunkOutput) {
        let file = Int(output.file)
        let base = lineBase[file]
        lineBase[file] += output.lines
        var stats = statistics[file]
        stats.lines += output.lines
        stats.bytes += output.bytes
        stats.unmatched += output.unmatched
        stats.ignored += output.ignored
        stats.events += Int64(output.events.count)
        stats.rejects += Int64(output.rejects.count)
        stats.longLines += output.longLines
        if stats.firstLongLine == nil, let first = output.firstLongLine { stats.firstLongLine = base + first }
        statistics[file] = stats

        // Local symbol → run symbol, computed on first use (a string may be a ticket, an attribute, or both).
        let local = output.strings.strings
        var asAttribute = [UInt32](repeating: .max, count: local.count)
        var asTicket = [UInt32](repeating: .max, count: local.count)
        asAttribute[0] = 0
        func attribute(_ symbol: Symbol) -> Symbol {
            let i = Int(symbol.rawValue)
            if asAttribute[i] == .max { asAttribute[i] = attributes.intern(local[i]).rawValue }
            return Symbol(rawValue: asAttribute[i])
        }
        for var event in output.events {
            let t = Int(event.ticket.rawValue)
            if asTicket[t] == .max { asTicket[t] = slot(for: local[t]) }
            event.ticket = Symbol(rawValue: asTicket[t])
            event.customer = attribute(event.customer)
            event.priority = attribute(event.priority)
            event.channel = attribute(event.channel)
            event.agent = attribute(event.agent)
            event.source = event.source.advanced(byLines: base)
            if latest == nil || event.time > latest! { latest = event.time }
            events.append(event)
        }
        for var reject in output.rejects {
            reject.line += base
            rejects.append((output.file, reject))
        }
    }

    private mutating func slot(for ticket: String) -> UInt32 {
        if let slot = ticketSlots[ticket] { return slot }
        let slot = UInt32(ticketNames.count)
        ticketNames.append(ticket)
        ticketSlots[ticket] = slot
        return slot
    }

    /// Groups event positions by ticket (a counting sort): the events of
    /// ticket `t` are `order[starts[t] ..< starts[t + 1]]`, in arrival order.
    /// `firstSeen[t]` is the earliest input position (file, line) of any of its events.
    func groupByTicket() -> (starts: [Int], order: [UInt32], firstSeen: [SourceLocation]) {
        var starts = [Int](repeating: 0, count: ticketNames.count + 1)
        var firstSeen = [SourceLocation](repeating: SourceLocation(file: 0xFF_FFFF, line: 0xFF_FFFF_FFFF), count: ticketNames.count)
        events.forEach { _, event in
            let t = Int(event.ticket.rawValue)
            starts[t + 1] += 1
            if event.source < firstSeen[t] { firstSeen[t] = event.source }
        }
        for i in 1..<starts.count { starts[i] += starts[i - 1] }
        var fill = starts
        var order = [UInt32](repeating: 0, count: events.count)
        events.forEach { index, event in
            let t = Int(event.ticket.rawValue)
            order[fill[t]] = UInt32(index)
            fill[t] += 1
        }
        return (starts, order, firstSeen)
    }
}

/// An append-only array of events in fixed-size segments, so growth never
/// copies (or briefly doubles) the whole store.
struct SegmentedEvents: Sendable {
    static let segmentBits = 16
    private var segments: [[Event]] = []
    private(set) var count = 0

    mutating func append(_ event: Event) {
        if count & ((1 << Self.segmentBits) - 1) == 0 {
            var segment: [Event] = []
            segment.reserveCapacity(1 << Self.segmentBits)
            segments.append(segment)
        }
        segments[segments.count - 1].append(event)
        count += 1
    }

    subscript(index: Int) -> Event {
        segments[index >> Self.segmentBits][index & ((1 << Self.segmentBits) - 1)]
    }

    func forEach(_ body: (Int, Event) -> Void) {
        var index = 0
        for segment in segments {
            for event in segment { body(index, event); index += 1 }
        }
    }
}
