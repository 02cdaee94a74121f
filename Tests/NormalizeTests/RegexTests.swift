import SLACore
import Testing

@testable import Normalize

@Suite struct RegexTests {
    @Test func compileErrorsCarryPCRE2MessageAndOffset() {
        do {
            _ = try Regex("^(?<ts>\\S+) (unclosed")
            Issue.record("compiled")
        } catch {
            #expect(error.message.contains("missing closing parenthesis"))
            #expect(error.offset == 21)  // PCRE2 points at the end of the pattern
        }
    }

    @Test func namedGroupsAndByteRanges() throws {
        let regex = try Regex("^(?<ts>\\S+) ticket=(?<ticket>\\S+)(?: agent=(?<agent>\\S+))?")
        #expect(regex.groupNumbers == ["ts": 1, "ticket": 2, "agent": 3])
        let scratch = MatchScratch()
        let line = Array("2026-03-01T00:00:00Z ticket=Ü-1".utf8)  // multi-byte: offsets are bytes
        line.withUnsafeBytes { raw in
            #expect(regex.matches(raw, scratch: scratch) == .matched)
            #expect(scratch.range(ofGroup: 2) == 28..<32)  // "Ü" is two bytes
            #expect(scratch.range(ofGroup: 3) == nil)
        }
    }

    @Test func catastrophicBacktrackingHitsTheLimitInsteadOfHanging() throws {
        let regex = try Regex("^(a+)+$")
        let scratch = MatchScratch(matchLimit: 10_000)
        let line = Array((String(repeating: "a", count: 40) + "!").utf8)
        line.withUnsafeBytes { raw in
            guard case .limitExceeded = regex.matches(raw, scratch: scratch) else {
                Issue.record("expected the match limit"); return
            }
        }
    }
}

@Suite struct LineNormalizerTests {
    func rule(
        _ name: String = "r", _ pattern: String, kind: FieldMapping<RuleKind>, prefilter: [String] = [],
        set: [Attribute: String] = [:]
    ) throws -> Rule {
        try Rule(name: name, regex: Regex(pattern), kind: kind, timestamp: TimestampParser(), prefilter: prefilter, attributeValues: set)
    }

    func normalize(_ normalizer: LineNormalizer, _ text: String) -> LineOutcome {
        Array(text.utf8).withUnsafeBytes { normalizer.normalize($0, source: SourceLocation(file: 0, line: 7)) }
    }

