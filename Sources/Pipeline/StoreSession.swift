import Aggregate
import Definition
import Foundation
import Ingest
import Report
import SLACore
import Store

/// A file to read, into which input slot, and from where: the whole file, or what follows
/// the part an event store has already read.
struct ReadTask: Sendable {
    var path: String
    /// The input's index in the run's `MergedEvents` (with a store: the content's source id).
    var file: Int32
    /// Decoded offset to start at, and where to stop (a plain file in a store run: its last line break).
    var start: Int64 = 0
    var limit: Int64?
    /// CSV resumed past its header: the column names read the first time.
    var columns: [[UInt8]]?
}

/// What a store run did with each input (docs/semantics.md §11), for stderr and run.json.
public struct StoredInputFate: Sendable {
    public enum Fate: String, Sendable {
        case new, resumed, skipped, copy, replaced, truncated, unreadable
    }

    public var path: String
    public var fate: Fate
    /// The content it was recognized as (its earlier name), for resumed, skipped and copies.
    public var knownAs: String?
    /// Decoded offset reading started at.
    public var from: Int64 = 0
}

/// A run's use of an event store: opened and locked before reading, loaded into the merger,
/// planned (which inputs are new, resumed, skipped), and extended in the run's one transaction.
final class StoreSession {
    let file: StoreFile
    private(set) var sources: [StoredSource]
    private var rawFiles: [StoredRawFile]
    private(set) var fates: [StoredInputFate] = []
    /// Inputs that could not be opened or whose head could not be read, with why.
    private(set) var unreadable: [(path: String, error: IngestError)] = []
    /// The number the run will have in the store's history (segments written while reading carry it).
    private(set) var runNumber: Int64 = 0
    /// The stored results, being indexed on a helper thread since the store was loaded (nil: none).
    var resultsAhead: KeptResults.ReadAhead?
    /// Heads and raw hashes of the inputs this run reads, by source id.
    private var peeks: [Int32: Fingerprint.Peek] = [:]
    /// Sources the store held before this run.
    private let storedCount: Int
    /// Counts before this run, so that only what it added is written.
    private var marks = (strings: 0, tickets: 0, tuples: 0, rejects: 0)
    /// Tickets retention dropped, with the time of their last event (docs/semantics.md §11, "Retention").
    private var droppedTickets: [String: Int64] = [:]
    /// Ticket slots (thread roots) retention dropped, and those dropped earlier that got new events:
    /// their events in the store are removed by `save` (the latter's as `dropped_ticket` rejects).
    private var dropSlots: [Bool] = []
    private var lateSlots: [Bool] = []
    /// The thread roots the retention decided by (the census's).
    private var retentionRoots = ThreadRoots()

    /// Opens the store (creating it for a run that writes), takes its lock and checks the rule identity.
    init(path: String, definition: PipelineDefinition, write: Bool, lockTimeout: Double, rebuild: Bool = false) throws(StoreError) {
        if !write && !FileManager.default.fileExists(atPath: path) {
            throw StoreError.cannotOpen(path: path, reason: "no such file")
        }
        file = try StoreFile(path: path, create: write, lockTimeout: lockTimeout)
        if write { try file.beginWrite() } else { try file.beginRead() }
        let stored = try file.metaText("identity")
        if let stored, stored != definition.identity {
            guard write && rebuild else { throw StoreError.otherRules(path: path, stored: stored, current: definition.identity) }
            try file.clear()
        }
        if write {
            try file.setMeta("identity", text: definition.identity)
            try file.setMeta("version", text: slalogVersion)
        }
        sources = try file.sources()
        rawFiles = try file.rawFiles()
        storedCount = sources.count
        runNumber = try file.lastRun() + 1
    }

    // MARK: Planning

