import Aggregate
import Foundation
import Ingest
import Normalize
import SLACore
import Yams

/// Builds a `PipelineDefinition` from the YAML tree, checking every key.
struct PipelineLoader {
    let root: YAMLNode
    let path: String

    static let topKeys = [
        "version", "timezone", "inputs", "rules", "calendars", "policies", "at_risk", "group_by",
        "group_zone", "outputs", "limits", "services", "warnings", "tickets", "tests", "time_only", "attributes",
        "store",
    ]

    /// The pipeline's own attributes (`attributes:`, in declared order) and, per attribute (the
    /// four built-ins first), whether values are folded to lower case.
    func declaredAttributes() throws(PipelineError) -> (names: [String], foldCase: [Bool]) {
        let top = try root.fields(Self.topKeys)
        var names: [String] = []
        var fold = Array(repeating: false, count: Attribute.allCases.count)
        for (name, keyNode, value) in try top["attributes"]?.keyedEntries() ?? [] {
            let reserved = ["ts", "ticket", "service", "message", "reply_to", "date", "status", "policy", "day", "week", "month"]
            guard !reserved.contains(name), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !name.isEmpty else {
                throw keyNode.error(
                    "'\(name)' cannot name an attribute", hint: "use letters, digits and _, not \(reserved.joined(separator: ", "))")
            }
            var folds = false
            if case .mapping = value.node {
                let fields = try value.fields(["fold_case"])
                if let flag = fields["fold_case"] { folds = try boolean(flag) }
            } else if case .scalar = value.node, try value.string() != "" {
                throw value.error("expected {} or {fold_case: true}")
            }
            if let builtIn = Attribute.allCases.firstIndex(where: { $0.rawValue == name }) {
                fold[builtIn] = folds
            } else {
                names.append(name)
                fold.append(folds)
            }
        }
        return (names, fold)
    }

