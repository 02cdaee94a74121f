/// An interned string: an index into a `ByteInterner`. `Symbol.none` is "absent".
public struct Symbol: Hashable, Sendable, Comparable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// No value (the attribute was not captured). Computed and inlinable: a stored static would be
    /// reached through a lazy-initialization accessor call from every other module.
    @inlinable public static var none: Symbol { Symbol(rawValue: 0) }
    @inlinable public var isNone: Bool { rawValue == 0 }
    public static func < (a: Symbol, b: Symbol) -> Bool { a.rawValue < b.rawValue }
}
