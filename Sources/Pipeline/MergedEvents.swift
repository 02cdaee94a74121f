import Aggregate
import CPrefetch
import Definition
import Normalize
import Report
import SLACore

/// The merger's state: chunk outputs arrive in any order; per file they are
/// applied in chunk order (so line numbers are exact), strings are remapped
/// into the run's tables, and events are appended to one flat store.
///
/// Verified text only: a chunk whose lines depend on a compressed unit that
/// has not yet passed its checksum waits (as parsed events, never as text)
/// until a later chunk of its file shows the unit verified, or until the
/// file's outcome is known (`record`): if the file failed (a damaged or
/// truncated unit), the chunks still waiting are discarded whole. Plain text
/// never waits.
///
/// Memory: one 32-byte `Event` per event line, in 64 Ki-event segments (no
/// doubling on growth); noise lines cost nothing. `Event.ticket` holds the
/// ticket's slot in `ticketSymbols`; every symbol indexes `symbols`.
struct MergedEvents {
    var symbols = ByteInterner(capacity: 1 << 16)
    /// The symbol of each ticket slot.
    var ticketSymbols: [Symbol] = []
    var slotOfSymbol: [UInt32] = []
    var events = SegmentedEvents()
    var latest: Instant?
    var rejects: [(file: Int32, reject: ChunkOutput.PendingReject)] = []
    var statistics: [InputStatistics]
    /// Lines each rule matched, over the verified text (see `ChunkOutput.ruleMatches`).
    var ruleMatches: [Int64] = []
    private var nextChunk: [Int]
    var lineBase: [Int64]
    private var parked: [Int32: [Int: ChunkOutput]] = [:]
    /// Per file: the highest verified decoded offset seen, and the chunks (in order) still waiting for it.
    var verified: [Int64]
    /// Per file: just past the last line whose chunk counted, and the lines up to there (where an event store resumes).
    var committedEnd: [Int64]
    var committedLines: [Int64]
    private var waiting: [[WaitingBatch]]
    /// Forensic mode: text of damaged units is kept (and marked) instead of discarded.
    let keepUnverified: Bool

    /// Events later than this do not move `latest` (they are dated after the run's clock); nil: no cutoff.
    let futureCutoff: Instant?
    /// How many events were later than the cutoff, and the first of them in input order.
    var future: (count: Int, first: SourceLocation, firstTime: Instant)?

    /// Service events (docs/semantics.md §10), apart from tickets, with check lines compressed into runs.
    var services = ServiceLog()
    /// `stale_after` of a service by name (from the pipeline's services), cached per symbol.
    private let staleAfterOfService: @Sendable (String) -> Milliseconds?
    /// The attribute values of the events' tuple ids (see `Event.attributes`).
    var attributeTable: AttributeTable

    /// The values of a joined-values symbol, each interned on its own (empty: `.none`).
    private mutating func decode(_ joined: Symbol) -> [Symbol] {
        AttributeTable.values(ofJoined: symbols.withBytes(joined) { Array($0) }) { piece in
            piece.withUnsafeBytes { symbols.intern($0) }
        }
    }

    /// The customer named on an event's line, if any.
    func customer(of event: Event) -> Symbol { attributeTable.value(event.attributes, AttributeTable.customer) }

    /// Threads: the message each message answers, by ticket slot (docs/semantics.md §1, "Threads").
    var threadParent: [UInt32: UInt32] = [:]
    /// The links added by this run, in order (an event store keeps them).
    var addedThreadLinks: [(child: UInt32, parent: UInt32)] = []

    /// Puts every event of a thread on its root's slot (call once, after reading).
    mutating func resolveThreads() {
        let roots = threadRoots()
        guard !roots.isEmpty else { return }
        events.update { event in event.ticket = Symbol(rawValue: roots[event.ticket.rawValue]) }
    }

    /// The root slot of every ticket slot (docs/semantics.md §1, "Threads").
    func threadRoots() -> ThreadRoots { ThreadRoots(rootLinks(), slots: ticketSymbols.count) }