    func load() throws(PipelineError) -> PipelineDefinition {
        let top = try root.fields(Self.topKeys)
        if let version = top["version"], try version.string() != "1" {
            throw version.error("unsupported version '\(try version.string())'", hint: "this slalog reads version 1")
        }
        let timezone = try top["timezone"].map { (node) throws(PipelineError) in try zone(node) }
        var maxLine = 1 << 20, matchLimit: UInt32 = 1_000_000, depthLimit: UInt32 = 10_000
        if let limits = top["limits"] {
            let fields = try limits.fields(["max_line_bytes", "regex_match_limit", "regex_depth_limit"])
            if let n = fields["max_line_bytes"] { maxLine = try integer(n, in: 16...(1 << 30)) }
            if let n = fields["regex_match_limit"] { matchLimit = UInt32(try integer(n, in: 1000...100_000_000)) }
            if let n = fields["regex_depth_limit"] { depthLimit = UInt32(try integer(n, in: 100...10_000_000)) }
        }
        let calendars = try loadCalendars(top["calendars"])
        let services = try loadServices(top["services"], calendars: calendars, timezone: timezone)
        let (rules, programs) = try loadRules(try root.required(top, "rules"), timezone: timezone)
        var openOnFirstEvent = false
        if let node = top["tickets"] {
            let fields = try node.fields(["open"])
            if let open = fields["open"] {
                switch try open.string() {
                case "first_event": openOnFirstEvent = true
                case "explicit": openOnFirstEvent = false
                default: throw open.error("open is first_event or explicit (only open events open a ticket, the default)")
                }
            }
        }
        var (policies, notes) = try loadPolicies(top["policies"], calendars: calendars)
        if let atRisk = top["at_risk"] { policies.atRiskFraction = try percentage(atRisk) }
        var groupBy: [GroupDimension] = [.customer]
        if let node = top["group_by"] { groupBy = try dimensions(node) }
        let groupZone = try top["group_zone"].map { (node) throws(PipelineError) in try zone(node) } ?? timezone ?? .utc
        var outputs = PipelineDefinition.Outputs()
        if let node = top["outputs"] { outputs = try loadOutputs(node) }
        var inputs: [String] = []
        var groups: [InputGroup] = []
        let items = try top["inputs"].map { (node) throws(PipelineError) -> [YAMLNode] in
            if case .scalar = node.node { return [node] }
            return try node.list()
        }
        for item in items ?? [] {
            guard case .mapping = item.node else {
                inputs.append(resolve(try item.string()))
                continue
            }
            let fields = try item.fields(["path", "format", "delimiter", "columns"])
            let path = resolve(try item.required(fields, "path").string())
            inputs.append(path)
            let formatNode = try item.required(fields, "format")
            guard let kind = RecordFormat.Kind(rawValue: try formatNode.string()) else {
                throw formatNode.error("unknown input format '\(try formatNode.string())'", hint: "formats: lines, csv, jsonl")
            }
            var format = RecordFormat(kind: kind)
            if let node = fields["delimiter"] {
                let text = try node.string()
                let bytes = Array((text == "\\t" || text == "tab" ? "\t" : text).utf8)
                guard kind == .csv, bytes.count == 1, bytes[0] != 0x22, bytes[0] != 0x0a, bytes[0] != 0x0d else {
                    throw node.error("delimiter is one character (not a quote or line break), for csv inputs", hint: "e.g. ',' ';' or tab")
                }
                format.delimiter = bytes[0]
            }
            if let node = fields["columns"] {
                guard kind == .csv else { throw node.error("columns: is for csv inputs without a header row") }
                format.columns = try node.strings()
            }
            if kind != .lines { groups.append(InputGroup(path: path, format: format)) }
        }
        var definition = PipelineDefinition(
            path: path, inputs: inputs, rules: rules, policies: policies, calendars: calendars,
            timezone: timezone, groupBy: groupBy, groupZone: groupZone, outputs: outputs,
            maxLineLength: maxLine, matchLimit: matchLimit, depthLimit: depthLimit, services: services)
        definition.ticketMapping = TicketMapping(programs: programs, openOnFirstEvent: openOnFirstEvent)
        definition.notes = notes
        definition.inputGroups = groups
        (definition.attributes, definition.foldCase) = try declaredAttributes()
        if let node = top["time_only"] {
            let fields = try node.fields(["date", "wrap"])
            if let date = fields["date"] {
                switch try date.string() {
                case "filename": definition.timeOnly.dateFromFileName = true
                case "lines": definition.timeOnly.dateFromFileName = false
                default: throw date.error("date is filename (the file name's date, then date lines) or lines (date lines only)")
                }
            }
            if let wrap = fields["wrap"] {
                definition.timeOnly.wrap = try duration(wrap)
                guard definition.timeOnly.wrap > 0, definition.timeOnly.wrap < 86_400_000 else {
                    throw wrap.error("wrap is between 0 and 24 hours (how far back a time must go to be the next day)")
                }
            }
        }
        definition.identity = Self.identity(top)
        definition.measuringIdentity = Self.measuringIdentity(top)
        if let node = top["store"] {
            let fields = try node.fields(["keep"])
            if let keep = fields["keep"] {
                let value = try duration(keep)
                guard value > 0 else { throw keep.error("keep is a positive duration, e.g. 400d") }
                definition.storeKeep = value
            }
        }
        if let node = top["tests"] { definition.tests = try loadTests(node, groups: groups) }
        if let node = top["warnings"] {
            let fields = try node.fields(["incomplete", "anomalies"])
            if let node = fields["incomplete"] { definition.warnings.incomplete = try share(node) }
            if let node = fields["anomalies"] { definition.warnings.anomalies = try share(node, upTo: 100) }
        }
        return definition
    }

