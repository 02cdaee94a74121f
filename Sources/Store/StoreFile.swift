import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a store cannot be used; every case becomes exit 2 with its message.
public enum StoreError: Error, CustomStringConvertible {
    /// The file cannot be opened or created (permission, a folder, not a database).
    case cannotOpen(path: String, reason: String)
    /// Another run holds the store's write lock longer than the wait allowed.
    case busy(path: String, seconds: Double)
    /// Made by a slalog whose store format this one does not read.
    case unsupportedFormat(path: String, found: Int, supported: Int)
    /// The store's events were normalized by other rules (docs/semantics.md §11, "Identity").
    case otherRules(path: String, stored: String, current: String)
    /// A SQLite call failed while reading or writing the store (full disk, I/O error, damage).
    case failed(path: String, doing: String, error: SQLiteError)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open the store \(path): \(reason)"
        case let .busy(path, seconds):
            "the store \(path) is in use by another run (waited \(Int(seconds)) s for its lock); nothing written, try again when it has finished"
        case let .unsupportedFormat(path, found, supported):
            found > supported
                ? "the store \(path) has format \(found), made by a newer slalog; this one reads format \(supported): use the newer slalog"
                : "the store \(path) has format \(found); this slalog reads format \(supported) and has no migration from it: rebuild the store from the logs"
        case let .otherRules(path, stored, current):
            "the store \(path) holds events normalized by other rules (rule identity \(stored), the pipeline's is \(current)); "
                + "events of two rule sets are never mixed: use another store, or --rebuild-store to read every input again into this one"
        case let .failed(path, doing, error):
            error.isFull
                ? "the store \(path) could not be written (\(doing)): the disk is full; the store is unchanged"
                : "the store \(path) failed while \(doing): \(error)"
        }
    }
}

/// What the store keeps per kind of segment: each run appends rows of these in order.
public enum SegmentKind: Int64, Sendable {
    /// Interned strings: `count` × UInt32 byte lengths, then the bytes; `first` is the first symbol id.
    case strings = 1
    /// Ticket slots: UInt32 symbol per slot.
    case tickets = 2
    /// Attribute tuples: UInt32 joined-values symbol per tuple id.
    case tuples = 3
    /// Events, `EventCoding.size` bytes each, in arrival order.
    case events = 4
    /// Thread links: (child slot, parent slot) UInt32 pairs.
    case threadLinks = 5
    /// Kept results of settled tickets: `ResultCoding` entries as one LZ4 block (decoded length first);
    /// a later entry of a slot supersedes an earlier one.
    case results = 6
}

/// One input content the store has read (the manifest, docs/semantics.md §11).
public struct StoredSource: Sendable, Equatable {
    public var id: Int32
    /// Where it was last seen (rotation renames it; reports use this name).
    public var name: String
    /// The first `headLength` decoded bytes hash to `headHash` (FNV-1a 64).
    public var headLength: Int
    public var headHash: UInt64
    /// Decoded bytes read (a line boundary) and the lines they hold.
    public var readLength: Int64
    public var lines: Int64
    /// The `tailLength` decoded bytes before `readLength` hash to `tailHash` (0 length: not known, compressed input).
    public var tailLength: Int
    public var tailHash: UInt64
    /// CSV inputs: the column names of the header row, read once.
    public var columns: [[UInt8]]
    /// Time-only stamps: the file's current local day and last time of day where reading stopped.
    public var day: Int64?
    public var lastTimeOfDay: Int64?
    /// The run's statistics of this input, summed over runs (order defined by the pipeline stage).
    public var counts: [Int64]
    /// The format it was last read as (`plain`, `gzip`, …).
    public var format: String

    public init(id: Int32, name: String) {
        self.id = id; self.name = name
        headLength = 0; headHash = 0; readLength = 0; lines = 0; tailLength = 0; tailHash = 0
        columns = []; counts = []; format = ""
    }
}

/// A compressed file read to its end without damage: recognized by its bytes on disk alone, so it is never decoded again.
public struct StoredRawFile: Sendable, Hashable {
    public var size: Int64
    public var headHash: UInt64
    public var tailHash: UInt64
    public var source: Int32