    @Test func firstMatchingRuleWinsAndMapsKinds() throws {
        let regex = try Regex("^(?<ts>\\S+) status ticket=(?<ticket>\\S+) to=(?<to>\\w+)")
        let status = try Rule(
            name: "status", regex: regex,
            kind: .mapped(
                group: regex.groupNumbers["to"]!, groupName: "to",
                table: [
                    MappingEntry(key: "pending", value: .event(.pause)),
                    MappingEntry(key: "assigned", value: .ignore),
                ], otherwise: nil),
            timestamp: TimestampParser())
        let catchAll = try rule("any", "^(?<ts>\\S+) \\w+ ticket=(?<ticket>\\S+)", kind: .fixed(.event(.update)), set: [.channel: "email"])
        let normalizer = LineNormalizer(rules: [status, catchAll])
        guard case let .event(event) = normalize(normalizer, "2026-03-01T00:00:00Z status ticket=T1 to=pending") else {
            Issue.record("no event"); return
        }
        #expect(event.kind == .pause)
        #expect(event.rule == 0)
        #expect(normalizer.interner.string(event.ticket) == "T1")
        #expect(event.source.line == 7)
        #expect(normalize(normalizer, "2026-03-01T00:00:00Z status ticket=T1 to=assigned") == .ignored(rule: 0))
        #expect(
            normalize(normalizer, "2026-03-01T00:00:00Z status ticket=T1 to=weird")
                == .reject(rule: 0, ticket: "T1", reason: "unknown to value 'weird'"))
        guard case let .event(other) = normalize(normalizer, "2026-03-01T00:00:00Z note ticket=T2") else {
            Issue.record("no event"); return
        }
        #expect(other.rule == 1 && other.kind == .update)
        // Attributes are joined in order customer, priority, channel, agent (U+001F between; trailing empties dropped).
        #expect(normalizer.interner.string(Symbol(rawValue: other.attributes)) == "\u{1F}\u{1F}email")
        #expect(normalize(normalizer, "noise") == .noMatch)
    }

    /// Every kind of mapping entry and attribute source the per-line plans lay out (BuildPlan.swift),
    /// with the outcomes worked out by hand from the tables below.
    @Test func mappingTablesAndAttributeSourcesGiveTheTablesValues() throws {
        let regex = try Regex(
            "^(?<ts>\\S+) ticket=(?<ticket>\\S+) to=(?<to>\\S*) via=(?<via>\\S*) customer=(?<customer>\\S*) tier=(?<tier>\\S*)")
        let rule = try Rule(
            name: "m", regex: regex,
            kind: .mapped(
                group: regex.groupNumbers["to"]!, groupName: "to",
                table: [
                    MappingEntry(key: "", value: .ignore),  // an empty capture is a key like any other
                    MappingEntry(key: "clos*", value: .event(.resolve)),  // a glob
                    MappingEntry(key: "Pending", value: .event(.pause), ignoreCase: true),
                    MappingEntry(key: "pending", value: .event(.update)),  // never reached: the entry above wins
                    MappingEntry(key: "both", value: .events([.agentReply, .resume])),
                ], otherwise: .event(.update)),
            requester: .mapped(
                group: regex.groupNumbers["via"]!, groupName: "via",
                table: [MappingEntry(key: "agent", value: .agent), MappingEntry(key: "customer", value: .customer)], otherwise: nil),
            timestamp: TimestampParser(), attributeValues: [.customer: "Fallback", .channel: "web"],
            extraAttributes: ["tier"], extraValues: ["tier": "STD"], foldCase: [true, false, false, false, true])
        let normalizer = LineNormalizer(rules: [rule])
        func line(to: String, via: String = "agent", customer: String = "", tier: String = "") -> LineOutcome {
            normalize(normalizer, "2026-03-01T00:00:00Z ticket=T1 to=\(to) via=\(via) customer=\(customer) tier=\(tier)")
        }
        func event(_ outcome: LineOutcome) -> (kind: EventKind, more: [EventKind], requester: Requester, attributes: String)? {
            switch outcome {
            case let .event(e): (e.kind, [], e.requester, normalizer.interner.string(Symbol(rawValue: e.attributes)))
            case let .events(e, more): (e.kind, more, e.requester, normalizer.interner.string(Symbol(rawValue: e.attributes)))
            default: nil
            }
        }
        #expect(line(to: "") == .ignored(rule: 0))
        #expect(event(line(to: "closed"))?.kind == .resolve)
        #expect(event(line(to: "PENDING"))?.kind == .pause)
        #expect(event(line(to: "pending"))?.kind == .pause)
        #expect(event(line(to: "both"))?.kind == .agentReply)
        #expect(event(line(to: "both"))?.more == [.resume])
        #expect(event(line(to: "reopened"))?.kind == .update)  // otherwise
        #expect(event(line(to: "x", via: "customer"))?.requester == .customer)
        #expect(event(line(to: "x", via: "agent"))?.requester == .agent)
        #expect(line(to: "x", via: "bot") == .reject(rule: 0, ticket: "T1", reason: "unknown via value 'bot'"))
        // customer: captured and folded, else the fixed text folded; channel fixed as written; tier (own, folded) likewise.
        #expect(event(line(to: "x", customer: "ACME", tier: "Gold"))?.attributes == "acme\u{1F}\u{1F}web\u{1F}\u{1F}gold")
        #expect(event(line(to: "x"))?.attributes == "fallback\u{1F}\u{1F}web\u{1F}\u{1F}std")
        // Values longer than the tuple's first room (256 bytes), each longer than the last: the room grows, bytes kept.
        for length in [200, 300, 700, 5000] {
            let customer = String(repeating: "AbC", count: length / 3), tier = String(repeating: "Z", count: length)
            #expect(
                event(line(to: "x", customer: customer, tier: tier))?.attributes
                    == "\(customer.lowercased())\u{1F}\u{1F}web\u{1F}\u{1F}\(tier.lowercased())")
        }
        #expect(event(line(to: "x", customer: "Short"))?.attributes == "short\u{1F}\u{1F}web\u{1F}\u{1F}std")
    }

    @Test func prefilterSkipsLinesWithoutTheLiteral() throws {
        let normalizer = LineNormalizer(rules: [
            try rule("r", "(?<ts>\\S+) (?<ticket>\\S+)", kind: .fixed(.event(.open)), prefilter: ["desk["])
        ])
        #expect(normalize(normalizer, "2026-03-01T00:00:00Z T1") == .noMatch)
        guard case .event = normalize(normalizer, "2026-03-01T00:00:00Z T1 desk[") else { Issue.record("no event"); return }
    }

    @Test func calibratingPrefilterAnchorsNeverChangesOutcomes() throws {
        let normalizer = LineNormalizer(rules: [
            try rule("r", "(?<ts>\\S+) inbound ticket=(?<ticket>\\S+)", kind: .fixed(.event(.open)), prefilter: ["inbound ticket="])
        ])
        let lines = ["2026-03-01T00:00:00Z inbound ticket=T1", "2026-03-01T00:00:00Z outbound ticket=T1", "inbound", "=========="]
        let before = lines.map { normalize(normalizer, $0) }
        for sample in ["=== ticket ticket", "bbbbbbbbbb", "", "inbound ticket="] {
            Array(sample.utf8).withUnsafeBytes { normalizer.calibrate(on: $0) }
            #expect(lines.map { normalize(normalizer, $0) } == before, "after calibrating on '\(sample)'")
        }
    }

    @Test func badTimestampAndEmptyTicketAreRejects() throws {
        let normalizer = LineNormalizer(rules: [try rule("r", "^(?<ts>\\S+) t=(?<ticket>\\S*)", kind: .fixed(.event(.open)))])
        guard case let .reject(_, ticket, reason) = normalize(normalizer, "2026-02-30T00:00:00Z t=T9") else {
            Issue.record("accepted"); return
        }
        #expect(ticket == "T9" && reason.hasPrefix("bad timestamp '2026-02-30T00:00:00Z'"))
        #expect(normalize(normalizer, "2026-03-01T00:00:00Z t=") == .reject(rule: 0, ticket: "", reason: "empty ticket id"))
    }

    @Test func invalidUTF8InFieldsBecomesReplacementCharacters() throws {
        let normalizer = LineNormalizer(rules: [
            try rule("r", "^(?<ts>\\S+) t=(?<ticket>\\S+) c=(?<customer>\\S+)", kind: .fixed(.event(.open)))
        ])
        let bytes = Array("2026-03-01T00:00:00Z t=T1 c=".utf8) + [0xff, 0x41]
        let outcome = bytes.withUnsafeBytes { normalizer.normalize($0, source: SourceLocation(file: 0, line: 1)) }
        guard case let .event(event) = outcome else { Issue.record("no event"); return }
        #expect(normalizer.interner.string(Symbol(rawValue: event.attributes)) == "\u{FFFD}A")
    }

    @Test func requiredFirstByteIsOnlyClaimedWhenCertain() {
        #expect(Rule.requiredFirstByte("^\\[(?<ts>[^\\]]+)\\]") == UInt8(ascii: "["))
        #expect(Rule.requiredFirstByte("^x(?<ts>.)") == UInt8(ascii: "x"))
        #expect(Rule.requiredFirstByte("^(?<ts>\\S+)") == nil)
        #expect(Rule.requiredFirstByte("^\\d+") == nil)  // a class escape
        #expect(Rule.requiredFirstByte("^x?y") == nil)  // optional
        #expect(Rule.requiredFirstByte("^x|y") == nil)  // alternation
        #expect(Rule.requiredFirstByte("x") == nil)  // unanchored
        #expect(Rule.requiredFirstByte("^.") == nil)
    }

    @Test func firstByteSkipDoesNotChangeOutcomes() throws {
        let chat = try rule("chat", "^\\[(?<ts>[^\\]]+)\\] (?<ticket>\\S+)", kind: .fixed(.event(.open)))
        #expect(chat.firstByte == UInt8(ascii: "["))
        let normalizer = LineNormalizer(rules: [chat])
        guard case .event = normalize(normalizer, "[2026-03-01T00:00:00Z] C1") else { Issue.record("no event"); return }
        #expect(normalize(normalizer, " [2026-03-01T00:00:00Z] C1") == .noMatch)
        #expect(normalize(normalizer, "") == .noMatch)
    }

    @Test func rulesNeedTsAndTicketGroups() throws {
        #expect(throws: RuleError.missingGroup("ticket")) {
            try Rule(name: "x", regex: Regex("(?<ts>\\S+)"), kind: .fixed(.event(.open)), timestamp: TimestampParser())
        }
    }
}
