import SLACore

/// How a rule decides a field: a fixed value, or a captured group's text
/// looked up in a table (`to=pending → pause`).
public enum FieldMapping<Value: Sendable>: Sendable {
    case fixed(Value)
    /// `group` is the capture number; `otherwise` applies to values missing
    /// from `table` (nil: such a line is rejected).
    case mapped(group: Int, groupName: String, table: [MappingEntry<Value>], otherwise: Value?)
}

public struct MappingEntry<Value: Sendable>: Sendable {
    public var key: [UInt8]
    public var value: Value
    /// Set when the key is a glob or compares without case (else the bytes must be equal).
    public var pattern: GlobPattern?
    public init(key: String, value: Value, ignoreCase: Bool = false) {
        self.key = Array(key.utf8); self.value = value
        let glob = GlobPattern(key, ignoreCase: ignoreCase)
        pattern = glob.isLiteral && !ignoreCase ? nil : glob
    }
}

/// What a rule makes of a matched line: an event of some kind, or nothing
/// (the line is recognised but deliberately not an event, e.g. `assigned`).
public enum RuleKind: Sendable, Equatable {
    case event(EventKind)
    /// Several events from one line, in this order (`kind: [agent_reply, resume]`).
    case events([EventKind])
    case ignore
    /// A date line: the `date` group sets the date of the file's time-only stamps that follow.
    case date

    /// The kinds, in order (none for `ignore`).
    public var kinds: [EventKind] {
        switch self {
        case let .event(kind): [kind]
        case let .events(kinds): kinds
        case .ignore, .date: []
        }
    }
}

/// The attributes a rule can capture, in `Event` order.
public enum Attribute: String, CaseIterable, Sendable {
    case customer, priority, channel, agent
}

/// A condition on one field of a structured record (`where:`): the exact value, a glob, or a PCRE2 pattern.
public enum FieldCondition: Sendable {
    case exact([UInt8])
    case glob(GlobPattern)
    case regex(Regex)
}

/// One regex rule of a pipeline, compiled and ready for matching.
/// A class: immutable after `init` and shared by every worker, so the hot
/// loop never copies its fields.
public final class Rule: Sendable {
    public let name: String
    public let regex: Regex
    public let kind: FieldMapping<RuleKind>
    public let requester: FieldMapping<Requester>
    public let timestamp: TimestampParser
    /// Literals that must all occur in a line before PCRE2 is asked (cheap prefilter).
    public let prefilter: [Literal]
    /// The byte every matching line starts with, when the pattern says so
    /// (`^\[…` → `[`): lines starting otherwise skip the rule at once.
    public let firstByte: UInt8?
    /// Capture numbers of `ts` and `ticket` (both required; `service` stands for `ticket` in service rules).
    public let timeGroup: Int
    public let ticketGroup: Int
    /// Capture numbers of optional attribute groups, indexed like `Attribute.allCases`.
    public let attributeGroups: [Int?]
    /// Fixed attribute values set by the rule (`set: {channel: chat}`), indexed like `Attribute.allCases`.
    public let attributeValues: [String?]
    /// Capture number of the ticket's status after the line (`status:`), if the rule records one.
    public let statusGroup: Int?
    /// True when the rule has `transitions`: its kinds are chosen per ticket, after ordering
    /// (docs/semantics.md §1), so the normalizer only records the status.
    public let defersKind: Bool
    /// Structured rules (CSV / JSON-lines records): the field names the rule reads, by column
    /// name or dotted key path. The first `captureCount` are its captures (capture number k + 1
    /// is field k); the rest are read by `conditions`. Empty for line rules.
    public let fieldKeys: [[UInt8]]
    public let captureCount: Int
    /// `where:` conditions, each on `fieldKeys[index]`; all must hold.
    public let conditions: [(field: Int, condition: FieldCondition)]
    /// Capture numbers of the pipeline's own attributes (`attributes:`), in declared order.
    public let extraGroups: [Int?]
    /// Fixed values of the pipeline's own attributes set by the rule (`set:`), in declared order.
    public let extraValues: [String?]
    /// Per attribute (the four built-ins, then the pipeline's own): compare and store in lower case.
    public let foldCase: [Bool]
    /// Any `foldCase`, and any own attribute: flags the per-line code tests first.
    public let foldsCase: Bool
    public let hasExtras: Bool
    /// `kind: date`: the line dates the time-only stamps after it.
    public let isDateLine: Bool
    /// Capture number of `reply_to` (threads: the message this line's message answers), if any.
    public let replyToGroup: Int?
    /// True for rules on CSV / JSON-lines records (they never see plain lines, and line rules never see records).
    public var isStructured: Bool { !fieldKeys.isEmpty }

