import Foundation
import SLACore
import Store

/// Without `--store`, events beyond the memory budget go to a temporary store (in `$TMPDIR`)
/// while reading, and tickets are then measured in passes from it, as with a store
/// (docs/semantics.md §11, "Bounded memory"). Removed when the run ends.
final class EventSpill {
    /// Events held in memory before they are written out.
    let threshold: Int
    private let path: String
    private(set) var file: StoreFile?
    /// Why writing the spill failed (a full temporary folder), if it did.
    private(set) var failure: StoreError?

    init(memory: Int) {
        threshold = max(256, memory / 4 / 32)
        path = FileManager.default.temporaryDirectory.path + "/slalog-spill-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).db"
    }

    deinit {
        file?.rollback()
        file = nil
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Moves the merger's events to the spill file (one uncommitted transaction: nothing is synced).
    func flush(_ events: inout SegmentedEvents) {
        guard failure == nil, events.count > 0 else { return }
        do throws(StoreError) {
            if file == nil {
                let created = try StoreFile(path: path, create: true, lockTimeout: 0)
                try created.beginWrite()
                file = created
            }
            var index = 0
            while index < events.count {
                let end = min(events.count, index + (1 << 16))
                var writer = ByteWriter(capacity: (end - index) * EventCoding.size)
                for i in index..<end { EventCoding.append(events[i], to: &writer) }
                try file!.appendSegment(.events, first: index, count: end - index, data: writer.bytes, run: 0)
                index = end
            }
            events = SegmentedEvents()
        } catch {
            failure = error
        }
    }
}