    /// The root slot of every ticket slot that answers another.
    private func rootLinks() -> [UInt32: UInt32] {
        var root: [UInt32: UInt32] = [:]
        func find(_ start: UInt32) -> UInt32 {
            if let known = root[start] { return known }
            var path: [UInt32] = [start]
            var current = start
            while let parent = threadParent[current], !path.contains(parent) {
                if let known = root[parent] { current = known; break }
                current = parent
                path.append(current)
            }
            for node in path { root[node] = current }
            return current
        }
        for child in threadParent.keys { _ = find(child) }
        return root.filter { $0.key != $0.value }
    }

    /// Time-only stamps: how far back counts as midnight, the zone of each rule's times, and per
    /// file the current local day (from the file name or a date line) and the last time of day.
    var timeOnly = TimeOnlySettings()
    var ruleZones: [ZoneRules] = []
    var day: [Int64?]
    private let dayInFileName: [Int64?]
    var lastTimeOfDay: [Int64?]
    /// Each service's `stale_after`, by ticket slot (looked up once per service).
    private var staleAfterBySlot: [Milliseconds??] = []

    init(
        inputs: [String], keepUnverified: Bool = false, futureCutoff: Instant? = nil, attributeCount: Int = 4,
        staleAfterOfService: @escaping @Sendable (String) -> Milliseconds? = { _ in nil }
    ) {
        attributeTable = AttributeTable(width: attributeCount)
        self.futureCutoff = futureCutoff
        self.staleAfterOfService = staleAfterOfService
        statistics = inputs.map(InputStatistics.init)
        nextChunk = Array(repeating: 0, count: inputs.count)
        lineBase = Array(repeating: 0, count: inputs.count)
        verified = Array(repeating: 0, count: inputs.count)
        committedEnd = Array(repeating: 0, count: inputs.count)
        committedLines = Array(repeating: 0, count: inputs.count)
        waiting = Array(repeating: [], count: inputs.count)
        day = Array(repeating: nil, count: inputs.count)
        dayInFileName = inputs.map(TimeOnlySettings.day(inFileName:))
        lastTimeOfDay = Array(repeating: nil, count: inputs.count)
        self.keepUnverified = keepUnverified
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
            admit(chunk)
            nextChunk[file] += 1
            current = parked[output.file]?.removeValue(forKey: nextChunk[file])
        }
    }

    /// Applies a file's next chunk once the units its lines depend on are
    /// verified; until then its events wait, already in the run's symbols.
    private mutating func admit(_ output: ChunkOutput) {
        let file = Int(output.file)
        verified[file] = max(verified[file], output.verifiedThrough)
        let base = lineBase[file]
        lineBase[file] += output.lines
        if waiting[file].isEmpty && output.endOffset <= verified[file] {
            let undated = remap(output, base: base) { store, event in store.keep(event) }
            count(output, events: output.events.count - undated.count, base: base, into: file)
            statistics[file].rejects += Int64(undated.count)
            store(output.rejects, base: base, file: output.file)
            store(undated, base: 0, file: output.file)
            committedEnd[file] = output.endOffset
            committedLines[file] = lineBase[file]
            return
        }
        var batch = WaitingBatch(end: output.endOffset, output: output, base: base)
        batch.counts.rejects += remap(output, base: base) { store, event in
            batch.add(
                event, customer: store.customer(of: event),
                staleAfter: event.kind.isService ? store.staleAfter(slot: Int(event.ticket.rawValue)) : nil)
        }
        batch.finish()
        waiting[file].append(batch)
        let ready = waiting[file].prefix { $0.end <= verified[file] }.count
        guard ready > 0 else { return }
        for batch in waiting[file].prefix(ready) { commit(batch, file: file) }
        waiting[file].removeFirst(ready)
    }

    /// A chunk's events waiting for their unit's checksum, remapped to the run's symbols
    /// (the chunk's own string table is gone); its counts wait with them.
    struct WaitingBatch {
        var end: Int64
        var counts: ChunkOutput
        /// The chunk's events in order, except that a stretch of check results that would extend one
        /// run of its service is kept as its first and last event (memory grows with runs, not with
        /// check lines, even while a whole compressed file waits for its checksum).
        var events: [Event] = []
        /// The last events of compressed stretches: (index in `events`, checks dropped before it), ascending.
        var continuations: [(index: Int, dropped: Int)] = []
        /// Events (of `events`) the chunk held before compression, for the statistics.
        var eventCount = 0
        private var runs: [UInt32: OpenRun] = [:]

        private struct OpenRun {
            var ok: Bool
            var customer: Symbol
            var lastTime: Instant
            var pending: Event?
            var dropped: Int32 = 0
        }

        mutating func add(_ event: Event, customer: Symbol, staleAfter: Milliseconds?) {
            eventCount += 1
            guard let ok = ServiceLog.checkResult(event.kind) else {
                events.append(event)
                return
            }
            let slot = event.ticket.rawValue
            if var run = runs[slot],
                ServiceLog.extendsRun(
                    ok: ok, customer: customer, time: event.time, runOK: run.ok, runCustomer: run.customer, runEnd: run.lastTime,
                    staleAfter: staleAfter)
            {
                if run.pending != nil { run.dropped += 1 }
                run.pending = event
                run.lastTime = event.time
                runs[slot] = run
                return
            }
            if let run = runs[slot] { flush(run) }
            events.append(event)
            runs[slot] = OpenRun(ok: ok, customer: customer, lastTime: event.time)
        }

        private mutating func flush(_ run: OpenRun) {
            guard let last = run.pending else { return }
            continuations.append((events.count, Int(run.dropped)))
            events.append(last)
        }

        /// Ends the open stretches (call after the chunk's last event).
        mutating func finish() {
            for slot in runs.keys.sorted() { flush(runs[slot]!) }
            runs = [:]
        }

        /// The file's lines before this chunk.
        var base: Int64

        init(end: Int64, output: ChunkOutput, base: Int64) {
            self.end = end
            self.base = base
            counts = output
            counts.strings = ByteInterner(capacity: 1)
            counts.events = []
            counts.rejects = output.rejects.map {
                var r = $0; r.line += base; return r
            }
            counts.firstLongLine = output.firstLongLine.map { base + $0 }
        }
    }

    private mutating func commit(_ batch: WaitingBatch, file: Int) {
        count(batch.counts, events: batch.eventCount, base: 0, into: file)
        committedEnd[file] = batch.end
        committedLines[file] = batch.base + batch.counts.lines
        var next = 0
        for (index, event) in batch.events.enumerated() {
            if next < batch.continuations.count && batch.continuations[next].index == index {
                keep(event, continuing: true, dropped: batch.continuations[next].dropped)
                next += 1
            } else {
                keep(event)
            }
        }
        store(batch.counts.rejects, base: 0, file: Int32(file))
    }

    /// Adds a chunk's line counts to its file's statistics.
    private mutating func count(_ output: ChunkOutput, events: Int? = nil, base: Int64, into file: Int) {
        var stats = statistics[file]
        stats.lines += output.lines
        stats.bytes += output.bytes
        stats.unmatched += output.unmatched
        stats.ignored += output.ignored
        stats.events += Int64(events ?? output.events.count)
        stats.rejects += Int64(output.rejects.count)
        stats.longLines += output.longLines
        if ruleMatches.count < output.ruleMatches.count {
            ruleMatches += repeatElement(0, count: output.ruleMatches.count - ruleMatches.count)
        }
        for (rule, n) in output.ruleMatches.enumerated() { ruleMatches[rule] += n }
        if stats.firstLongLine == nil, let first = output.firstLongLine { stats.firstLongLine = base + first }
        statistics[file] = stats
    }

    /// Calls `body` with each event of `output` in the run's symbols and file line numbers.
    /// Dates time-only stamps (docs/semantics.md §1, "Time-only stamps") and hands each event,
    /// in the run's symbols and with its file line, to `body`; returns the rejects of events
    /// that got no date (absolute lines).
    @discardableResult
    private mutating func remap(
        _ output: ChunkOutput, base: Int64, _ body: (inout MergedEvents, Event) -> Void
    ) -> [ChunkOutput.PendingReject] {
        var undated: [ChunkOutput.PendingReject] = []
        let file = Int(output.file)
        var nextDate = 0

        // Local symbol → run symbol, by bytes.
        let local = output.strings
        let map = symbols.intern(contentsOf: local)
        // Threads: child slot → parent slot, the first link of a message wins.
        for link in output.links {
            let child = slot(for: map[Int(link.message.rawValue)]), parent = slot(for: map[Int(link.parent.rawValue)])
            if threadParent[child] == nil && child != parent {
                threadParent[child] = parent
                addedThreadLinks.append((child, parent))
            }
        }
        // Attribute tuples: the chunk's joined-values symbol → the run's tuple id (decoded once per run).
        var tupleOf = [UInt32](repeating: UInt32.max, count: local.count)
        for var event in output.events {
            event.ticket = Symbol(rawValue: slot(for: map[Int(event.ticket.rawValue)]))
            if event.attributes != 0 {
                let localTuple = Int(event.attributes)
                if tupleOf[localTuple] == UInt32.max {
                    let joined = map[localTuple]
                    if let known = attributeTable.knownID(of: joined) {
                        tupleOf[localTuple] = known
                    } else {
                        let values = decode(joined)
                        tupleOf[localTuple] = attributeTable.add(joined, values: values)
                    }
                }
                event.attributes = tupleOf[localTuple]
            }
            if !event.status.isNone { event.status = map[Int(event.status.rawValue)] }
            event.source = event.source.advanced(byLines: base)
            if let timeOfDay = event.time.timeOfDay {
                // Date lines at or before this line set the day; a time far earlier than the line before wraps.
                while nextDate < output.dates.count && output.dates[nextDate].line + base <= event.source.line {
                    day[file] = output.dates[nextDate].day
                    lastTimeOfDay[file] = nil
                    nextDate += 1
                }
                guard var today = day[file] ?? (timeOnly.dateFromFileName ? dayInFileName[file] : nil) else {
                    undated.append(
                        .init(
                            line: event.source.line, offset: -1, rule: Int(event.rule),
                            ticket: symbols.string(ticketSymbols[Int(event.ticket.rawValue)]),
                            reason: "a time-only stamp with no date: no YYYY-MM-DD in the file name and no date line before it"))
                    continue
                }
                let zone = Int(event.rule) < ruleZones.count ? ruleZones[Int(event.rule)] : .utc
                event.time = timeOnly.instant(timeOfDay: timeOfDay, day: &today, lastTimeOfDay: &lastTimeOfDay[file], zone: zone)
                day[file] = today
            }
            body(&self, event)
        }
        // Date lines after the chunk's last event still set the day for the next chunk.
        while nextDate < output.dates.count {
            day[file] = output.dates[nextDate].day
            lastTimeOfDay[file] = nil
            nextDate += 1
        }
        return undated
    }

    /// Adds a verified event to the store.
    private mutating func keep(_ event: Event, continuing: Bool = false, dropped: Int = 0) {
        if let futureCutoff, event.time > futureCutoff {
            noteFuture(event)
            for _ in 0..<dropped { noteFuture(event) }
        } else if latest == nil || event.time > latest! {
            latest = event.time
        }
        guard event.kind.isService else {
            events.append(event)
            return
        }
        var service = event
        let slot = Int(event.ticket.rawValue)
        service.ticket = ticketSymbols[slot]
        services.add(service, customer: customer(of: event), staleAfter: staleAfter(slot: slot), continuing: continuing, dropped: dropped)
    }

    /// The `stale_after` of the service in ticket slot `slot` (looked up once per service).
    mutating func staleAfter(slot: Int) -> Milliseconds? {
        if slot >= staleAfterBySlot.count {
            staleAfterBySlot.append(contentsOf: repeatElement(nil, count: max(slot + 1 - staleAfterBySlot.count, staleAfterBySlot.count)))
        }
        if staleAfterBySlot[slot] == nil { staleAfterBySlot[slot] = .some(staleAfterOfService(symbols.string(ticketSymbols[slot]))) }
        return staleAfterBySlot[slot]!
    }

    private mutating func store(_ pending: [ChunkOutput.PendingReject], base: Int64, file: Int32) {
        for var reject in pending {
            reject.line += base
            rejects.append((file, reject))
        }
    }

    private mutating func noteFuture(_ event: Event) {
        guard let seen = future else {
            future = (1, event.source, event.time)
            return
        }
        future = (seen.count + 1, min(seen.first, event.source), event.source < seen.first ? event.time : seen.firstTime)
    }

    var unverifiedLinesKept: Int64 { statistics.reduce(0) { $0 + $1.unverifiedLinesKept } }

    /// Notes how reading a file went (format, compressed size, failure) once
    /// all its chunks were received, and settles the chunks still waiting for
    /// verification: applied if the file was read to its end, else discarded
    /// (or, in forensic mode, applied and counted as unverified).
    mutating func record(_ outcome: FileOutcome, for file: Int) {
        statistics[file].format = outcome.format
        statistics[file].compressedBytes = outcome.compressedBytes
        statistics[file].failure = outcome.failure
        let left = waiting[file]
        waiting[file] = []
        guard !left.isEmpty else { return }
        let lines = left.reduce(0) { $0 + $1.counts.lines }
        if outcome.failure == nil {
            for batch in left { commit(batch, file: file) }
        } else if keepUnverified {
            for batch in left { commit(batch, file: file) }
            statistics[file].unverifiedLinesKept += lines
        } else {
            statistics[file].discardedLines += lines
            statistics[file].discardedEvents += left.reduce(0) { $0 + Int64($1.eventCount + $1.counts.rejects.count) }
        }
    }

    /// Closes the service runs and puts thread messages on their roots: call once, after reading (and after an event store kept the state).
    mutating func finish() {
        services.finish()
        resolveThreads()
    }

    /// Room for `tickets` ticket slots among `symbols` symbols (a store's tables loaded at once).
    mutating func reserveTickets(_ tickets: Int, symbols: Int) {
        ticketSymbols.reserveCapacity(tickets)
        if symbols > slotOfSymbol.count { slotOfSymbol.append(contentsOf: repeatElement(.max, count: symbols - slotOfSymbol.count)) }
    }

    mutating func slot(for ticket: Symbol) -> UInt32 {
        let raw = Int(ticket.rawValue)
        if raw >= slotOfSymbol.count {
            slotOfSymbol.append(contentsOf: repeatElement(.max, count: max(raw + 1 - slotOfSymbol.count, slotOfSymbol.count)))
        }
        if slotOfSymbol[raw] == .max {
            slotOfSymbol[raw] = UInt32(ticketSymbols.count)
            ticketSymbols.append(ticket)
        }
        return slotOfSymbol[raw]
    }

    /// Every symbol's text, for the aggregate stage (built once, after reading).
    func strings() -> SymbolTexts { SymbolTexts(symbols) }

    /// Groups event positions by ticket (a counting sort): the events of
    /// ticket `t` are `order[starts[t] ..< starts[t + 1]]`, in arrival order.
    /// `firstSeen[t]` is the earliest input position (file, line) of any of its events.
    func groupByTicket() -> (starts: [Int], order: [UInt32], firstSeen: [SourceLocation]) {
        var starts = [Int](repeating: 0, count: ticketSymbols.count + 1)
        var firstSeen = [SourceLocation](repeating: SourceLocation(file: 0xFF_FFFF, line: 0xFF_FFFF_FFFF), count: ticketSymbols.count)
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

    /// Changes every event in place.
    mutating func update(_ body: (inout Event) -> Void) {
        for s in segments.indices {
            for i in segments[s].indices { body(&segments[s][i]) }
        }
    }

    func forEach(_ body: (Int, Event) -> Void) {
        var index = 0
        for segment in segments {
            for event in segment { body(index, event); index += 1 }
        }
    }

    /// The segments themselves (`segmentBits` events each, the last one shorter), handed over to a pass.
    consuming func takeSegments() -> [[Event]] { segments }
}

