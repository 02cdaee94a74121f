/// An interned string: an index into an `Interner`. `Symbol.none` is "absent".
public struct Symbol: Hashable, Sendable, Comparable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// No value (the attribute was not captured).
    public static let none = Symbol(rawValue: 0)
    public var isNone: Bool { rawValue == 0 }
    public static func < (a: Symbol, b: Symbol) -> Bool { a.rawValue < b.rawValue }
}

/// Maps strings to dense `Symbol`s and back. Not thread-safe: each worker
/// interns into its own table and the merger remaps into the run's table.
public struct Interner: Sendable {
    public private(set) var strings: [String] = [""]
    private var ids: [String: Symbol] = [:]

    public init() {}

    /// The symbol for `string`, adding it if new. The empty string is `.none`.
    public mutating func intern(_ string: String) -> Symbol {
        if string.isEmpty { return .none }
        if let id = ids[string] { return id }
        let id = Symbol(rawValue: UInt32(strings.count))
        strings.append(string)
        ids[string] = id
        return id
    }

    /// Looks a string up without adding it.
    public func lookup(_ string: String) -> Symbol? { string.isEmpty ? Symbol.none : ids[string] }

    public subscript(symbol: Symbol) -> String { strings[Int(symbol.rawValue)] }

    public var count: Int { strings.count }
}