    /// Decides for each input what to read (docs/semantics.md §11, "Read each byte once"); adds new contents as sources.
    /// `isCSV`: whether a file's records are CSV (a plain one is then read up to its last record end).
    func plan(_ files: [String], isCSV: (String) -> Bool) -> [ReadTask] {
        var tasks: [ReadTask] = []
        var claimed = Set<Int32>()
        let looks = look(at: files)
        for (path, look) in zip(files, looks) {
            // A compressed file read to its end before is known by its bytes on disk: skipped without decoding.
            if let known = look.known {
                let earlier = sources[Int(known.source)].name
                let fate: StoredInputFate.Fate = claimed.insert(known.source).inserted ? .skipped : .copy
                if fate == .skipped { sources[Int(known.source)].name = path }
                fates.append(StoredInputFate(path: path, fate: fate, knownAs: earlier, from: sources[Int(known.source)].readLength))
                continue
            }
            let peek: Fingerprint.Peek
            do throws(IngestError) {
                peek = try look.peek!.get()
            } catch {
                // Unreadable now: a problem of this run, not a content of the store (it is looked at again next run).
                unreadable.append((path, error))
                fates.append(StoredInputFate(path: path, fate: .unreadable))
                continue
            }
            var limit = peek.format == .plain ? peek.size.map { Fingerprint.lastLineEnd(path: path, size: $0) } : nil
            let (match, truncated) = bestMatch(for: path, peek: peek)
            if let lineEnd = limit, isCSV(path) {
                limit = Fingerprint.lastRecordEnd(path: path, from: match.map { sources[Int($0)].readLength } ?? 0, to: lineEnd)
            }
            if match == nil && (peek.head.isEmpty || limit == 0) {
                // Nothing to read yet (an empty file, or one unfinished line or CSV record): no content to recognize.
                fates.append(StoredInputFate(path: path, fate: .skipped))
                continue
            }
            guard let match else {
                let replaced = sources.contains { $0.name == path && $0.readLength > 0 }
                let id = addSource(path)
                peeks[id] = peek
                tasks.append(ReadTask(path: path, file: id, limit: limit))
                fates.append(StoredInputFate(path: path, fate: truncated ? .truncated : replaced ? .replaced : .new))
                continue
            }
            let earlier = sources[Int(match)].name
            guard claimed.insert(match).inserted else {
                fates.append(StoredInputFate(path: path, fate: .copy, knownAs: earlier))
                continue
            }
            sources[Int(match)].name = path
            let start = sources[Int(match)].readLength
            if let limit, limit <= start {
                fates.append(StoredInputFate(path: path, fate: .skipped, knownAs: earlier, from: start))
                continue
            }
            peeks[match] = peek
            let columns = sources[Int(match)].columns
            tasks.append(ReadTask(path: path, file: match, start: start, limit: limit, columns: columns.isEmpty ? nil : columns))
            fates.append(StoredInputFate(path: path, fate: .resumed, knownAs: earlier, from: start))
        }
        return tasks
    }