/// The events of a pass while it is measured, each segment released once every ticket with an event
/// in it has been measured, so the memory the summaries' groups grow into is the events' own
/// (1 GB spread over a million customers: peak RSS 425 -> 358 MB).
///
/// Workers read segments while the measuring thread releases others: a segment is released only
/// when no ticket still to be measured has an event in it, so no worker reads it again, and each
/// segment is its own memory location.
///
/// The segments are moved out of their arrays into memory the pool owns, and read through plain
/// pointers: an event read from an array of arrays retained and released its segment, and two
/// workers reading the same segments contended for those reference counts (a tenth of measuring
/// at 2 jobs went to `swift_retain` and `swift_release`). Events hold no references: copying and
/// freeing them is plain memory.
final class PassPool: @unchecked Sendable {
    private let segments: UnsafeMutablePointer<UnsafeMutableBufferPointer<Event>>
    private let segmentCount: Int
    /// The segments in the order they can go, each with the last pass position (report position
    /// minus the pass's start) of a ticket that has an event in it.
    private var releaseOrder: [(last: Int, segment: Int)] = []
    /// How many of `releaseOrder` are released (the measuring thread's).
    private var released = 0

    /// Takes `events`' segments; `position` gives, for each list `k` of `starts`, the pass position of its ticket.
    init(_ events: consuming SegmentedEvents, order: [UInt32], starts: [Int], position: (Int) -> Int) {
        var taken = events.takeSegments()
        segmentCount = taken.count
        segments = .allocate(capacity: max(1, taken.count))
        for k in taken.indices {
            let buffer = UnsafeMutableBufferPointer<Event>.allocate(capacity: max(1, taken[k].count))
            _ = buffer.initialize(from: taken[k])
            (segments + k).initialize(to: UnsafeMutableBufferPointer(rebasing: buffer[..<taken[k].count]))
            taken[k] = []  // its array goes as soon as it is copied: the events are never held twice
        }
        var last = [Int](repeating: -1, count: segmentCount)
        order.withUnsafeBufferPointer { order in
            for k in 0..<max(0, starts.count - 1) where starts[k] < starts[k + 1] {
                let p = position(k)
                for j in starts[k]..<starts[k + 1] {
                    let s = Int(order[j]) >> SegmentedEvents.segmentBits
                    if last[s] < p { last[s] = p }
                }
            }
        }
        releaseOrder = last.enumerated().map { (last: $1, segment: $0) }.sorted { $0.last < $1.last }
    }

