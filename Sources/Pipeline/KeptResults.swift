import Aggregate
import Dispatch
import Ingest
import Report
import SLACore
import Store

/// The results of settled tickets a store keeps, so that a run measures only the tickets whose
/// events changed (docs/semantics.md §11, "Settled tickets are measured once").
///
/// Built once per run from the census: which slots have a usable kept result (same event count,
/// last event not after as_of, same measuring identity). Passes then read the usable payloads of
/// their tickets; a run that writes appends the results it measured and found settled.
final class KeptResults: @unchecked Sendable {
    /// Per ticket slot: the index (into `segments`) of the segment holding its usable result, or -1.
    private var segmentOf: [Int32]
    /// Per ticket slot: the usable result's payload bytes (for sizing passes).
    private(set) var length: [UInt32]
    /// Row ids of the results segments read, in the order written.
    private var segments: [Int64] = []
    /// The decoded segments, by index, kept from indexing for a run measured in one pass (empty:
    /// none kept; the pass reads them again). Indexing decodes every segment anyway: keeping them
    /// spares the pass reading, decoding and copying them a second time.
    private var decoded: [[UInt8]] = []
    /// Entries usable by this run; entries that can never be used again (superseded, of dropped
    /// tickets, of tickets with new events); entries still right for a later as_of.
    private var usable = 0, outdated = 0, later = 0

    /// The store the results are read from (nil: none), and whether this run keeps new ones in it.
    private let file: StoreFile?
    let keeps: Bool
    private let run: Int64
    private let key: String
    /// The stored results are dropped (and the key set) before the first new ones are written.
    private var dropStored: Bool

    /// Outdated entries a store may hold whatever the number of live ones.
    static let outdatedAllowance = 4096

    static func key(_ measuringIdentity: String) -> String { "\(measuringIdentity)/\(slalogVersion)/results-\(ResultCoding.version)" }

    /// No kept results (a run without a store, or a temporary one).
    init(slots: Int) {
        segmentOf = Array(repeating: -1, count: slots)
        length = []
        file = nil; keeps = false; run = 0; key = ""; dropStored = false
    }

    /// Indexes the results `file` keeps for the census's tickets. `use`: false measures every ticket
    /// (`--remeasure`); `write`: the run keeps the results it measures (in its transaction).
    /// `retainUpTo`: the decoded segments are kept for the pass when they take no more bytes than this.
    /// `ahead`: the stored results as `readAhead` read them (nil: they are read now).
    init(
        file: StoreFile, census: StoreSession.Census, asOf: Instant, measuringIdentity: String, use: Bool, write: Bool, run: Int64,
        retainUpTo: Int = 0, ahead: ReadAhead? = nil
    ) throws(StoreError) {
        let slots = census.count.count
        segmentOf = Array(repeating: -1, count: slots)
        length = Array(repeating: 0, count: slots)
        key = Self.key(measuringIdentity)
        self.run = run
        let sameKey = try file.metaText("results_key") == key
        dropStored = write && !(sameKey && use)
        self.file = file
        keeps = write
        guard use && sameKey else { return }
        var indexed: Indexed
        if let ahead, let done = ahead.wait(), done.slots <= slots {
            indexed = done
        } else {
            indexed = Indexed(slots: slots, retainUpTo: retainUpTo)
            try file.forEachSegmentByID(.results) { id, _, block in indexed.add(id: id, block: block) }
        }
        segments = indexed.segments
        decoded = indexed.decoded
        // Each ticket's last entry decides (earlier ones were superseded): usable with the same number
        // of events and no event after as_of; outdated with other events; right for a later as_of.
        outdated = indexed.superseded
        for slot in 0..<indexed.slots where indexed.last[slot] >= 0 {
            if census.count[slot] == 0 || UInt32(census.count[slot]) != indexed.lastEvents[slot] {
                outdated += 1
            } else if indexed.lastTime[slot] > asOf.milliseconds {
                later += 1
            } else {
                usable += 1
                segmentOf[slot] = indexed.last[slot]
                length[slot] = indexed.lastLength[slot]
            }
        }
        // Outdated entries never outnumber the live ones for long (a few thousand are let be: they cost little):
        // such a run measures every ticket and keeps anew.
        if write && outdated > max(usable + later, Self.outdatedAllowance) {
            dropStored = true
            usable = 0
            decoded = []
            segmentOf = Array(repeating: -1, count: slots)
            return
        }
        if usable == 0 { decoded = [] }
    }

