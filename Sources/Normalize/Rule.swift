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
    public init(key: String, value: Value) { self.key = Array(key.utf8); self.value = value }
}

/// What a rule makes of a matched line: an event of some kind, or nothing
/// (the line is recognised but deliberately not an event, e.g. `assigned`).
public enum RuleKind: Sendable, Equatable {
    case event(EventKind)
    case ignore
}

/// The attributes a rule can capture, in `Event` order.
public enum Attribute: String, CaseIterable, Sendable {
    case customer, priority, channel, agent
}

/// One regex rule of a pipeline, compiled and ready for matching.
public struct Rule: Sendable {
    public var name: String
    public var regex: Regex
    public var kind: FieldMapping<RuleKind>
    public var requester: FieldMapping<Requester>
    public var timestamp: TimestampParser
    /// Literals that must all occur in a line before PCRE2 is asked (cheap prefilter).
    public var prefilter: [[UInt8]]
    /// Capture numbers of `ts` and `ticket` (both required).
    public var timeGroup: Int
    public var ticketGroup: Int
    /// Capture numbers of optional attribute groups, indexed like `Attribute.allCases`.
    public var attributeGroups: [Int?]
    /// Fixed attribute values set by the rule (`set: {channel: chat}`), indexed like `Attribute.allCases`.
    public var attributeValues: [String?]

    public init(name: String, regex: Regex, kind: FieldMapping<RuleKind>, requester: FieldMapping<Requester> = .fixed(.customer),
                timestamp: TimestampParser, prefilter: [String] = [], attributeValues: [Attribute: String] = [:]) throws(RuleError) {
        self.name = name
        self.regex = regex
        self.kind = kind
        self.requester = requester
        self.timestamp = timestamp
        self.prefilter = prefilter.filter { !$0.isEmpty }.map { Array($0.utf8) }
        guard let ts = regex.groupNumbers["ts"] else { throw .missingGroup("ts") }
        guard let ticket = regex.groupNumbers["ticket"] else { throw .missingGroup("ticket") }
        timeGroup = ts
        ticketGroup = ticket
        attributeGroups = Attribute.allCases.map { regex.groupNumbers[$0.rawValue] }
        self.attributeValues = Attribute.allCases.map { attributeValues[$0] }
        if case let .mapped(group, name, _, _) = kind, group <= 0 { throw .missingGroup(name) }
        if case let .mapped(group, name, _, _) = requester, group <= 0 { throw .missingGroup(name) }
    }

    /// The highest capture number the rule reads.
    public var highestGroup: Int { regex.groupNumbers.values.max() ?? 0 }
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
