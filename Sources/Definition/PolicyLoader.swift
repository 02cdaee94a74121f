import Aggregate
import Foundation
import Normalize
import SLACore

/// Calendars, policies and durations of a pipeline file.
extension PipelineLoader {
    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    func loadCalendars(_ node: YAMLNode?) throws(PipelineError) -> [String: BusinessCalendar] {
        var calendars = ["24x7": BusinessCalendar.alwaysOpen]
        guard let node else { return calendars }
        for (name, value) in try node.entries() {
            guard name != "24x7" else { throw value.error("'24x7' is built in and cannot be redefined") }
            let fields = try value.fields(["timezone", "hours", "holidays"])
            let zone = try zone(try value.required(fields, "timezone"))
            var hours = [[BusinessCalendar.LocalInterval]](repeating: [], count: 8)
            for (days, intervals) in try value.required(fields, "hours").entries() {
                let spans = try localIntervals(intervals)
                for day in try weekdaySet(days, intervals) {
                    guard hours[day].isEmpty else {
                        throw intervals.error("hours for \(Self.weekdays[day - 1]) are given twice")
                    }
                    hours[day] = spans
                }
            }
            var holidays = Set<CivilDate>()
            for item in try fields["holidays"]?.list() ?? [] { holidays.insert(try date(item)) }
            calendars[name] = BusinessCalendar(name: name, zone: zone, hours: hours, holidays: holidays)
        }
        return calendars
    }

