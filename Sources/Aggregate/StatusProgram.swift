import SLACore

/// What a rule with `transitions` makes of its lines, decided per ticket once
/// the ticket's events are in order (docs/semantics.md §1, "Status-based
/// mapping"): the first transition whose `from` and `to` globs match the
/// ticket's previous status and the line's status gives the kinds; else the
/// rule's own kind (fixed, or mapped over the status).
public struct StatusProgram: Sendable {
    public struct Transition: Sendable {
        /// nil: any status (a `from` pattern never matches when there is no previous status).
        public var from: GlobPattern?
        public var to: GlobPattern?
        /// The kinds in order; empty for `ignore`.
        public var kinds: [EventKind]

        public init(from: GlobPattern?, to: GlobPattern?, kinds: [EventKind]) {
            self.from = from; self.to = to; self.kinds = kinds
        }
    }

    /// The rule's own kind when no transition matches.
    public enum Otherwise: Sendable {
        case fixed([EventKind])
        /// Map over the status text: entries in written order, first match wins; `fallback` for the rest.
        case mapped([(GlobPattern, [EventKind])], fallback: [EventKind]?)
    }

    public var transitions: [Transition]
    public var otherwise: Otherwise

    public init(transitions: [Transition], otherwise: Otherwise) {
        self.transitions = transitions; self.otherwise = otherwise
    }

    /// The kinds of a line whose status is `status`, after `previous`; nil when nothing covers the status.
    public func kinds(previous: String?, status: String) -> (kinds: [EventKind], transition: Int?)? {
        for (index, transition) in transitions.enumerated() {
            if let from = transition.from {
                guard let previous, from.matches(previous) else { continue }
            }
            if let to = transition.to, !to.matches(status) { continue }
            return (transition.kinds, index)
        }
        switch otherwise {
        case let .fixed(kinds): return (kinds, nil)
        case let .mapped(table, fallback):
            if let entry = table.first(where: { $0.0.matches(status) }) { return (entry.1, nil) }
            return fallback.map { ($0, nil) }
        }
    }
}

/// How a pipeline turns a ticket's ordered events into the events the states see:
/// the status programs of its rules (indexed by rule, nil for plain rules) and `open: first_event`.
public struct TicketMapping: Sendable {
    public var programs: [StatusProgram?]
    public var openOnFirstEvent: Bool

    public init(programs: [StatusProgram?] = [], openOnFirstEvent: Bool = false) {
        self.programs = programs; self.openOnFirstEvent = openOnFirstEvent
    }

    /// True when events pass through unchanged (no transitions, no `open: first_event`).
    public var isIdentity: Bool { !openOnFirstEvent && programs.allSatisfy { $0 == nil } }

    func program(_ rule: UInt16) -> StatusProgram? { Int(rule) < programs.count ? programs[Int(rule)] : nil }
}
