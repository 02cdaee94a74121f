/// The attribute values of a run's events, stored once per distinct combination: an event
/// holds a tuple id, and the table holds each tuple's values (customer, priority, channel,
/// agent, then the pipeline's own attributes; `.none` where the line carried none). Lines
/// repeat few combinations (a customer's open lines, an agent's replies), so this costs far
/// less than four or more symbols per event.
public struct AttributeTable: Sendable {
    /// Values per tuple: the four built-ins, then the pipeline's own attributes.
    public let width: Int
    /// Tuple `t`'s values are `values[t * width ..< (t + 1) * width]`; tuple 0 has none.
    public private(set) var values: [Symbol]
    /// The tuple id of each joined-values symbol (see `Event.attributes`), by symbol.
    private var ids: [UInt32] = []
    /// The joined-values symbol of each tuple, by id (an event store keeps them).
    public private(set) var joined: [Symbol] = [.none]

    /// Tuples, including the empty tuple 0.
    public var count: Int { joined.count }

    /// Slots of the built-ins (computed and inlinable: no accessor call from other modules).
    @inlinable public static var customer: Int { 0 }
    @inlinable public static var priority: Int { 1 }
    @inlinable public static var channel: Int { 2 }
    @inlinable public static var agent: Int { 3 }

    public init(width: Int = 4) {
        self.width = width
        values = Array(repeating: .none, count: width)
    }

    @inlinable
    public func value(_ tuple: UInt32, _ slot: Int) -> Symbol {
        slot < width ? values[Int(tuple) * width + slot] : .none
    }

    /// The tuple id of a joined-values symbol seen before, nil if new (0 for `.none`).
    public func knownID(of symbol: Symbol) -> UInt32? {
        if symbol.isNone { return 0 }
        let raw = Int(symbol.rawValue)
        return raw < ids.count && ids[raw] != 0 ? ids[raw] : nil
    }

    /// Adds the tuple of a new joined-values symbol with its decoded `values`; returns its id.
    public mutating func add(_ symbol: Symbol, values decoded: [Symbol]) -> UInt32 {
        let raw = Int(symbol.rawValue)
        if raw >= ids.count { ids.append(contentsOf: repeatElement(0, count: max(raw + 1 - ids.count, ids.count))) }
        let id = UInt32(values.count / width)
        for slot in 0..<width { values.append(slot < decoded.count ? decoded[slot] : .none) }
        ids[raw] = id
        joined.append(symbol)
        return id
    }

    /// The tuple id of a joined-values symbol, decoding it (once) with `decode`.
    public mutating func id(of symbol: Symbol, decode: () -> [Symbol]) -> UInt32 {
        if let known = knownID(of: symbol) { return known }
        return add(symbol, values: decode())
    }

    /// The bytes of a tuple's joined values: `value[0] U+001F value[1] …` (how the normalizer writes them).
    public static let separator: UInt8 = 0x1F

    /// The values of joined bytes, each made a symbol by `intern` (an empty value: `.none`). One pass,
    /// no array of pieces (`split` built one per tuple: a third of this, on the merging thread).
    public static func values(ofJoined bytes: [UInt8], intern: (ArraySlice<UInt8>) -> Symbol) -> [Symbol] {
        var values: [Symbol] = []
        values.reserveCapacity(4)  // the built-in attributes; a pipeline's own add more
        var start = bytes.startIndex
        for i in bytes.indices where bytes[i] == separator {
            values.append(start == i ? .none : intern(bytes[start..<i]))
            start = i + 1
        }
        values.append(start == bytes.endIndex ? .none : intern(bytes[start...]))
        return values
    }
}
