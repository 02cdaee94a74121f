import Foundation
import SLACore
import Store

/// Events beyond the memory budget leave the merger while reading (docs/semantics.md §11,
/// "Bounded memory"): with `--store`, into the store (in the run's transaction); without, into a
/// temporary store in `$TMPDIR`, removed when the run ends. Tickets are then measured in passes.
final class EventSpill {
    /// Events held in memory before they are written out.
    let threshold: Int
    /// The temporary store's path (nil: spilling into the run's own store).
    private let temporary: String?
    private let run: Int64
    private(set) var file: StoreFile?
    /// Why writing the spill failed (a full disk), if it did.
    private(set) var failure: StoreError?
    /// Whether any event was spilled.
    private(set) var spilled = false

    /// Spills into a temporary store, created when first needed: only past a quarter of the budget
    /// (writing the spill costs time a run that fits in memory need not spend).
    init(memory: Int) {
        threshold = max(256, memory / 4 / 32)
        temporary = FileManager.default.temporaryDirectory.path + "/slalog-spill-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).db"
        run = 0
    }

    /// Spills into the run's store, as segments of run `run`.
    init(into file: StoreFile, run: Int64, memory: Int) {
        threshold = max(256, memory / 8 / 32)
        temporary = nil
        self.file = file
        self.run = run
    }

    deinit {
        guard let temporary else { return }
        file?.rollback()
        file = nil
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: temporary + suffix) }
    }

    /// Moves the merger's events to the spill file (one uncommitted transaction: nothing is synced).
    func flush(_ events: inout SegmentedEvents) {
        guard failure == nil, events.count > 0 else { return }
        spilled = true
        do throws(StoreError) {
            if file == nil, let temporary {
                let created = try StoreFile(path: temporary, create: true, lockTimeout: 0)
                try created.beginWrite()
                file = created
            }
            try file!.append(events, run: run)
            events = SegmentedEvents()
        } catch {
            failure = error
        }
    }
}