    public init(
        name: String, regex: Regex, kind: FieldMapping<RuleKind>, requester: FieldMapping<Requester> = .fixed(.customer),
        timestamp: TimestampParser, prefilter: [String] = [], attributeValues: [Attribute: String] = [:],
        statusGroup: Int? = nil, defersKind: Bool = false, extraAttributes: [String] = [], extraValues: [String: String] = [:],
        foldCase: [Bool] = [],
        fields: [(capture: String, key: String)] = [], conditions: [(key: String, condition: FieldCondition)] = []
    ) throws(RuleError) {
        self.statusGroup = statusGroup
        self.defersKind = defersKind
        var keys = fields.map { Array($0.key.utf8) }
        var resolved: [(field: Int, condition: FieldCondition)] = []
        for (key, condition) in conditions {
            let bytes = Array(key.utf8)
            if let index = keys.firstIndex(of: bytes) {
                resolved.append((index, condition))
            } else {
                keys.append(bytes)
                resolved.append((keys.count - 1, condition))
            }
        }
        fieldKeys = keys
        captureCount = fields.count
        self.conditions = resolved
        var numbers = regex.groupNumbers
        if !fields.isEmpty {
            numbers = [:]
            for (index, field) in fields.enumerated() { numbers[field.capture] = index + 1 }
        }
        self.name = name
        self.regex = regex
        self.kind = kind
        self.requester = requester
        self.timestamp = timestamp
        self.prefilter = prefilter.filter { !$0.isEmpty }.map(Literal.init)
        self.firstByte = Self.requiredFirstByte(regex.pattern)
        if case .fixed(.date) = kind {
            // A date line needs only its date (read as the time, ticket unused).
            guard let date = numbers["date"] else { throw .missingGroup("date") }
            numbers["ts"] = date
            numbers["ticket"] = date
        }
        guard let ts = numbers["ts"] else { throw .missingGroup("ts") }
        // Service rules (docs/semantics.md §10) name the service where ticket rules name the ticket.
        // Threads (docs/semantics.md §1): the message id stands for the ticket until threads are resolved.
        guard let ticket = numbers["ticket"] ?? numbers["service"] ?? numbers["message"] else { throw .missingGroup("ticket") }
        replyToGroup = numbers["reply_to"]
        timeGroup = ts
        ticketGroup = ticket
        attributeGroups = Attribute.allCases.map { numbers[$0.rawValue] }
        extraGroups = extraAttributes.map { numbers[$0] }
        self.extraValues = extraAttributes.map { extraValues[$0] }
        self.foldCase = foldCase.isEmpty ? Array(repeating: false, count: Attribute.allCases.count + extraAttributes.count) : foldCase
        foldsCase = self.foldCase.contains(true)
        hasExtras = !extraAttributes.isEmpty
        if case .fixed(.date) = kind { isDateLine = true } else { isDateLine = false }
        self.attributeValues = Attribute.allCases.map { attributeValues[$0] }
        if case let .mapped(group, name, _, _) = kind, group <= 0 { throw .missingGroup(name) }
        if case let .mapped(group, name, _, _) = requester, group <= 0 { throw .missingGroup(name) }
    }

    /// Every event kind the rule can produce.
    public var possibleKinds: [EventKind] { Self.kinds(of: kind) }

    /// Every event kind a kind mapping can produce.
    public static func kinds(of kind: FieldMapping<RuleKind>) -> [EventKind] {
        switch kind {
        case let .fixed(kind): return kind.kinds
        case let .mapped(_, _, table, otherwise):
            return (table.map(\.value) + [otherwise].compactMap { $0 }).flatMap(\.kinds)
        }
    }

    /// The first byte of every match of an anchored pattern that starts with a
    /// literal (`^\[`, `^x`). Conservative: nil when unsure (any `|`, a class,
    /// a group, a quantifier after the byte, or an escape that is not punctuation).
    static func requiredFirstByte(_ pattern: String) -> UInt8? {
        let bytes = Array(pattern.utf8)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "^"), !bytes.contains(UInt8(ascii: "|")) else { return nil }
        let meta = Set("^$.[]()*+?{}|\\".utf8)
        let candidate: UInt8
        var next: Int
        if bytes[1] == UInt8(ascii: "\\") {
            guard bytes.count >= 3, bytes[2] < 0x80, !(bytes[2].isASCIIAlphanumeric) else { return nil }
            candidate = bytes[2]; next = 3
        } else {
            guard !meta.contains(bytes[1]), bytes[1] < 0x80 else { return nil }
            candidate = bytes[1]; next = 2
        }
        if next < bytes.count, [UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "{")].contains(bytes[next]) { return nil }
        return candidate
    }

    /// The highest capture number the rule reads.
    public var highestGroup: Int { isStructured ? captureCount : regex.groupNumbers.values.max() ?? 0 }
}

/// A rule that cannot work as written.
public enum RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingGroup(String)
    public var description: String {
        switch self {
        case let .missingGroup(name): "the pattern has no named group (?<\(name)>…), which this rule needs"
        }
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5a).contains(self) || (0x61...0x7a).contains(self)
    }
}

/// A prefilter literal, searched by `memchr` on its rarest byte (by a static
/// frequency ranking of log text) and confirmed with `memcmp`, so common
/// letters do not trigger a comparison at every other byte.
public struct Literal: Sendable {
    public let bytes: [UInt8]
    /// Index in `bytes` of the byte to scan for.
    public let anchor: Int

    public init(_ text: String) {
        let utf8 = Array(text.utf8)
        bytes = utf8
        anchor = utf8.indices.min { Self.commonness(utf8[$0]) < Self.commonness(utf8[$1]) } ?? 0
    }

    /// Higher is more common in log lines: lowercase letters, digits, space and
    /// `:-./` are everywhere; brackets, `#`, `<`, `=` and capitals are rarer.
    static func commonness(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "o"),
            UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "s"), UInt8(ascii: "r"):
            return 9
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "."): return 8
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return 6
        case UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "_"): return 5
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return 3
        default: return 1
        }
    }

    /// Whether the literal occurs in `line`.
    @inlinable
    public func occurs(in line: UnsafeRawBufferPointer) -> Bool {
        bytes.withUnsafeBytes { needle in ByteSearch.contains(needle, anchor: anchor, in: line) }
    }
}