    /// The rule identity of an event store (docs/semantics.md §11, "Identity"): a hash of how
    /// lines become events, written out canonically (mapping keys in written order, scalars quoted).
    static func identity(_ top: [String: YAMLNode]) -> String {
        var text = ""
        for key in ["rules", "attributes", "time_only", "timezone", "limits"] {
            let value = top[key].map { Self.canonical($0.node) } ?? "-"
            text += key + "=" + value + ";"
        }
        // Inputs: only how their records are cut (their paths change from run to run).
        text += Self.canonicalItems(top["inputs"]?.node, keys: ["format", "delimiter", "columns"], label: "input")
        // Services: what the merger uses while reading (a check run ends after a gap longer than stale_after).
        text += Self.canonicalItems(top["services"]?.node, keys: ["name", "stale_after"], label: "service")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// What a ticket's result depends on besides its events (docs/semantics.md §11, "Settled tickets are
    /// measured once"): the rule identity and every key that shapes measuring, hashed the same way.
    static func measuringIdentity(_ top: [String: YAMLNode]) -> String {
        var text = identity(top) + ";"
        for key in ["tickets", "policies", "calendars", "at_risk", "attributes", "timezone", "group_zone", "version"] {
            text += key + "=" + (top[key].map { Self.canonical($0.node) } ?? "-") + ";"
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// A YAML node written out canonically: mapping keys in written order, scalars quoted.
    static func canonical(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar):
            let escaped = scalar.string.replacingOccurrences(of: "\"", with: "\\\"")
            return "\"" + escaped + "\""
        case let .mapping(mapping):
            let pairs: [String] = mapping.map { pair in canonical(pair.key) + ":" + canonical(pair.value) }
            return "{" + pairs.joined(separator: ",") + "}"
        case let .sequence(sequence):
            let items: [String] = sequence.map { canonical($0) }
            return "[" + items.joined(separator: ",") + "]"
        case .alias:
            return "*"
        }
    }

    /// The given keys of each mapping in a list, canonically.
    static func canonicalItems(_ node: Node?, keys: [String], label: String) -> String {
        guard case let .sequence(items)? = node else { return "" }
        var text = ""
        for case let .mapping(item) in items {
            let values: [String] = keys.map { key in item[Node(key)].map { canonical($0) } ?? "-" }
            text += label + "=" + values.joined(separator: ",") + ";"
        }
        return text
    }

    /// The `tests:` list (docs/pipeline-format.md, "Rule tests").
    func loadTests(_ node: YAMLNode, groups: [InputGroup]) throws(PipelineError) -> [RuleTest] {
        var tests: [RuleTest] = []
        for item in try node.list() {
            let fields = try item.fields(["name", "line", "lines", "events", "unmatched", "ignored", "reject", "header", "date"])
            var lines: [String] = []
            if let line = fields["line"] { lines.append(try line.string()) }
            if let more = fields["lines"] { lines += try more.list().map { (node) throws(PipelineError) in try node.string() } }
            guard !lines.isEmpty else { throw item.error("a test needs line: or lines:") }
            let expectations = ["events", "unmatched", "ignored", "reject"].filter { fields[$0] != nil }
            guard expectations.count == 1 else {
                throw item.error("a test needs exactly one of events:, unmatched: true, ignored: true, reject: TEXT")
            }
            let expectation: RuleTest.Expectation
            switch expectations[0] {
            case "unmatched": expectation = .unmatched
            case "ignored": expectation = .ignored
            case "reject": expectation = .reject(try fields["reject"]!.string())
            default:
                var events: [[String: String]] = []
                for event in try fields["events"]!.list() {
                    var expected: [String: String] = [:]
                    for (key, keyNode, value) in try event.keyedEntries() {
                        guard RuleTest.fields.contains(key) else {
                            throw keyNode.error("unknown event field '\(key)'", hint: "fields: \(RuleTest.fields.joined(separator: ", "))")
                        }
                        var text = try value.string()
                        if key == "time" {
                            let parsed = Array(text.utf8).withUnsafeBytes { TimestampParser(format: .auto, zone: .utc).parse($0) }
                            guard case let .success(instant) = parsed else {
                                throw value.error("'\(text)' is not a time", hint: "e.g. 2026-03-02T09:00:00Z")
                            }
                            text = instant.iso8601
                        }
                        expected[key] = text
                    }
                    guard expected["kind"] != nil else { throw event.error("an expected event needs its kind") }
                    events.append(expected)
                }
                expectation = .events(events)
            }
            let name = try fields["name"]?.string() ?? ""
            var test = RuleTest(name: name, location: "\(path):\(item.node.mark?.line ?? 0)", lines: lines, expectation: expectation)
            // Samples are read like the pipeline's structured inputs, when it has some.
            test.format = groups.first?.format ?? .lines
            test.header = try fields["header"]?.string()
            if let node = fields["date"] {
                let text = try node.string()
                guard let day = TimeOnlySettings.day(inFileName: text), text.count == 10 else {
                    throw node.error("'\(text)' is not a date", hint: "write YYYY-MM-DD")
                }
                test.date = day
            }
            if test.format.hasHeader && test.header == nil {
                throw item.error("the pipeline reads CSV with a header row: give the test's header: (the column names)")
            }
            tests.append(test)
        }
        return tests
    }

    /// `20%` or `0.2` → 0.2, from 0 (warn at the first case) to `upTo` (anomalies per ticket may exceed 100 %).
    func share(_ node: YAMLNode, upTo limit: Double = 1) throws(PipelineError) -> Double {
        let text = try node.string()
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, value >= 0, value <= limit else {
            throw node.error("expected a share such as 20% (0 % to \(Int(limit * 100)) %), found '\(text)'")
        }
        return value
    }

    /// Relative paths in a pipeline file are relative to the file's folder.
    func resolve(_ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return Self.normalize(folder.isEmpty ? relative : "\(folder)/\(relative)")
    }

    /// Removes `.` and `name/..` lexically (`pipelines/../fixtures` → `fixtures`), keeping a trailing `/`.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != "..", !last.isEmpty { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    // MARK: rules

    static let ruleKeys = [
        "name", "pattern", "kind", "requester", "timestamp", "contains", "set", "status", "transitions", "ignore_case",
        "fields", "where",
    ]

    /// A structured rule's `fields:` (capture name → column name or dotted key path) and
    /// `where:` (field → exact value, glob, or /PCRE2/).
    func structuredFields(_ fields: [String: YAMLNode], ignoreCase: Bool) throws(PipelineError) -> (
        captures: [(capture: String, key: String)], conditions: [(key: String, condition: FieldCondition)]
    ) {
        var captures: [(capture: String, key: String)] = []
        for (name, _, value) in try fields["fields"]?.keyedEntries() ?? [] { captures.append((name, try value.string())) }
        var conditions: [(key: String, condition: FieldCondition)] = []
        for (key, _, value) in try fields["where"]?.keyedEntries() ?? [] {
            let text = try value.string()
            if text.count >= 2, text.hasPrefix("/"), text.hasSuffix("/") {
                do throws(RegexError) {
                    conditions.append((key, .regex(try Regex(String(text.dropFirst().dropLast())))))
                } catch {
                    throw value.error("invalid regex: \(error.message) at pattern offset \(error.offset)")
                }
            } else if ignoreCase || !GlobPattern(text).isLiteral {
                conditions.append((key, .glob(GlobPattern(text, ignoreCase: ignoreCase))))
            } else {
                conditions.append((key, .exact(Array(text.utf8))))
            }
        }
        return (captures, conditions)
    }

    /// One kind, `ignore`, or a list of kinds (several events from one line).
    func ruleKind(_ node: YAMLNode) throws(PipelineError) -> RuleKind {
        func one(_ text: String, _ node: YAMLNode) throws(PipelineError) -> EventKind {
            guard let kind = EventKind(name: text) else {
                throw node.error(
                    "unknown event kind '\(text)'",
                    hint: "kinds: \(EventKind.allCases.map(\.description).joined(separator: ", ")), or ignore")
            }
            return kind
        }
        if case .scalar = node.node {
            let text = try node.string()
            if text == "date" { return .date }
            return text == "ignore" ? .ignore : .event(try one(text, node))
        }
        var kinds: [EventKind] = []
        for item in try node.list() { kinds.append(try one(try item.string(), item)) }
        guard !kinds.isEmpty else { throw node.error("an empty list of kinds", hint: "write ignore for a line that is no event") }
        return kinds.count == 1 ? .event(kinds[0]) : .events(kinds)
    }

    /// The status program of a rule with `transitions` (docs/semantics.md §1).
    func statusProgram(
        _ node: YAMLNode, kind: FieldMapping<RuleKind>, statusGroup: Int?, ignoreCase: Bool, patternNode: YAMLNode
    ) throws(PipelineError) -> StatusProgram {
        guard let statusGroup else {
            throw node.error("transitions need the rule's status: name the group that holds the status", hint: "e.g. status: status")
        }
        var transitions: [StatusProgram.Transition] = []
        for item in try node.list() {
            let fields = try item.fields(["from", "to", "kind"])
            let glob = { (key: String) throws(PipelineError) -> GlobPattern? in
                try fields[key].map { (node) throws(PipelineError) in GlobPattern(try node.string(), ignoreCase: ignoreCase) }
            }
            transitions.append(
                StatusProgram.Transition(
                    from: try glob("from"), to: try glob("to"), kinds: try ruleKind(try item.required(fields, "kind")).kinds))
        }
        switch kind {
        case let .fixed(kind): return StatusProgram(transitions: transitions, otherwise: .fixed(kind.kinds))
        case let .mapped(group, name, table, otherwise):
            guard group == statusGroup else {
                throw patternNode.error(
                    "with transitions, kind must be fixed or map the status group, not '\(name)'",
                    hint: "the kind is decided per ticket from the status alone")
            }
            let entries = table.map { (GlobPattern(String(decoding: $0.key, as: UTF8.self), ignoreCase: ignoreCase), $0.value.kinds) }
            return StatusProgram(transitions: transitions, otherwise: .mapped(entries, fallback: otherwise?.kinds))
        }
    }

    /// The rules, and the status program of each (nil for rules without `transitions`).
    func loadRules(_ node: YAMLNode, timezone: ZoneRules?) throws(PipelineError) -> (rules: [Rule], programs: [StatusProgram?]) {
        var rules: [Rule] = []
        var programs: [StatusProgram?] = []
        let items = try node.list()
        guard !items.isEmpty else { throw node.error("at least one rule is needed") }
        for item in items {
            let fields = try item.fields(Self.ruleKeys)
            let name = try item.required(fields, "name").string()
            guard !rules.contains(where: { $0.name == name }) else { throw item.error("rule name '\(name)' is used twice") }
            let structured = fields["fields"] != nil
            guard structured != (fields["pattern"] != nil) else {
                throw item.error(
                    "a rule has a pattern: (for lines) or fields: (for CSV and JSON-lines records), not \(structured ? "both" : "neither")")
            }
            if structured, fields["contains"] != nil { throw item.error("contains: is for line rules; use where: on a field") }
            if !structured, fields["where"] != nil { throw item.error("where: is for rules with fields:; use the pattern on lines") }
            let patternNode = fields["pattern"] ?? fields["fields"]!
            let regex: Regex
            let patternText = structured ? "(?!)" : try patternNode.string()
            do throws(RegexError) {
                regex = try Regex(patternText)
            } catch {
                throw patternNode.error("invalid regex: \(error.message) at pattern offset \(error.offset)")
            }
            let ignoreCase = try fields["ignore_case"].map { (node) throws(PipelineError) in try boolean(node) } ?? false
            let record = try structuredFields(fields, ignoreCase: ignoreCase)
            var groups = regex.groupNumbers
            if structured {
                groups = [:]
                for (index, capture) in record.captures.enumerated() { groups[capture.capture] = index + 1 }
            }
            let kind = try mapping(try item.required(fields, "kind"), groups: groups, what: "kind", ignoreCase: ignoreCase) {
                (node) throws(PipelineError) -> RuleKind in try ruleKind(node)
            }
            var statusGroup: Int?
            if let node = fields["status"] {
                let group = try node.string()
                guard let number = groups[group] else {
                    throw node.error("the pattern has no named group '\(group)' for status", hint: "add (?<\(group)>…) to the pattern")
                }
                statusGroup = number
            }
            let program = try fields["transitions"].map { (node) throws(PipelineError) in
                try statusProgram(node, kind: kind, statusGroup: statusGroup, ignoreCase: ignoreCase, patternNode: patternNode)
            }
            programs.append(program)
            let requester =
                try fields["requester"].map { (node) throws(PipelineError) in
                    try mapping(node, groups: groups, what: "requester", ignoreCase: ignoreCase) {
                        (node) throws(PipelineError) -> Requester in
                        let text = try node.string()
                        switch text {
                        case "customer": return .customer
                        case "agent": return .agent
                        default: throw node.error("requester must be customer or agent, not '\(text)'")
                        }
                    }
                } ?? .fixed(.customer)
            var format = TimestampFormat.auto
            if let node = fields["timestamp"] {
                let text = try node.string()
                guard let parsed = TimestampFormat(rawValue: text) else {
                    throw node.error(
                        "unknown timestamp format '\(text)'",
                        hint: "formats: \(TimestampFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                format = parsed
            }
            var fixed: [Attribute: String] = [:]
            var fixedExtras: [String: String] = [:]
            let declared = try declaredAttributes()
            if let node = fields["set"] {
                for (key, keyNode, value) in try node.keyedEntries() {
                    if declared.names.contains(key) {
                        fixedExtras[key] = try value.string()
                        continue
                    }
                    guard let attribute = Attribute(rawValue: key) else {
                        throw keyNode.error(
                            "unknown attribute '\(key)'",
                            hint:
                                "attributes: customer, priority, channel, agent\(declared.names.map { ", " + $0 }.joined()) (declare others under attributes:)"
                        )
                    }
                    fixed[attribute] = try value.string()
                }
            }
            let contains = try fields["contains"]?.strings() ?? []
            let kinds = Rule.kinds(of: kind) + (program?.transitions.flatMap(\.kinds) ?? [])
            if kinds.contains(where: \.isService) && groups["service"] == nil {
                throw patternNode.error(
                    "service events need a (?<service>…) group",
                    hint: "name the service, e.g. (?<service>[^;]+;[^;]+) for Nagios host;service")
            }
            if kinds.contains(where: { !$0.isService }) && groups["ticket"] == nil && groups["service"] != nil {
                throw patternNode.error("ticket events need a (?<ticket>…) group; this rule captures a service")
            }
            do throws(RuleError) {
                rules.append(
                    try Rule(
                        name: name, regex: regex, kind: kind, requester: requester,
                        timestamp: TimestampParser(format: format, zone: timezone), prefilter: contains,
                        attributeValues: fixed, statusGroup: statusGroup, defersKind: program != nil, extraAttributes: declared.names,
                        extraValues: fixedExtras, foldCase: declared.foldCase, fields: record.captures,
                        conditions: record.conditions))
            } catch {
                if structured {
                    throw patternNode.error(
                        error.description.replacingOccurrences(of: "the pattern has no named group (?<", with: "fields: has no ")
                            .replacingOccurrences(
                                of: ">…)", with: ""), hint: "name the fields, e.g. {ts: Timestamp, ticket: Case ID}")
                }
                throw patternNode.error(error.description, hint: "name the capture groups, e.g. (?<ts>\\S+) and (?<ticket>\\w+)")
            }
        }
        return (rules, programs)
    }

    /// A fixed value (`kind: open`) or `{group: NAME, map: {…}, default: …}`.
    /// `ignoreCase`: map keys compare without ASCII case; keys with `*` or `?` are globs.
    func mapping<Value>(
        _ node: YAMLNode, groups: [String: Int], what: String, ignoreCase: Bool,
        _ convert: (YAMLNode) throws(PipelineError) -> Value
    ) throws(PipelineError) -> FieldMapping<Value> {
        if case .mapping = node.node {} else { return .fixed(try convert(node)) }
        let fields = try node.fields(["group", "map", "default"])
        let groupNode = try node.required(fields, "group")
        let group = try groupNode.string()
        guard let number = groups[group] else {
            throw groupNode.error(
                "the pattern has no named group '\(group)' for \(what)",
                hint: "add (?<\(group)>…) to the pattern, or use a fixed \(what)")
        }
        var table: [MappingEntry<Value>] = []
        for (key, value) in try node.required(fields, "map").entries() {
            table.append(MappingEntry(key: key, value: try convert(value), ignoreCase: ignoreCase))
        }
        let otherwise = try fields["default"].map { (node) throws(PipelineError) in try convert(node) }
        return .mapped(group: number, groupName: group, table: table, otherwise: otherwise)
    }

    // MARK: shared value parsers

    func zone(_ node: YAMLNode) throws(PipelineError) -> ZoneRules {
        let name = try node.string()
        guard let rules = ZoneRules(identifier: name) else {
            throw node.error("unknown time zone '\(name)'", hint: "use an IANA name such as Europe/Berlin, America/New_York or UTC")
        }
        return rules
    }

    /// `true`/`yes` or `false`/`no`.
    func boolean(_ node: YAMLNode) throws(PipelineError) -> Bool {
        switch try node.string() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw node.error("expected true or false")
        }
    }

    func integer(_ node: YAMLNode, in range: ClosedRange<Int>) throws(PipelineError) -> Int {
        let text = try node.string()
        guard let value = Int(text), range.contains(value) else {
            throw node.error("expected a whole number in \(range.lowerBound)...\(range.upperBound), found '\(text)'")
        }
        return value
    }

    /// `75%` or `0.75` → 0.75.
    func percentage(_ node: YAMLNode) throws(PipelineError) -> Double {
        let text = try node.string()
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, value > 0, value <= 1 else { throw node.error("expected a percentage such as 75%, found '\(text)'") }
        return value
    }

    func dimensions(_ node: YAMLNode) throws(PipelineError) -> [GroupDimension] {
        var result: [GroupDimension] = []
        for text in try node.strings() {
            guard let dimension = GroupDimension(rawValue: text, attributes: try declaredAttributes().names) else {
                throw node.error(
                    "unknown group_by '\(text)'", hint: "choose from \(GroupDimension.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            result.append(dimension)
        }
        return result
    }

    func loadOutputs(_ node: YAMLNode) throws(PipelineError) -> PipelineDefinition.Outputs {
        let fields = try node.fields([
            "dir", "summary", "tickets", "rejects", "run_report", "neutralize_formulas", "html", "metrics", "metrics_groups",
            "availability",
            "outages",
        ])
        var outputs = PipelineDefinition.Outputs()
        if let dir = fields["dir"] { outputs.directory = resolve(try dir.string()) }
        if let name = fields["summary"] { outputs.summary = try fileName(name) }
        if let name = fields["tickets"] { outputs.tickets = try fileName(name) }
        if let name = fields["rejects"] { outputs.rejects = try fileName(name) }
        if let name = fields["run_report"] { outputs.runReport = try fileName(name) }
        if let name = fields["availability"] { outputs.availability = try fileName(name) }
        if let name = fields["outages"] { outputs.outages = try fileName(name) }
        if let name = fields["html"] { outputs.html = ["false", "no", "none"].contains(try name.string()) ? nil : try fileName(name) }
        if let name = fields["metrics"] {
            outputs.metrics = ["false", "no", "none"].contains(try name.string()) ? nil : try fileName(name)
        }
        if let count = fields["metrics_groups"] { outputs.metricsGroups = try integer(count, in: 1...100_000) }
        let names =
            [outputs.summary, outputs.tickets, outputs.rejects, outputs.runReport] + [outputs.html, outputs.metrics].compactMap { $0 }
        if Set(names).count != names.count { throw node.error("two outputs share a file name: \(names.joined(separator: ", "))") }
        if let flag = fields["neutralize_formulas"] { outputs.neutralizeFormulas = try boolean(flag) }
        return outputs
    }

    func fileName(_ node: YAMLNode) throws(PipelineError) -> String {
        let name = try node.string()
        guard !name.isEmpty, !name.contains("/") else { throw node.error("expected a file name without '/', found '\(name)'") }
        return name
    }
}
