import SLACore

/// Collects the audit trail of one ticket for `slalog explain`: each event
/// with what it did, and each metric instance with how it was measured.
public final class TrailRecorder {
    public enum Entry: Sendable {
        /// An event, with a note when it was set aside.
        case event(Event, note: String?)
        /// A consequence of the previous event (state change, metric start).
        case step(String)
        /// A finished measurement with the spans it counted, its policy and calendar.
        case measurement(MetricInstance, spans: [MetricInstance.Span], policyName: String, calendar: BusinessCalendar)
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    func note(_ event: Event, _ note: String?) { entries.append(.event(event, note: note)) }
    func say(_ text: String) { entries.append(.step(text)) }
    func measured(_ instance: MetricInstance, spans: [MetricInstance.Span], policyName: String, calendar: BusinessCalendar) {
        entries.append(.measurement(instance, spans: spans, policyName: policyName, calendar: calendar))
    }
}