    /// What planning needs of each file before deciding: the stored compressed file with the same raw
    /// ends (when the store knows compressed files), and else its decoded head. Taken in parallel:
    /// decoding heads is most of planning's time (an LZ4 file's first block, up to 4 MiB, is decoded
    /// whole), and they do not depend on each other; the decisions are then made in input order.
    private func look(at files: [String]) -> [FileLook] {
        let looks = Locked([FileLook](repeating: FileLook(), count: files.count))
        let rawFiles = rawFiles
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            var look = FileLook()
            let ends = rawFiles.isEmpty ? nil : Fingerprint.rawEnds(path: files[index])
            if let ends {
                look.known = rawFiles.first { $0.size == ends.size && $0.headHash == ends.head && $0.tailHash == ends.tail }
            }
            if look.known == nil {
                look.peek = Result { () throws(IngestError) in try Fingerprint.peek(path: files[index], ends: ends) }
            }
            looks.withLock { $0[index] = look }
        }
        return looks.withLock { $0 }
    }

    /// The stored content a file continues: its head (and a plain file's tail) match. Prefers the content
    /// last seen under the same name, then the one read furthest. `truncated`: a plain file's head matched
    /// a content longer than the file now is.
    private func bestMatch(for path: String, peek: Fingerprint.Peek) -> (match: Int32?, truncated: Bool) {
        var best: StoredSource?
        var truncated = false
        let head = peek.head
        for source in sources where source.headLength > 0 && source.headLength <= head.count {
            guard Fingerprint.hash(head.prefix(source.headLength)) == source.headHash else { continue }
            if peek.format == .plain {
                guard let size = peek.size, size >= source.readLength else {
                    truncated = true
                    continue
                }
                if source.tailLength > 0 {
                    let hash = Fingerprint.hashRange(
                        path: path, from: source.readLength - Int64(source.tailLength), count: Int64(source.tailLength))
                    guard hash == source.tailHash else { continue }
                }
            }
            if let current = best {
                let better =
                    (source.name == path) != (current.name == path) ? source.name == path : source.readLength > current.readLength
                if !better { continue }
            }
            best = source
        }
        return (best?.id, best == nil && truncated)
    }

    private func addSource(_ path: String) -> Int32 {
        let id = Int32(sources.count)
        sources.append(StoredSource(id: id, name: path))
        return id
    }

    // MARK: Loading

    /// Puts everything the store holds into a fresh merger whose inputs are the store's sources
    /// (and the new ones `plan` added), positioned where each was left.
    func load(into store: inout MergedEvents) throws(StoreError) {
        var damaged = false
        let strings = try file.totals(.strings), tickets = try file.totals(.tickets)
        store.symbols.reserve(strings.count, bytes: strings.bytes - 4 * strings.count)
        store.reserveTickets(tickets.count, symbols: strings.count + 1)
        try file.forEachSegment(.strings) { first, count, data in
            var reader = ByteReader(data)
            let lengths = (0..<count).map { _ in Int(reader.read(UInt32.self)) }
            var starts = [Int](repeating: 0, count: count + 1)
            starts[0] = reader.position
            for (i, length) in lengths.enumerated() { starts[i + 1] = starts[i] + length }
            guard starts[count] <= data.count else { damaged = true; return }
            store.symbols.intern(count: count) {
                UnsafeRawBufferPointer(rebasing: data[starts[$0]..<starts[$0 + 1]])
            } into: {
                // Ids are the order strings were first seen: a string table that does not replay so is damaged.
                if Int($1.rawValue) != first + $0 { damaged = true }
            }
        }
        if damaged { throw StoreError.cannotOpen(path: file.path, reason: "its string table is damaged") }
        try file.forEachSegment(.tickets) { _, count, data in
            var reader = ByteReader(data)
            for _ in 0..<count { _ = store.slot(for: Symbol(rawValue: reader.read())) }
        }
        let width = store.attributeTable.width
        try file.forEachSegment(.tuples) { _, count, data in
            var reader = ByteReader(data)
            for _ in 0..<count {
                let joined = Symbol(rawValue: reader.read())
                let values = (0..<width).map { _ in Symbol(rawValue: reader.read()) }
                _ = store.attributeTable.add(joined, values: values)
            }
        }
        try file.forEachSegment(.threadLinks) { _, count, data in
            var reader = ByteReader(data)
            for _ in 0..<count {
                let child: UInt32 = reader.read(), parent: UInt32 = reader.read()
                if store.threadParent[child] == nil { store.threadParent[child] = parent }
            }
        }
        for reject in try file.rejects() {
            store.rejects.append(
                (
                    reject.source,
                    .init(
                        line: reject.line, offset: reject.offset, rule: reject.rule, ticket: reject.ticket, reason: reject.reason,
                        category: reject.category)
                ))
        }
        if let latest = try file.meta("latest").flatMap({ ByteCoding.integers($0).first }) { store.latest = Instant(milliseconds: latest) }
        if let matches = try file.meta("rule_matches") { store.ruleMatches = ByteCoding.integers(matches) }
        if let services = try file.meta("service_log") { store.services = ServiceLog(ServiceLogCoding.decode(services)) }
        if let dropped = try file.meta("dropped_tickets") {
            dropped.withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                while !reader.atEnd {
                    let name = String(decoding: reader.readBytes(), as: UTF8.self)
                    droppedTickets[name] = reader.read(Int64.self)
                }
            }
        }
        for source in sources.prefix(storedCount) {
            let file = Int(source.id)
            store.statistics[file] = Self.statistics(source)
            store.lineBase[file] = source.lines
            store.verified[file] = source.readLength
            store.committedEnd[file] = source.readLength
            store.committedLines[file] = source.lines
            store.day[file] = source.day
            store.lastTimeOfDay[file] = source.lastTimeOfDay
        }
        marks = (store.symbols.count, store.ticketSymbols.count, store.attributeTable.count, store.rejects.count)
    }

    /// The order of `StoredSource.counts`.
    static func counts(_ s: InputStatistics) -> [Int64] {
        [
            s.bytes, s.compressedBytes, s.lines, s.events, s.rejects, s.ignored, s.unmatched, s.longLines, s.firstLongLine ?? -1,
            s.discardedLines, s.discardedEvents, s.unverifiedLinesKept,
        ]
    }

    static func statistics(_ source: StoredSource) -> InputStatistics {
        var s = InputStatistics(path: source.name)
        let c = source.counts + Array(repeating: 0, count: max(0, 12 - source.counts.count))
        s.bytes = c[0]; s.compressedBytes = c[1]; s.lines = c[2]; s.events = c[3]; s.rejects = c[4]; s.ignored = c[5]
        s.unmatched = c[6]; s.longLines = c[7]; s.firstLongLine = c[8] < 0 ? nil : c[8]
        s.discardedLines = c[9]; s.discardedEvents = c[10]; s.unverifiedLinesKept = c[11]
        s.format = InputFormat(rawValue: source.format)
        return s
    }

    // MARK: Measuring from the store

    /// What one pass over every event (the store's and the run's new ones) learns per ticket slot,
    /// threads resolved to their roots.
    struct Census: Sendable {
        var firstSeen: [SourceLocation]
        /// The last event's time, only when retention needs it (else empty: 8 bytes a ticket saved).
        var last: [Int64]
        var count: [Int32]
        /// The root slot of every ticket slot that answers another (threads), worked out once per run.
        var roots = ThreadRoots()
        /// Customers named on any ticket event (the candidates a service's customer rows are made for).
        var customers = Set<Symbol>()
        /// The events (as stored) of the tickets the census was asked to collect, in the order the store
        /// holds them once saved, and how many per root slot (empty: none collected, or given up).
        var collected = SegmentedEvents()
        var collectedCount: [Int32] = []
        var events: Int { count.reduce(0) { $0 + Int($1) } }
    }

    /// Which tickets' events a census collects for measuring, so that measuring need not read every
    /// stored event again: those without a kept result, and those the run's new events touch (their
    /// kept result no longer applies). Nil when the kept results are not indexed yet, or new events
    /// went to the store while reading (they cannot be told apart then).
    func collecting(_ store: MergedEvents, spilled: Bool) -> [Bool]? {
        guard !spilled, let indexed = resultsAhead?.wait() else { return nil }
        let roots = store.threadRoots()
        var wanted = [Bool](repeating: true, count: store.ticketSymbols.count)
        for slot in 0..<min(indexed.slots, wanted.count) where indexed.last[slot] >= 0 { wanted[slot] = false }
        store.events.forEach { _, event in wanted[Int(roots[event.ticket.rawValue])] = true }
        return wanted
    }

    /// Counts every ticket's events, first place and last time (events are read, not kept but those
    /// of the tickets `collecting` asks for, up to `limit` events).
    func census(
        _ store: MergedEvents, includeNew: Bool, lastTimes: Bool = false, collecting: [Bool]? = nil, limit: Int = 0
    ) throws(StoreError) -> Census {
        try Self.census(of: file, store, includeNew: includeNew, lastTimes: lastTimes, collecting: collecting, limit: limit)
    }

    /// A census's tallies while every event passes: plain memory (every stored event passes here; an
    /// array written per event is checked for uniqueness, a nested function's captured ones for
    /// exclusivity, at run time).
    private struct Tally {
        var firstSeen: UnsafeMutableBufferPointer<SourceLocation>
        var last: UnsafeMutableBufferPointer<Int64>
        var count: UnsafeMutableBufferPointer<Int32>
        /// The customer of an attribute tuple is looked up once per tuple, not per event.
        var tupleSeen: UnsafeMutableBufferPointer<Bool>
        var customers = Set<Symbol>()
        let wanted: [Bool]
        let limit: Int
        var collected = SegmentedEvents()
        /// Per root slot, its collected events (empty: not collecting).
        var collectedCount: UnsafeMutableBufferPointer<Int32>

        init(slots: Int, lastTimes: Bool, tuples: Int, wanted: [Bool]?, limit: Int) {
            firstSeen = .allocate(capacity: slots)
            firstSeen.initialize(repeating: SourceLocation(file: 0xFF_FFFF, line: 0xFF_FFFF_FFFF))
            last = .allocate(capacity: lastTimes ? slots : 0)
            last.initialize(repeating: Int64.min)
            count = .allocate(capacity: slots)
            count.initialize(repeating: 0)
            tupleSeen = .allocate(capacity: tuples)
            tupleSeen.initialize(repeating: false)
            self.wanted = wanted ?? []
            self.limit = limit
            collectedCount = .allocate(capacity: wanted == nil ? 0 : slots)
            collectedCount.initialize(repeating: 0)
        }

        func deallocate() {
            firstSeen.deallocate(); last.deallocate(); count.deallocate(); tupleSeen.deallocate(); collectedCount.deallocate()
        }

        @inline(__always)
        mutating func note(_ event: Event, roots: ThreadRoots, table: AttributeTable) {
            let slot = Int(roots[event.ticket.rawValue])
            count[slot] += 1
            if event.source < firstSeen[slot] { firstSeen[slot] = event.source }
            if !last.isEmpty { last[slot] = max(last[slot], event.time.milliseconds) }
            if !collectedCount.isEmpty && wanted[slot] {
                if collected.count < limit {
                    collected.append(event)
                    collectedCount[slot] += 1
                } else {
                    // Too many to hold: measuring reads them from the store.
                    collected = SegmentedEvents()
                    collectedCount.deallocate()
                    collectedCount = .allocate(capacity: 0)
                }
            }
            let tuple = Int(event.attributes)
            if tuple < tupleSeen.count {
                guard !tupleSeen[tuple] else { return }
                tupleSeen[tuple] = true
            }
            let customer = table.value(event.attributes, AttributeTable.customer)
            if customer != .none { customers.insert(customer) }
        }
    }

    /// The census of the events in `file` (and, with `includeNew`, those in the merger's memory).
    static func census(
        of file: StoreFile, _ store: MergedEvents, includeNew: Bool, lastTimes: Bool = false, collecting: [Bool]? = nil, limit: Int = 0
    ) throws(StoreError) -> Census {
        let slots = store.ticketSymbols.count
        let roots = store.threadRoots()
        let table = store.attributeTable
        let collects = collecting.map { $0.count == slots } ?? false
        var tally = Tally(
            slots: slots, lastTimes: lastTimes, tuples: table.count, wanted: collects ? collecting : nil, limit: limit)
        defer { tally.deallocate() }
        try file.forEachSegment(.events) { _, n, data in
            for i in 0..<n { tally.note(EventCoding.decode(data, at: i), roots: roots, table: table) }
        }
        if includeNew { store.events.forEach { _, event in tally.note(event, roots: roots, table: table) } }
        var census = Census(firstSeen: Array(tally.firstSeen), last: Array(tally.last), count: Array(tally.count))
        census.roots = roots
        census.customers = tally.customers
        census.collected = tally.collected
        census.collectedCount = Array(tally.collectedCount)
        return census
    }

    /// The store's tickets in report order, measured in passes whose events fit in `memory` bytes
    /// (call after the run's events are in the store).
    func ticketSource(_ store: MergedEvents, census: Census, memory: Int, kept: KeptResults) -> TicketSource {
        Self.ticketSource(of: file, store, census: census, memory: memory, kept: kept)
    }

    /// Tickets whose events are in `file`, in report order, in passes that fit `memory`; tickets with a
    /// usable kept result are not measured again (their events are not read).
    static func ticketSource(of file: StoreFile, _ store: MergedEvents, census: Census, memory: Int, kept: KeptResults) -> TicketSource {
        let strings = store.strings()
        let slots = (0..<UInt32(store.ticketSymbols.count)).filter { census.count[Int($0)] > 0 }
        let sequence = TicketSource.reportOrder(slots, firstSeen: census.firstSeen, strings: strings, ticketSymbols: store.ticketSymbols)
        var rank = [Int32](repeating: -1, count: store.ticketSymbols.count)
        for (position, slot) in sequence.enumerated() { rank[Int(slot)] = Int32(position) }
        // About 36 bytes an event while its pass is measured (the event, its index); an eighth of the budget.
        // A kept result counts as its payload bytes.
        let perPass = max(256, memory / 8 / 36)
        func weight(_ slot: UInt32) -> Int {
            kept.isKept(slot) ? Int(kept.length[Int(slot)]) / 36 + 1 : Int(census.count[Int(slot)])
        }
        var passes: [Range<Int>] = []
        var start = 0, events = 0
        for (position, slot) in sequence.enumerated() {
            if events > 0 && events + weight(slot) > perPass {
                passes.append(start..<position)
                start = position
                events = 0
            }
            events += weight(slot)
        }
        if start < sequence.count || passes.isEmpty { passes.append(start..<sequence.count) }
        kept.passesSized(passes, sequence: sequence)
        let roots = census.roots
        let rankOf = rank
        let counts = census.count
        // The census's collected events: the first pass takes them (a run measured in one pass uses them) or drops them.
        let collected = Locked<SegmentedEvents?>(census.collected), collectedCount = census.collectedCount
        return TicketSource(
            strings: strings, ticketSymbols: store.ticketSymbols, attributeTable: store.attributeTable, sequence: sequence,
            passes: passes, kept: kept,
            load: { pass in
                // Tickets of the pass by position: a counting sort of the pass's events as read.
                var starts = [Int](repeating: 0, count: pass.count + 1)
                for position in pass where !kept.isKept(sequence[position]) {
                    starts[position - pass.lowerBound + 1] = Int(counts[Int(sequence[position])])
                }
                for i in 1..<starts.count { starts[i] += starts[i - 1] }
                var fill = starts
                var pool = SegmentedEvents()
                var order = [UInt32](repeating: 0, count: starts.last!)
                // The census's events, when it collected every event of the measured tickets and one pass
                // measures them all (in the store's order: the same lists); else every stored event again.
                let gathered = collected.withLock { $0.take() }
                let complete =
                    pass == 0..<sequence.count && !collectedCount.isEmpty
                    && pass.allSatisfy { kept.isKept(sequence[$0]) || collectedCount[Int(sequence[$0])] == counts[Int(sequence[$0])] }
                if starts.last! > 0 {
                    if complete, var events = gathered {
                        // Taken as they are, each event's ticket made its root; its tickets' events are listed
                        // by their places there (the others are not listed).
                        events.update { $0.ticket = Symbol(rawValue: roots[$0.ticket.rawValue]) }
                        events.forEach { index, event in
                            let slot = event.ticket.rawValue
                            let position = Int(rankOf[Int(slot)])
                            // (A dropped ticket's events have no place.)
                            guard position >= 0, !kept.isKept(slot) else { return }
                            order[fill[position]] = UInt32(index)
                            fill[position] += 1
                        }
                        pool = consume events
                    } else {
                        try file.forEachSegment(.events) { _, count, data in
                            for i in 0..<count {
                                var event = EventCoding.decode(data, at: i)
                                let raw = event.ticket.rawValue
                                let slot = roots[raw]
                                let position = Int(rankOf[Int(slot)])
                                guard pass.contains(position), !kept.isKept(slot) else { continue }
                                event.ticket = Symbol(rawValue: slot)
                                let k = position - pass.lowerBound
                                order[fill[k]] = UInt32(pool.count)
                                fill[k] += 1
                                pool.append(event)
                            }
                        }
                    }
                }
                var events = PassEvents(pool: consume pool, order: order, starts: starts, base: pass.lowerBound)
                events.kept = try kept.load(pass, sequence: sequence, rank: rankOf)
                return events
            },
            events: { wanted in
                // The events of a few tickets (the worst ones' audit trails, when their results were kept).
                var found: [UInt32: [Event]] = [:]
                try file.forEachSegment(.events) { _, count, data in
                    for i in 0..<count {
                        var event = EventCoding.decode(data, at: i)
                        let slot = roots[event.ticket.rawValue]
                        guard wanted.contains(slot) else { continue }
                        event.ticket = Symbol(rawValue: slot)
                        found[slot, default: []].append(event)
                    }
                }
                return found
            })
    }

    // MARK: Retention

    /// Drops tickets whose last event is before the horizon and service records that end before it,
    /// and sets aside new events of tickets dropped earlier (docs/semantics.md §11, "Retention").
    /// Stored events of dropped tickets are removed by `save`.
    func applyRetention(keep: Milliseconds, census: inout Census, to store: inout MergedEvents) {
        guard let latest = store.latest else { return }
        let horizon = latest.milliseconds - keep
        var late = [Bool](repeating: false, count: census.count.count)
        dropSlots = Array(repeating: false, count: census.count.count)
        defer { lateSlots = late }
        for slot in 0..<census.count.count where census.count[slot] > 0 {
            let name = store.symbols.string(store.ticketSymbols[slot])
            if droppedTickets[name] != nil {
                late[slot] = true  // its stored events left when it was dropped: these are new
            } else if census.last[slot] < horizon {
                dropSlots[slot] = true
                droppedTickets[name] = census.last[slot]
            } else {
                continue
            }
            census.count[slot] = 0
        }
        droppedTickets = droppedTickets.filter { $0.value >= horizon - keep }
        let roots = census.roots
        retentionRoots = roots
        var kept = SegmentedEvents()
        store.events.forEach { _, event in
            let raw = event.ticket.rawValue
            let slot = Int(roots[raw])
            if late[slot] {
                store.rejects.append(
                    (event.source.file, Self.droppedTicketReject(event, ticket: store.symbols.string(store.ticketSymbols[slot]))))
            }
            if !late[slot] && !dropSlots[slot] { kept.append(event) }
        }
        store.events = kept
        var services = store.services.snapshot
        services.records = services.records.mapValues { $0.filter { $0.end.milliseconds >= horizon } }
        store.services = ServiceLog(services)
    }

    /// The rejects.csv row of an event read for a ticket retention dropped.
    static func droppedTicketReject(_ event: Event, ticket: String) -> ChunkOutput.PendingReject {
        .init(
            line: event.source.line, offset: -1, rule: Int(event.rule), ticket: ticket,
            reason: "event for a ticket the store's retention dropped (store.keep): not measured", category: "dropped_ticket")
    }

    // MARK: Saving

    /// Writes what this run added (call after reading, before `MergedEvents.finish`), in the run's transaction.
    func save(_ store: inout MergedEvents, tasks: [ReadTask], outcomes: [Int32: FileOutcome]) throws(StoreError) {
        let run = try file.recordRun(
            finished: Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)).iso8601,
            new: fates.count { $0.fate == .new || $0.fate == .replaced || $0.fate == .truncated },
            resumed: fates.count { $0.fate == .resumed }, skipped: fates.count { $0.fate == .skipped || $0.fate == .copy },
            bytes: tasks.reduce(0) { $0 + store.statistics[Int($1.file)].bytes }, events: Int64(store.events.count))

        // Strings: lengths, then bytes, 64 Ki strings a segment (a first run over months holds millions).
        for first in stride(from: marks.strings, to: store.symbols.count, by: 1 << 16) {
            var writer = ByteWriter()
            let range = first..<min(store.symbols.count, first + (1 << 16))
            for id in range { writer.append(UInt32(store.symbols.withBytes(Symbol(rawValue: UInt32(id))) { $0.count })) }
            var bytes = writer.bytes
            for id in range { store.symbols.withBytes(Symbol(rawValue: UInt32(id))) { bytes.append(contentsOf: $0) } }
            try file.appendSegment(.strings, first: first, count: range.count, data: bytes, run: run)
        }
        if store.ticketSymbols.count > marks.tickets {
            var writer = ByteWriter()
            for symbol in store.ticketSymbols[marks.tickets...] { writer.append(symbol.rawValue) }
            try file.appendSegment(
                .tickets, first: marks.tickets, count: store.ticketSymbols.count - marks.tickets, data: writer.bytes, run: run)
        }
        let table = store.attributeTable
        if table.count > marks.tuples {
            var writer = ByteWriter()
            for tuple in marks.tuples..<table.count {
                writer.append(table.joined[tuple].rawValue)
                for slot in 0..<table.width { writer.append(table.value(UInt32(tuple), slot).rawValue) }
            }
            try file.appendSegment(.tuples, first: marks.tuples, count: table.count - marks.tuples, data: writer.bytes, run: run)
        }
        if dropSlots.contains(true) || lateSlots.contains(true) {
            let roots = retentionRoots
            for id in try file.segmentIDs(.events) {
                let (count, data) = try file.segment(id: id)
                var writer = ByteWriter(capacity: data.count)
                var kept = 0
                var late: [Event] = []
                data.withUnsafeBytes { raw in
                    for i in 0..<count {
                        let event = EventCoding.decode(raw, at: i)
                        let slot = Int(roots[event.ticket.rawValue])
                        if slot < lateSlots.count && lateSlots[slot] { late.append(event) }
                        guard slot >= dropSlots.count || (!dropSlots[slot] && !lateSlots[slot]) else { continue }
                        EventCoding.append(event, to: &writer)
                        kept += 1
                    }
                }
                // Events of this run written while reading, for tickets dropped earlier: set aside.
                for event in late {
                    let slot = Int(roots[event.ticket.rawValue])
                    store.rejects.append(
                        (event.source.file, Self.droppedTicketReject(event, ticket: store.symbols.string(store.ticketSymbols[slot]))))
                }
                if kept < count { try file.replaceSegment(id: id, count: kept, data: writer.bytes) }
            }
        }
        try file.append(store.events, run: run)
        FaultInjection.reached("store-events-written")
        if !store.addedThreadLinks.isEmpty {
            var writer = ByteWriter()
            for link in store.addedThreadLinks { writer.append(link.child); writer.append(link.parent) }
            try file.appendSegment(.threadLinks, first: 0, count: store.addedThreadLinks.count, data: writer.bytes, run: run)
        }
        try file.append(
            store.rejects[marks.rejects...].map { file, r in
                var reject = StoredReject(
                    source: file, line: r.line, offset: r.offset, rule: r.rule, ticket: r.ticket,
                    reason: r.reason)
                reject.category = r.category
                return reject
            })
        if let time = store.latest { try file.setMeta("latest", ByteCoding.encode(integers: [time.milliseconds])) }
        try file.setMeta("rule_matches", ByteCoding.encode(integers: store.ruleMatches))
        var dropped = ByteWriter()
        for (name, time) in droppedTickets.sorted(by: { $0.key < $1.key }) {
            dropped.append(bytes: Array(name.utf8))
            dropped.append(time)
        }
        try file.setMeta("dropped_tickets", dropped.bytes)
        try file.setMeta("service_log", ServiceLogCoding.encode(store.services.snapshot))

        // The manifest: every content's statistics, where reading stopped, and how to recognize it.
        let read = Dictionary(tasks.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        for var source in sources {
            let file = Int(source.id)
            source.counts = Self.counts(store.statistics[file])
            source.readLength = store.committedEnd[file]
            source.lines = store.committedLines[file]
            source.day = store.day[file]
            source.lastTimeOfDay = store.lastTimeOfDay[file]
            if let task = read[source.id], let outcome = outcomes[source.id] {
                source.format = outcome.format?.rawValue ?? source.format
                if source.columns.isEmpty { source.columns = outcome.columns ?? [] }
                if let peek = peeks[source.id], peek.head.count > source.headLength {
                    source.headLength = peek.head.count
                    source.headHash = Fingerprint.hash(peek.head)
                }
                if outcome.format == .plain {
                    source.tailLength = Int(min(Int64(Fingerprint.tailLength), source.readLength))
                    source.tailHash =
                        Fingerprint.hashRange(
                            path: task.path, from: source.readLength - Int64(source.tailLength), count: Int64(source.tailLength))
                        ?? 0
                } else {
                    source.tailLength = 0
                    if outcome.failure == nil, let peek = peeks[source.id], let size = peek.size {
                        try self.file.save(
                            StoredRawFile(size: size, headHash: peek.rawHeadHash, tailHash: peek.rawTailHash, source: source.id))
                    }
                }
            }
            try self.file.save(source)
        }
    }
}

extension StoreFile {
    /// Appends events as segments of up to 64 Ki events each (the run's end, and spills while reading).
    func append(_ events: SegmentedEvents, run: Int64) throws(StoreError) {
        var index = 0
        while index < events.count {
            let end = min(events.count, index + (1 << 16))
            let first = index
            let data = EventCoding.encode(count: end - index) { events[first + $0] }
            try appendSegment(.events, first: index, count: end - index, data: data, run: run)
            index = end
        }
    }
}

/// The version written into stores and run.json.
public let slalogVersion = "0.9.0"

/// One input as planning first sees it (`StoreSession.look(at:)`).
private struct FileLook: Sendable {
    /// The stored compressed file with the same bytes on disk (nil: none; then `peek` is taken).
    var known: StoredRawFile?
    var peek: Result<Fingerprint.Peek, IngestError>?
}