    /// What indexing learns from the stored results before the census is known: the segments, and per
    /// ticket slot its last entry (a later entry supersedes an earlier one).
    struct Indexed: Sendable {
        /// Row ids of the results segments, in the order written; the decoded ones while they fit.
        var segments: [Int64] = []
        var decoded: [[UInt8]] = []
        private var retaining: Bool
        private var retained = 0
        private let retainUpTo: Int
        /// Entries for slots at or past this are not indexed (no such ticket).
        let slots: Int
        /// Per slot: the segment of its last entry (-1: none), and that entry's events, last event's time, payload bytes.
        var last: [Int32]
        var lastEvents: [UInt32]
        var lastTime: [Int64]
        var lastLength: [UInt32]
        /// Entries a later entry of the same ticket replaced.
        var superseded = 0

        init(slots: Int, retainUpTo: Int) {
            self.slots = slots
            self.retainUpTo = retainUpTo
            retaining = retainUpTo > 0
            last = Array(repeating: -1, count: slots)
            lastEvents = Array(repeating: 0, count: slots)
            lastTime = Array(repeating: 0, count: slots)
            lastLength = Array(repeating: 0, count: slots)
        }

        /// Indexes the segment `id` (an LZ4 block of entries; a damaged one is no result at all: its
        /// tickets are measured from their events).
        mutating func add(id: Int64, block: UnsafeRawBufferPointer) {
            let index = Int32(segments.count)
            segments.append(id)
            guard let data = LZ4Block.decompress(block) else {
                if retaining { decoded.append([]) }
                return
            }
            if retaining {
                retained += data.count
                if retained <= retainUpTo {
                    decoded.append(data)
                } else {
                    retaining = false
                    decoded = []
                }
            }
            data.withUnsafeBytes { data in
                ResultCoding.forEachEntry(data) { entry in
                    let slot = Int(entry.slot)
                    guard slot < slots else { return }
                    if last[slot] >= 0 { superseded += 1 }
                    last[slot] = index
                    lastEvents[slot] = entry.events
                    lastTime[slot] = entry.last
                    lastLength[slot] = UInt32(entry.payload.count)
                }
            }
        }
    }

    /// The stored results of a store run, read on the calling thread (copies of their compressed
    /// blocks) and decompressed and indexed on a helper thread while the run goes on (reads its new
    /// files, counts every event, saves): the index is then checked against the census. Nil when
    /// there is nothing to read ahead: no results for this measuring identity, `--remeasure`, or
    /// compressed blocks of more than `limit` bytes (read then, as they are used).
    static func readAhead(file: StoreFile, measuringIdentity: String, slots: Int, retainUpTo: Int, limit: Int) throws(StoreError)
        -> ReadAhead?
    {
        guard try file.metaText("results_key") == key(measuringIdentity) else { return nil }
        let totals = try file.totals(.results)
        guard totals.count > 0, totals.bytes <= limit else { return nil }
        var blocks: [(id: Int64, bytes: [UInt8])] = []
        try file.forEachSegmentByID(.results) { id, _, block in blocks.append((id, Array(block.assumingMemoryBound(to: UInt8.self)))) }
        let ahead = ReadAhead()
        ahead.start { [blocks] in
            var indexed = Indexed(slots: slots, retainUpTo: retainUpTo)
            for block in blocks { block.bytes.withUnsafeBytes { indexed.add(id: block.id, block: $0) } }
            return indexed
        }
        return ahead
    }

    /// Indexing on a helper thread; `wait` gives its outcome.
    final class ReadAhead: Sendable {
        private let done = DispatchGroup()
        private let outcome = Locked<Indexed?>(nil)

        fileprivate func start(_ work: @escaping @Sendable () -> Indexed) {
            let outcome = outcome
            DispatchQueue.global().async(group: done) {
                let indexed = work()
                outcome.withLock { $0 = indexed }
            }
        }

        /// Waits for the index.
        func wait() -> Indexed? {
            done.wait()
            return outcome.withLock { $0 }
        }
    }

    func isKept(_ slot: UInt32) -> Bool { segmentOf[Int(slot)] >= 0 }

    /// The payload bytes of each pass (by its first position), to load them without growth slack.
    private var passBytes: [Int: Int] = [:]

