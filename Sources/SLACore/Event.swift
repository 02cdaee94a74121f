/// What a log line says happened to a ticket (docs/semantics.md §1) or to a
/// service (§10: the event's `ticket` symbol then holds the service name).
public enum EventKind: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case open, customerMessage, agentReply, pause, resume, resolve, reopen, update
    case serviceDown, serviceUp, maintenanceStart, maintenanceEnd, checkFail, checkOK, heartbeat

    /// True for the kinds that describe a service, not a ticket.
    public var isService: Bool { rawValue >= EventKind.serviceDown.rawValue }

    /// The name used in pipeline files and reports (`customer_message`, …).
    public var description: String {
        switch self {
        case .open: "open"
        case .customerMessage: "customer_message"
        case .agentReply: "agent_reply"
        case .pause: "pause"
        case .resume: "resume"
        case .resolve: "resolve"
        case .reopen: "reopen"
        case .update: "update"
        case .serviceDown: "service_down"
        case .serviceUp: "service_up"
        case .maintenanceStart: "maintenance_start"
        case .maintenanceEnd: "maintenance_end"
        case .checkFail: "check_fail"
        case .checkOK: "check_ok"
        case .heartbeat: "heartbeat"
        }
    }

    /// Parses a kind name as written in a pipeline file.
    public init?(name: String) {
        guard let kind = EventKind.allCases.first(where: { $0.description == name }) else { return nil }
        self = kind
    }
}

/// Who opened a ticket: the customer (default) or an agent (outbound ticket).
public enum Requester: UInt8, Sendable, CustomStringConvertible {
    case customer, agent
    public var description: String { self == .customer ? "customer" : "agent" }
}

/// Where a line came from: an index into the run's input list and a 1-based
/// line number, packed in one integer (file in the top 24 bits, line in the
/// low 40) so events stay small and input order is one integer compare.
public struct SourceLocation: Hashable, Comparable, Sendable {
    public var packed: UInt64

    public init(file: Int32, line: Int64) {
        packed = UInt64(UInt32(file) & 0xFF_FFFF) << 40 | UInt64(line) & 0xFF_FFFF_FFFF
    }

    public var file: Int32 { Int32(truncatingIfNeeded: packed >> 40) }
    public var line: Int64 { Int64(packed & 0xFF_FFFF_FFFF) }

    /// Input order: inputs in the order given, then line number (docs/semantics.md §1).
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.packed < b.packed }

    /// The same place `lines` further down (used to turn chunk-relative line numbers into file ones).
    public func advanced(byLines lines: Int64) -> SourceLocation { SourceLocation(file: file, line: line + lines) }
}

/// One normalized event, compact (32 bytes): strings are interned `Symbol`s,
/// and the attributes a line carries are one `AttributeTable` entry.
public struct Event: Sendable, Equatable {
    public var time: Instant
    public var source: SourceLocation
    public var ticket: Symbol
    /// The line's attribute values (customer, priority, channel, agent, then the pipeline's own):
    /// an `AttributeTable` tuple id (0: none). Until the merger, the normalizer's symbol of the
    /// values joined by U+001F.
    public var attributes: UInt32 = 0
    public var kind: EventKind
    public var requester: Requester
    /// Index of the rule that produced the event (for the audit trail).
    public var rule: UInt16
    /// The ticket's status after the line, for rules with `status:` (docs/semantics.md §1,
    /// "Status-based mapping"); `.none` otherwise.
    public var status: Symbol = .none

    public init(
        time: Instant, ticket: Symbol, kind: EventKind, requester: Requester = .customer, rule: UInt16 = 0,
        attributes: UInt32 = 0, status: Symbol = .none, source: SourceLocation
    ) {
        self.status = status
        self.time = time; self.ticket = ticket; self.kind = kind; self.requester = requester; self.rule = rule
        self.attributes = attributes
        self.source = source
    }

    /// Ticket order: time, then input order (file, line). Never depends on threads.
    @inlinable
    public static func timelineOrder(_ a: Event, _ b: Event) -> Bool {
        if a.time != b.time { return a.time < b.time }
        return a.source < b.source
    }
}