    deinit {
        for k in 0..<segmentCount { free(k) }
        segments.deallocate()
    }

    /// Frees segment `k` (once; a freed segment has no base address).
    private func free(_ k: Int) {
        guard let base = segments[k].baseAddress else { return }
        base.deinitialize(count: segments[k].count)
        base.deallocate()
        segments[k] = UnsafeMutableBufferPointer(start: nil, count: 0)
    }

    /// Releases the segments no ticket at pass position `done` or later has an event in (the measuring thread only).
    func release(before done: Int) {
        while released < releaseOrder.count && releaseOrder[released].last < done {
            free(releaseOrder[released].segment)
            released += 1
        }
    }

    /// The segments released so far, in the order they went.
    var releasedSegments: [Int] { releaseOrder[..<released].map(\.segment) }

    /// Appends the events at `indices` to `output`.
    @inline(__always)
    func append(_ indices: ArraySlice<UInt32>, to output: inout [Event]) {
        let mask = (1 << SegmentedEvents.segmentBits) - 1
        for index in indices {
            let i = Int(index)
            output.append(segments[i >> SegmentedEvents.segmentBits][i & mask])
        }
    }

    /// Starts loading the cache lines of the events at `indices` (a hint: nothing is read or changed).
    @inline(__always)
    func prefetch(_ indices: ArraySlice<UInt32>) {
        let mask = (1 << SegmentedEvents.segmentBits) - 1
        for index in indices {
            let i = Int(index)
            if let base = segments[i >> SegmentedEvents.segmentBits].baseAddress { slalog_prefetch(base + (i & mask)) }
        }
    }
}

/// The root slot of each ticket slot: itself, or the first message of the thread it answers. Looked
/// up once per stored event in every scan of a store: an array indexed by slot (none without threads),
/// not a dictionary lookup per event.
struct ThreadRoots: Sendable {
    /// `root[slot]`; empty when no ticket answers another.
    private let root: [UInt32]

    init() { root = [] }

    init(_ links: [UInt32: UInt32], slots: Int) {
        guard !links.isEmpty else {
            root = []
            return
        }
        var root = (0..<UInt32(max(slots, 1))).map { $0 }
        for (child, parent) in links where Int(child) < root.count { root[Int(child)] = parent }
        self.root = root
    }

    var isEmpty: Bool { root.isEmpty }

    /// The root of `slot` (`slot` itself when it answers no other).
    subscript(slot: UInt32) -> UInt32 { Int(slot) < root.count ? root[Int(slot)] : slot }
}
