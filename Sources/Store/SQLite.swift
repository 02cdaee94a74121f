import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed SQLite call: the result code and SQLite's own message.
public struct SQLiteError: Error, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "\(message) (SQLite code \(code))" }

    /// Another connection holds the lock (`SQLITE_BUSY`) beyond the busy timeout.
    public var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }
    /// The disk or the file system is full (`SQLITE_FULL`).
    public var isFull: Bool { code & 0xFF == SQLITE_FULL }

    /// A system call on one of the store's files failed with `errno` (a full disk as `SQLITE_FULL`).
    static func system(_ errno: Int32) -> SQLiteError {
        SQLiteError(code: errno == ENOSPC ? SQLITE_FULL : SQLITE_IOERR, message: String(cString: strerror(errno)))
    }
}

/// The one owner of a SQLite connection: every `sqlite3_*` call of slalog is in this file.
/// Not thread-safe; a run uses it from one thread.
final class SQLiteDatabase {
    private let handle: OpaquePointer

    /// Opens (`create`: or creates) a database file. The corresponding C function is `sqlite3_open_v2`.
    init(path: String, readOnly: Bool, create: Bool) throws(SQLiteError) {
        var db: OpaquePointer?
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw SQLiteError(code: code, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    /// Descriptors of the database's own file opened outside SQLite (for flushing), closed only after
    /// the connection: closing any descriptor of a file drops every POSIX lock the process holds on it.
    private var closeAfterConnection: [Int32] = []

    deinit {
        sqlite3_close_v2(handle)
        for descriptor in closeAfterConnection { close(descriptor) }
    }

    /// Closes `descriptor` (another descriptor of this database's file) after the connection.
    func closeAfterwards(_ descriptor: Int32) { closeAfterConnection.append(descriptor) }

    /// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
    func setBusyTimeout(milliseconds: Int32) { sqlite3_busy_timeout(handle, milliseconds) }

    /// Runs statements that return no rows. The corresponding C function is `sqlite3_exec`.
    func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: code, message: text)
        }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code) }
        return SQLiteStatement(statement, database: self)
    }

    func error(_ code: Int32) -> SQLiteError { SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle))) }
}

/// A prepared statement; parameters are 1-based, columns 0-based (SQLite's convention).
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let database: SQLiteDatabase

    fileprivate init(_ handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds values in order (Int64, Int, String, [UInt8], nil) and runs the statement to its end.
    func run(_ values: [SQLiteValue]) throws(SQLiteError) {
        try bind(values)
        while try step() {}
    }

    /// Binds values and calls `row` for each result row.
    func query(_ values: [SQLiteValue] = [], row: (SQLiteStatement) throws(SQLiteError) -> Void) throws(SQLiteError) {
        try bind(values)
        while try step() { try row(self) }
    }

    private func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case let .integer(n): code = sqlite3_bind_int64(handle, index, n)
            case let .text(s): code = sqlite3_bind_text(handle, index, s, -1, sqliteTransient)
            case let .blob(bytes):
                code = bytes.withUnsafeBytes { raw in
                    sqlite3_bind_blob64(
                        handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(raw.count), sqliteTransient)
                }
            case .null: code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw database.error(code) }
        }
    }

    /// Advances to the next row: true while there is one. The corresponding C function is `sqlite3_step`.
    private func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw database.error(code)
        }
    }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }

    /// A blob column, handed to `body` without copying (valid only inside it).
    func withBlob<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    func blob(_ column: Int32) -> [UInt8] { withBlob(column) { Array($0) } }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    static func int(_ n: Int) -> SQLiteValue { .integer(Int64(n)) }
    static func optional(_ n: Int64?) -> SQLiteValue { n.map(SQLiteValue.integer) ?? .null }
}

/// `SQLITE_TRANSIENT`: SQLite copies the bound bytes (the macro does not import into Swift).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
