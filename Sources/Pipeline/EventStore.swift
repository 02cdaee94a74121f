import Normalize
import SLACore

/// The merger's state: chunk outputs arrive in any order; per file they are
/// applied in chunk order (so line numbers are exact), symbols are remapped
/// into the run's interner, and events are filed under their ticket.
///
/// Memory: one compact `Event` per event line (noise lines cost nothing).
struct EventStore {
    var interner = Interner()
    /// Events per ticket; `ticketSlot[symbol]` is the index, -1 if not a ticket.
    var ticketEvents: [[Event]] = []
    var ticketSymbols: [Symbol] = []
    private var ticketSlot: [Int32] = []
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

        let symbols = output.strings.strings.map { interner.intern($0) }
        for var event in output.events {
            event.ticket = symbols[Int(event.ticket.rawValue)]
            event.customer = symbols[Int(event.customer.rawValue)]
            event.priority = symbols[Int(event.priority.rawValue)]
            event.channel = symbols[Int(event.channel.rawValue)]
            event.agent = symbols[Int(event.agent.rawValue)]
            event.source = event.source.advanced(byLines: base)
            if latest == nil || event.time > latest! { latest = event.time }
            ticketEvents[slot(for: event.ticket)].append(event)
        }
        for var reject in output.rejects {
            reject.line += base
            rejects.append((output.file, reject))
        }
    }

    private mutating func slot(for ticket: Symbol) -> Int {
        let raw = Int(ticket.rawValue)
        if raw >= ticketSlot.count {
            ticketSlot.append(contentsOf: repeatElement(-1, count: max(raw + 1 - ticketSlot.count, ticketSlot.count)))
        }
        if ticketSlot[raw] < 0 {
            ticketSlot[raw] = Int32(ticketEvents.count)
            ticketEvents.append([])
            ticketSymbols.append(ticket)
        }
        return Int(ticketSlot[raw])
    }
}