    public init(size: Int64, headHash: UInt64, tailHash: UInt64, source: Int32) {
        self.size = size; self.headHash = headHash; self.tailHash = tailHash; self.source = source
    }
}

/// A line the rules rejected, kept for rejects.csv of later runs.
public struct StoredReject: Sendable {
    public var source: Int32
    public var line: Int64
    public var offset: Int64
    public var rule: Int
    public var ticket: String
    public var reason: String
    public var category = "reject"

    public init(source: Int32, line: Int64, offset: Int64, rule: Int, ticket: String, reason: String) {
        self.source = source; self.line = line; self.offset = offset; self.rule = rule; self.ticket = ticket; self.reason = reason
    }
}

/// What `slalog store info` shows.
public struct StoreInfo: Sendable {
    public var path: String
    public var bytes: Int64
    public var format: Int
    public var identity: String
    public var slalogVersion: String
    public var events: Int64
    public var tickets: Int64
    public var strings: Int64
    public var rejects: Int64
    public var sources: [StoredSource]
    public var runs: Int64
    /// Kept results of settled tickets (entries, superseded ones included).
    public var keptResults: Int64 = 0
    public var oldest: Instant?
    public var newest: Instant?
    public var lastRun: String?
}

/// The event store: one SQLite file holding a pipeline's normalized events
/// (interned strings, integer times, 32 bytes an event), the pipeline's rule
/// identity, and the manifest of every input content read. A run changes it in
/// one transaction (`beginWrite` … `commit`): a kill at any moment leaves it as
/// before the run or as after it (SQLite's write-ahead log).
public final class StoreFile {
    /// Bumped when the layout changes; a store of another format is refused with a message.
    public static let format = 1
    public let path: String
    private let database: SQLiteDatabase
    private var inTransaction = false
    /// Write-behind for the write-ahead log: a run's transaction puts all its new pages there (140 MB
    /// for a month of logs), and the commit's fsync waited for every one of them. Every
    /// `walFlushBytes` of segments written, a helper thread flushes the log so far.
    private let walFlush = BackgroundFlush()
    /// The log, opened for flushing only (no locks are taken on it), when it exists.
    private var walDescriptor: Int32 = -1
    /// The store file, opened for flushing while the run that created it writes (`bulkLoad`); closed
    /// after the connection (`SQLiteDatabase.closeAfterwards`), never before: closing it would drop
    /// SQLite's locks on the file.
    private var fileDescriptor: Int32 = -1
    /// The store was created by this open and its first transaction has not committed: pages go
    /// straight into the file under a rollback journal (for a new file, one that records next to
    /// nothing) instead of into the write-ahead log and then, at the commit's checkpoint, into the
    /// file a second time. The store switches to the write-ahead log when that transaction commits.
    private var bulkLoad = false
    private var unflushedBytes = 0
    private let walFlushBytes: Int
    /// Write-behind flushes of the log asked for so far (one asked while another runs is skipped).
    public private(set) var logFlushes = 0

