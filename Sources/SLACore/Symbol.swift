/// An interned string: an index into a `ByteInterner`. `Symbol.none` is "absent".
public struct Symbol: Hashable, Sendable, Comparable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// No value (the attribute was not captured).
    public static let none = Symbol(rawValue: 0)
    public var isNone: Bool { rawValue == 0 }
    public static func < (a: Symbol, b: Symbol) -> Bool { a.rawValue < b.rawValue }
}