    /// `mon-fri`, `sat`, `mon,wed,fri`, `daily` → ISO weekday numbers.
    func weekdaySet(_ text: String, _ node: YAMLNode) throws(PipelineError) -> [Int] {
        if text == "daily" { return Array(1...7) }
        var days: [Int] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let ends = part.split(separator: "-").map(String.init)
            let numbers = ends.compactMap { Self.weekdays.firstIndex(of: $0.lowercased()).map { $0 + 1 } }
            guard numbers.count == ends.count, (1...2).contains(numbers.count), numbers.first! <= numbers.last! else {
                throw node.error("'\(text)' is not a weekday range", hint: "write days as mon-fri, sat, mon,wed,fri or daily")
            }
            days += Array(numbers.first!...numbers.last!)
        }
        return days
    }

    /// `"09:00-12:00, 13:00-17:30"` (or a list of such) → sorted, non-overlapping intervals.
    func localIntervals(_ node: YAMLNode) throws(PipelineError) -> [BusinessCalendar.LocalInterval] {
        var result: [BusinessCalendar.LocalInterval] = []
        for text in try node.strings() {
            for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                let ends = part.split(separator: "-").map(String.init)
                guard ends.count == 2, let start = Self.timeOfDay(ends[0]), let end = Self.timeOfDay(ends[1]), start < end else {
                    throw node.error(
                        "'\(part)' is not an interval HH:MM-HH:MM with start before end",
                        hint: "use 24:00 for midnight at the end of a day; split overnight shifts at 24:00")
                }
                result.append(.init(start: start, end: end))
            }
        }
        result.sort { $0.start < $1.start }
        for (a, b) in zip(result, result.dropFirst()) where b.start < a.end {
            throw node.error(
                "business hours overlap (\(clockText(a.start))-\(clockText(a.end)) and \(clockText(b.start))-\(clockText(b.end)))")
        }
        return result
    }

    /// `HH:MM` (00:00 … 24:00) in milliseconds from midnight.
    static func timeOfDay(_ text: String) -> Int64? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int64(parts[0]), let m = Int64(parts[1]),
            (0...24).contains(h), (0...59).contains(m), h < 24 || m == 0
        else { return nil }
        return (h * 60 + m) * 60_000
    }

    func date(_ node: YAMLNode) throws(PipelineError) -> CivilDate {
        let text = try node.string()
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), d >= 1, d <= CivilDate.daysInMonth(year: y, month: m)
        else {
            throw node.error("'\(text)' is not a date YYYY-MM-DD")
        }
        return CivilDate(year: y, month: m, day: d)
    }

    // MARK: policies

    /// The policies, and notes for `slalog check` (a `d` target on a business calendar).
    func loadPolicies(_ node: YAMLNode?, calendars: [String: BusinessCalendar]) throws(PipelineError) -> (PolicySet, notes: [String]) {
        var policies: [Policy] = []
        var notes: [String] = []
        for item in try node?.list() ?? [] {
            let fields = try item.fields(["name", "when", "calendar", "targets"])
            let name = try item.required(fields, "name").string()
            guard name != "none", !policies.contains(where: { $0.name == name }) else {
                throw item.error("policy name '\(name)' is reserved or used twice")
            }
            var conditions: [String: [GlobPattern]] = [:]
            var extraConditions: [(index: Int, patterns: [GlobPattern])] = []
            let declared = try declaredAttributes()
            var calendar = BusinessCalendar.alwaysOpen
            var targets: [Metric: Milliseconds] = [:]
            if let when = fields["when"] {
                for (key, keyNode, value) in try when.keyedEntries() {
                    // A folded attribute's values are lower case: its patterns compare without case.
                    let foldIndex = ["customer": 0, "priority": 1, "channel": 2].merging(
                        Dictionary(uniqueKeysWithValues: declared.names.enumerated().map { ($1, Attribute.allCases.count + $0) })
                    ) { a, _ in a }[key]
                    let ignoreCase = foldIndex.map { declared.foldCase[$0] } ?? false
                    let patterns = try value.strings().map { GlobPattern($0, ignoreCase: ignoreCase) }
                    switch key {
                    case "customer", "channel", "priority": conditions[key] = patterns
                    default:
                        guard let index = declared.names.firstIndex(of: key) else {
                            throw keyNode.error(
                                "unknown condition '\(key)'",
                                hint:
                                    "conditions: customer, channel, priority\(declared.names.map { ", " + $0 }.joined()) (declare others under attributes:)"
                            )
                        }
                        extraConditions.append((index, patterns))
                    }
                }
            }
            if let calendarNode = fields["calendar"] { calendar = try self.calendar(calendarNode, in: calendars) }
            for (key, keyNode, value) in try item.required(fields, "targets").keyedEntries() {
                guard let metric = Metric(rawValue: key) else {
                    throw keyNode.error(
                        "unknown metric '\(key)'",
                        hint: "metrics: first_response, next_reply, resolution" + YAMLNode.suggestion(key, Metric.allCases.map(\.rawValue)))
                }
                targets[metric] = try duration(value, calendar: calendar)
                let text = try value.string()
                if calendar !== BusinessCalendar.alwaysOpen, text.hasSuffix("d"), !text.hasSuffix("bd") {
                    notes.append(
                        "policy \(name): \(key) \(text) on calendar \(calendar.name) is \(text.dropLast()) × 24 business hours (d counts 24 hours), not \(text.dropLast()) working days; write \(text.dropLast())bd for working days"
                    )
                }
            }
            policies.append(
                Policy(
                    name: name, customer: conditions["customer"] ?? [], channel: conditions["channel"] ?? [],
                    priority: conditions["priority"] ?? [], extras: extraConditions, calendar: calendar, targets: targets))
        }
        return (PolicySet(policies: policies), notes)
    }

    /// A calendar named under `calendars:` (policies and services refer to them by name).
    func calendar(_ node: YAMLNode, in calendars: [String: BusinessCalendar]) throws(PipelineError) -> BusinessCalendar {
        let name = try node.string()
        guard let found = calendars[name] else {
            throw node.error(
                "unknown calendar '\(name)'",
                hint: "define it under calendars:, or use 24x7" + YAMLNode.suggestion(name, Array(calendars.keys)))
        }
        return found
    }

    /// `90s`, `30m`, `4h`, `1h30m`, `2d` (a day is 24 h of calendar time) → milliseconds.
    /// A duration; on a policy's `calendar`, `Nbd` is N working days of it (docs/pipeline-format.md, "Durations").
    func duration(_ node: YAMLNode, calendar: BusinessCalendar? = nil) throws(PipelineError) -> Milliseconds {
        let text = try node.string()
        if text.hasSuffix("bd"), let count = Int64(text.dropLast(2)), count > 0, count < 100_000 {
            guard let calendar else {
                throw node.error("'\(text)': business days (bd) are for policy targets, which have a calendar", hint: "write hours or d")
            }
            guard let day = calendar.businessDayLength else {
                throw node.error(
                    "'\(text)': the working days of calendar \(calendar.name) differ in length, so a business day is not one length",
                    hint: "write the target in hours (h)")
            }
            return count * day
        }
        guard let value = Self.parseDuration(text) else {
            throw node.error("'\(text)' is not a duration", hint: "write a number and a unit: 90s, 30m, 4h, 1h30m, 2d")
        }
        return value
    }

    static func parseDuration(_ text: String) -> Milliseconds? {
        let units: [(Character, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        var total: Int64 = 0, number: Int64? = nil, nextUnit = 0, sawUnit = false
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                number = (number ?? 0) * 10 + Int64(digit)
                guard number! < 1_000_000_000 else { return nil }
                continue
            }
            guard let n = number, let index = units[nextUnit...].firstIndex(where: { $0.0 == character }) else { return nil }
            total += n * units[index].1
            number = nil
            nextUnit = index + 1
            sawUnit = true
        }
        return number == nil && sawUnit ? total : nil
    }
}