    /// Opens the store, creating it when `create` and the file does not exist. `lockTimeout`: how long
    /// `beginWrite` waits for another run.
    public init(path: String, create: Bool, lockTimeout: Double, walFlushBytes: Int = 4 << 20) throws(StoreError) {
        self.path = path
        self.walFlushBytes = walFlushBytes
        do {
            database = try SQLiteDatabase(path: path, readOnly: false, create: create)
            let busyMilliseconds = Int32(max(0, min(lockTimeout, 86_400)) * 1000)
            database.setBusyTimeout(milliseconds: busyMilliseconds)
            self.lockTimeout = lockTimeout
            var version = 0
            try database.prepare("PRAGMA user_version").query { version = Int($0.integer(0)) }
            var tables = 0
            try database.prepare("SELECT count(*) FROM sqlite_master").query { tables = Int($0.integer(0)) }
            if version == 0 && tables == 0 {
                guard create else { throw StoreError.cannotOpen(path: path, reason: "it is not a slalog store (empty)") }
                try createSchema()
                bulkLoad = true
            } else if version != Self.format {
                throw StoreError.unsupportedFormat(path: path, found: version, supported: Self.format)
            } else {
                // A store whose first run was killed is still in rollback mode: switched now, unless
                // another run holds it (then a later open switches it; no wait here).
                database.setBusyTimeout(milliseconds: 0)
                try? useWriteAheadLog()
                database.setBusyTimeout(milliseconds: busyMilliseconds)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as SQLiteError {
            throw StoreError.cannotOpen(path: path, reason: error.code & 0xFF == 26 ? "it is not a SQLite database" : error.message)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    private let lockTimeout: Double

    private func createSchema() throws(SQLiteError) {
        try database.execute(
            """
            PRAGMA page_size = 16384; -- segments are large blobs read whole: 4x fewer page reads than 4 KiB
            PRAGMA journal_mode = DELETE; -- until the first run commits (`bulkLoad`)
            BEGIN IMMEDIATE;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
            CREATE TABLE IF NOT EXISTS segments (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, first INTEGER NOT NULL,
                count INTEGER NOT NULL, data BLOB NOT NULL, run INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS segments_kind ON segments (kind, id);
            CREATE TABLE IF NOT EXISTS sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL, head_length INTEGER, head_hash INTEGER,
                read_length INTEGER, lines INTEGER, tail_length INTEGER, tail_hash INTEGER, columns BLOB, day INTEGER,
                last_time_of_day INTEGER, counts BLOB, format TEXT);
            CREATE TABLE IF NOT EXISTS raw_files (size INTEGER, head_hash INTEGER, tail_hash INTEGER, source INTEGER,
                PRIMARY KEY (size, head_hash, tail_hash));
            CREATE TABLE IF NOT EXISTS rejects (id INTEGER PRIMARY KEY, source INTEGER, line INTEGER, offset INTEGER, rule INTEGER,
                ticket TEXT, reason TEXT, category TEXT NOT NULL DEFAULT 'reject');
            CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, finished TEXT, new INTEGER, resumed INTEGER, skipped INTEGER,
                bytes INTEGER, events INTEGER);
            PRAGMA user_version = \(Self.format);
            COMMIT;
            """)
    }

    private func failing<T>(_ doing: String, _ body: () throws(SQLiteError) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw StoreError.failed(path: path, doing: doing, error: error) }
    }

    // MARK: Transactions

    /// Takes the store's write lock for the whole run, waiting up to the lock timeout for another run.
    public func beginWrite() throws(StoreError) {
        do {
            try database.execute("BEGIN IMMEDIATE")
        } catch {
            // Another run holds the write lock past the busy timeout.
            throw error.isBusy ? .busy(path: path, seconds: lockTimeout) : .failed(path: path, doing: "taking its lock", error: error)
        }
        inTransaction = true
    }

    /// A consistent snapshot for reading (`slalog report` while a run writes).
    public func beginRead() throws(StoreError) {
        try failing("starting to read") { () throws(SQLiteError) in
            try database.execute("BEGIN")
            try database.prepare("SELECT count(*) FROM meta").query { _ in }
        }
        inTransaction = true
    }

    public func commit() throws(StoreError) {
        if let code = walFlush.wait() {
            throw .failed(path: path, doing: "flushing its log", error: .system(code))
        }
        try failing("committing the run") { () throws(SQLiteError) in try database.execute("COMMIT") }
        inTransaction = false
        if bulkLoad {
            // The run is committed either way: a store left in rollback mode is switched when next opened.
            bulkLoad = false
            try? useWriteAheadLog()
        }
    }

    /// Puts the store in write-ahead-log mode (concurrent readers while a run writes). A store left in
    /// rollback mode (its first run was killed) is switched when opened next; if another run holds
    /// it then, the switch waits for a later open.
    private func useWriteAheadLog() throws(SQLiteError) {
        var mode = ""
        try database.prepare("PRAGMA journal_mode").query { mode = $0.text(0) }
        guard mode != "wal" else { return }
        try database.prepare("PRAGMA journal_mode = WAL").query { _ in }
    }

    /// Counts bytes written; every `walFlushBytes`, starts flushing the write-ahead log behind.
    private func wrote(_ bytes: Int) {
        unflushedBytes += bytes
        guard unflushedBytes >= walFlushBytes else { return }
        unflushedBytes = 0
        let descriptor: Int32
        if bulkLoad {
            if fileDescriptor < 0 {
                fileDescriptor = open(path, O_RDONLY | O_CLOEXEC)
                if fileDescriptor >= 0 { database.closeAfterwards(fileDescriptor) }
            }
            descriptor = fileDescriptor
        } else {
            if walDescriptor < 0 { walDescriptor = open(path + "-wal", O_RDONLY | O_CLOEXEC) }
            descriptor = walDescriptor
        }
        if descriptor >= 0 {
            walFlush.start(descriptor)
            logFlushes += 1
        }
    }

    public func rollback() {
        if inTransaction { try? database.execute("ROLLBACK") }
        inTransaction = false
    }

    deinit {
        rollback()
        _ = walFlush.wait()
        if walDescriptor >= 0 { close(walDescriptor) }
    }

    /// Empties the store (inside the run's transaction): `--rebuild-store`.
    public func clear() throws(StoreError) {
        try failing("emptying it") { () throws(SQLiteError) in
            try database.execute("DELETE FROM meta; DELETE FROM segments; DELETE FROM sources; DELETE FROM raw_files; DELETE FROM rejects;")
        }
    }

    // MARK: Meta

    public func meta(_ key: String) throws(StoreError) -> [UInt8]? {
        try failing("reading \(key)") { () throws(SQLiteError) in
            var value: [UInt8]?
            try database.prepare("SELECT value FROM meta WHERE key = ?").query([.text(key)]) { value = $0.blob(0) }
            return value
        }
    }

    public func setMeta(_ key: String, _ value: [UInt8]) throws(StoreError) {
        try failing("writing \(key)") { () throws(SQLiteError) in
            try database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run([.text(key), .blob(value)])
        }
    }

    public func metaText(_ key: String) throws(StoreError) -> String? {
        try meta(key).map { String(decoding: $0, as: UTF8.self) }
    }

    public func setMeta(_ key: String, text: String) throws(StoreError) { try setMeta(key, Array(text.utf8)) }

    // MARK: Segments

    /// The row ids of a kind's segments, in the order written.
    public func segmentIDs(_ kind: SegmentKind) throws(StoreError) -> [Int64] {
        try failing("reading segments") { () throws(SQLiteError) in
            var ids: [Int64] = []
            try database.prepare("SELECT id FROM segments WHERE kind = ? ORDER BY id").query([.integer(kind.rawValue)]) {
                ids.append($0.integer(0))
            }
            return ids
        }
    }

    /// One segment's count and bytes.
    public func segment(id: Int64) throws(StoreError) -> (count: Int, data: [UInt8]) {
        try failing("reading segments") { () throws(SQLiteError) in
            var result = (count: 0, data: [UInt8]())
            try database.prepare("SELECT count, data FROM segments WHERE id = ?").query([.integer(id)]) {
                result = (Int($0.integer(0)), $0.blob(1))
            }
            return result
        }
    }

    /// Replaces a segment's contents in place (retention), or removes it when empty.
    public func replaceSegment(id: Int64, count: Int, data: [UInt8]) throws(StoreError) {
        try failing("dropping old events") { () throws(SQLiteError) in
            if count == 0 {
                try database.prepare("DELETE FROM segments WHERE id = ?").run([.integer(id)])
            } else {
                try database.prepare("UPDATE segments SET count = ?, data = ? WHERE id = ?").run([.int(count), .blob(data), .integer(id)])
            }
        }
    }

    public func appendSegment(_ kind: SegmentKind, first: Int, count: Int, data: [UInt8], run: Int64) throws(StoreError) {
        try failing("writing events") { () throws(SQLiteError) in
            try database.prepare("INSERT INTO segments (kind, first, count, data, run) VALUES (?, ?, ?, ?, ?)").run([
                .integer(kind.rawValue), .int(first), .int(count), .blob(data), .integer(run),
            ])
        }
        wrote(data.count)
    }

    /// Calls `body` with each segment of a kind in the order written (first, count, bytes valid only inside).
    public func forEachSegment(_ kind: SegmentKind, _ body: (Int, Int, UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        try failing("reading segments") { () throws(SQLiteError) in
            try database.prepare("SELECT first, count, data FROM segments WHERE kind = ? ORDER BY id").query([.integer(kind.rawValue)]) {
                row in
                row.withBlob(2) { body(Int(row.integer(0)), Int(row.integer(1)), $0) }
            }
        }
    }

    /// Calls `body` with each segment of a kind in the order written, with its row id (bytes valid only inside).
    public func forEachSegmentByID(_ kind: SegmentKind, _ body: (Int64, Int, UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        try failing("reading segments") { () throws(SQLiteError) in
            try database.prepare("SELECT id, count, data FROM segments WHERE kind = ? ORDER BY id").query([.integer(kind.rawValue)]) {
                row in
                row.withBlob(2) { body(row.integer(0), Int(row.integer(1)), $0) }
            }
        }
    }

    /// The items and blob bytes of a kind's segments in all (to size tables before loading them).
    public func totals(_ kind: SegmentKind) throws(StoreError) -> (count: Int, bytes: Int) {
        try failing("reading segments") { () throws(SQLiteError) in
            var totals = (count: 0, bytes: 0)
            try database.prepare("SELECT coalesce(sum(count), 0), coalesce(sum(length(data)), 0) FROM segments WHERE kind = ?").query([
                .integer(kind.rawValue)
            ]) { totals = (Int($0.integer(0)), Int($0.integer(1))) }
            return totals
        }
    }

    /// Removes every segment of a kind (kept results that no longer apply).
    public func deleteSegments(_ kind: SegmentKind) throws(StoreError) {
        try failing("dropping kept results") { () throws(SQLiteError) in
            try database.prepare("DELETE FROM segments WHERE kind = ?").run([.integer(kind.rawValue)])
        }
    }

    // MARK: Manifest

    public func sources() throws(StoreError) -> [StoredSource] {
        try failing("reading its manifest") { () throws(SQLiteError) in
            var sources: [StoredSource] = []
            try database.prepare(
                "SELECT id, name, head_length, head_hash, read_length, lines, tail_length, tail_hash, columns, day, last_time_of_day, counts, format FROM sources ORDER BY id"
            ).query { row in
                var source = StoredSource(id: Int32(row.integer(0)), name: row.text(1))
                source.headLength = Int(row.integer(2))
                source.headHash = UInt64(bitPattern: row.integer(3))
                source.readLength = row.integer(4)
                source.lines = row.integer(5)
                source.tailLength = Int(row.integer(6))
                source.tailHash = UInt64(bitPattern: row.integer(7))
                source.columns = ByteCoding.byteStrings(row.blob(8))
                source.day = row.isNull(9) ? nil : row.integer(9)
                source.lastTimeOfDay = row.isNull(10) ? nil : row.integer(10)
                source.counts = ByteCoding.integers(row.blob(11))
                source.format = row.text(12)
                sources.append(source)
            }
            return sources
        }
    }

    public func save(_ source: StoredSource) throws(StoreError) {
        try failing("writing its manifest") { () throws(SQLiteError) in
            try database.prepare(
                "INSERT OR REPLACE INTO sources (id, name, head_length, head_hash, read_length, lines, tail_length, tail_hash, columns, day, last_time_of_day, counts, format) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
            ).run([
                .int(Int(source.id)), .text(source.name), .int(source.headLength), .integer(Int64(bitPattern: source.headHash)),
                .integer(source.readLength), .integer(source.lines), .int(source.tailLength), .integer(Int64(bitPattern: source.tailHash)),
                .blob(ByteCoding.encode(byteStrings: source.columns)), .optional(source.day), .optional(source.lastTimeOfDay),
                .blob(ByteCoding.encode(integers: source.counts)), .text(source.format),
            ])
        }
    }

    public func rawFiles() throws(StoreError) -> [StoredRawFile] {
        try failing("reading its manifest") { () throws(SQLiteError) in
            var files: [StoredRawFile] = []
            try database.prepare("SELECT size, head_hash, tail_hash, source FROM raw_files").query { row in
                files.append(
                    StoredRawFile(
                        size: row.integer(0), headHash: UInt64(bitPattern: row.integer(1)), tailHash: UInt64(bitPattern: row.integer(2)),
                        source: Int32(row.integer(3))))
            }
            return files
        }
    }

    public func save(_ file: StoredRawFile) throws(StoreError) {
        try failing("writing its manifest") { () throws(SQLiteError) in
            try database.prepare("INSERT OR REPLACE INTO raw_files (size, head_hash, tail_hash, source) VALUES (?,?,?,?)").run([
                .integer(file.size), .integer(Int64(bitPattern: file.headHash)), .integer(Int64(bitPattern: file.tailHash)),
                .int(Int(file.source)),
            ])
        }
    }

    // MARK: Rejects

    public func rejects() throws(StoreError) -> [StoredReject] {
        try failing("reading rejects") { () throws(SQLiteError) in
            var rejects: [StoredReject] = []
            try database.prepare("SELECT source, line, offset, rule, ticket, reason, category FROM rejects ORDER BY id").query { row in
                var reject = StoredReject(
                    source: Int32(row.integer(0)), line: row.integer(1), offset: row.integer(2), rule: Int(row.integer(3)),
                    ticket: row.text(4), reason: row.text(5))
                reject.category = row.text(6)
                rejects.append(reject)
            }
            return rejects
        }
    }

    public func append(_ rejects: [StoredReject]) throws(StoreError) {
        try failing("writing rejects") { () throws(SQLiteError) in
            let insert = try database.prepare(
                "INSERT INTO rejects (source, line, offset, rule, ticket, reason, category) VALUES (?,?,?,?,?,?,?)")
            for r in rejects {
                try insert.run([
                    .int(Int(r.source)), .integer(r.line), .integer(r.offset), .int(r.rule), .text(r.ticket), .text(r.reason),
                    .text(r.category),
                ])
            }
        }
    }

    // MARK: Runs

    /// The number of the last run in the store's history (0 for a new store).
    public func lastRun() throws(StoreError) -> Int64 {
        try failing("reading its history") { () throws(SQLiteError) in
            var id: Int64 = 0
            try database.prepare("SELECT coalesce(max(id), 0) FROM runs").query { id = $0.integer(0) }
            return id
        }
    }

    /// Notes a run in the store's history; returns its number.
    public func recordRun(finished: String, new: Int, resumed: Int, skipped: Int, bytes: Int64, events: Int64) throws(StoreError) -> Int64 {
        try failing("writing its history") { () throws(SQLiteError) in
            try database.prepare("INSERT INTO runs (finished, new, resumed, skipped, bytes, events) VALUES (?,?,?,?,?,?)").run([
                .text(finished), .int(new), .int(resumed), .int(skipped), .integer(bytes), .integer(events),
            ])
            var id: Int64 = 0
            try database.prepare("SELECT max(id) FROM runs").query { id = $0.integer(0) }
            return id
        }
    }

    /// Size, counts and the event time range, for `slalog store info`.
    public func info(fileBytes: Int64) throws(StoreError) -> StoreInfo {
        var info = StoreInfo(
            path: path, bytes: fileBytes, format: Self.format, identity: try metaText("identity") ?? "",
            slalogVersion: try metaText("version") ?? "",
            events: 0, tickets: 0, strings: 0, rejects: 0, sources: try sources(), runs: 0)
        try failing("reading counts") { () throws(SQLiteError) in
            try database.prepare("SELECT kind, sum(count) FROM segments GROUP BY kind").query { row in
                switch SegmentKind(rawValue: row.integer(0)) {
                case .events: info.events = row.integer(1)
                case .tickets: info.tickets = row.integer(1)
                case .strings: info.strings = row.integer(1)
                case .results: info.keptResults = row.integer(1)
                default: break
                }
            }
            try database.prepare("SELECT count(*) FROM rejects").query { info.rejects = $0.integer(0) }
            try database.prepare("SELECT count(*), max(finished) FROM runs").query {
                info.runs = $0.integer(0)
                info.lastRun = $0.isNull(1) ? nil : $0.text(1)
            }
        }
        try forEachSegment(.events) { _, count, bytes in
            for i in 0..<count {
                let time = EventCoding.decode(bytes, at: i).time
                if info.oldest.map({ time < $0 }) ?? true { info.oldest = time }
                if info.newest.map({ time > $0 }) ?? true { info.newest = time }
            }
        }
        return info
    }
}