    /// Notes each pass's payload bytes and frees the per-ticket lengths (4 bytes a ticket): they were
    /// for sizing passes; and the decoded segments, unless one pass measures every ticket.
    func passesSized(_ passes: [Range<Int>], sequence: [UInt32]) {
        if passes.count != 1 { decoded = [] }
        if decoded.isEmpty {
            for pass in passes {
                passBytes[pass.lowerBound] = pass.reduce(0) { $0 + (isKept(sequence[$1]) ? Int(length[Int(sequence[$1])]) : 0) }
            }
        }
        length = []
    }

    /// The usable results of the tickets at `pass` positions of `sequence` (`rank`: position by slot).
    func load(_ pass: Range<Int>, sequence: [UInt32], rank: [Int32]) throws(StoreError) -> KeptPass {
        var kept = KeptPass(count: pass.count)
        guard let file, usable > 0 else { return kept }
        // Where a usable entry of segment `index` in `data` goes in the pass (nil: not this pass's).
        func place(_ entry: ResultCoding.Entry, index: Int32) -> Int? {
            let slot = Int(entry.slot)
            guard slot < segmentOf.count, segmentOf[slot] == index else { return nil }
            let position = Int(rank[slot])
            return pass.contains(position) ? position - pass.lowerBound : nil
        }
        if !decoded.isEmpty {
            // The segments indexing decoded: the pass takes them as they are.
            for (index, data) in decoded.enumerated() {
                data.withUnsafeBytes { data in
                    ResultCoding.forEachEntry(data) { entry in
                        guard let k = place(entry, index: Int32(index)) else { return }
                        kept.block[k] = Int32(index)
                        kept.start[k] = Int32(entry.payload.lowerBound)
                        kept.end[k] = Int32(entry.payload.upperBound)
                    }
                }
            }
            swap(&kept.blocks, &decoded)
            return kept
        }
        var wanted = Set<Int32>()
        for position in pass where segmentOf[Int(sequence[position])] >= 0 { wanted.insert(segmentOf[Int(sequence[position])]) }
        guard !wanted.isEmpty else { return kept }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(passBytes[pass.lowerBound] ?? 0)
        var index: Int32 = -1
        try file.forEachSegmentByID(.results) { id, _, block in
            index += 1
            guard Int(index) < segments.count, segments[Int(index)] == id, wanted.contains(index),
                let data = LZ4Block.decompress(block)
            else { return }
            data.withUnsafeBytes { data in
                ResultCoding.forEachEntry(data) { entry in
                    guard let k = place(entry, index: index) else { return }
                    kept.block[k] = 0
                    kept.start[k] = Int32(bytes.count)
                    bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[entry.payload]).assumingMemoryBound(to: UInt8.self))
                    kept.end[k] = Int32(bytes.count)
                }
            }
        }
        kept.blocks = [bytes]
        return kept
    }

    /// Writes the entries a block produced (LZ4-compressed by its worker: `LZ4Block`) as one segment.
    func keep(_ block: [UInt8], count: Int) throws(StoreError) {
        guard let file, keeps, count > 0 else { return }
        if dropStored { try dropAndMark(file) }
        try file.appendSegment(.results, first: 0, count: count, data: block, run: run)
    }

    /// Drops outdated stored results when no new one did; call once measuring is done.
    func finish() throws(StoreError) {
        guard let file, keeps else { return }
        if dropStored { try dropAndMark(file) }
        FaultInjection.reached("store-results-kept")
    }

    private func dropAndMark(_ file: StoreFile) throws(StoreError) {
        try file.deleteSegments(.results)
        try file.setMeta("results_key", text: key)
        dropStored = false
    }
}

/// The kept results of one pass: ticket at pass position `k` has its payload at
/// `blocks[block[k]][start[k]..<end[k]]` (block -1: none).
struct KeptPass: Sendable {
    var blocks: [[UInt8]] = []
    var block: [Int32]
    var start: [Int32]
    var end: [Int32]

    init(count: Int) {
        block = Array(repeating: -1, count: count)
        start = Array(repeating: 0, count: count)
        end = Array(repeating: 0, count: count)
    }

    func result(_ k: Int) -> (TicketResult, [SetAside])? {
        guard k < block.count, block[k] >= 0 else { return nil }
        return blocks[Int(block[k])].withUnsafeBytes { raw in
            ResultCoding.decode(UnsafeRawBufferPointer(rebasing: raw[Int(start[k])..<Int(end[k])]))
        }
    }
}
