import SLACore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A rule's field mapping (`kind:`, `requester:`) laid out for the per-line code in buffers the
/// normalizer owns. Read from the rule itself, the mapping's enum payload and each table entry
/// (key array, glob) were copied, so retained and released, on every matched line.
struct MappingPlan<Value: Sendable> {
    /// Capture number of the mapped group; 0 for a fixed value (`values[0]`).
    let group: Int
    /// The table's keys in order: literal bytes, or a glob (`patterns[k]`) for keys compared as patterns.
    let keys: UnsafeMutableBufferPointer<UnsafeRawBufferPointer>
    let patterns: UnsafeMutableBufferPointer<GlobPattern?>
    /// Whether key k is a glob: tested before `patterns[k]` is touched (reading an optional glob copies it).
    let isPattern: UnsafeMutableBufferPointer<Bool>
    /// The table's values in order, then `otherwise` when there is one (a fixed mapping: its value).
    let values: UnsafeMutableBufferPointer<Value>
    let hasOtherwise: Bool

    init(_ mapping: FieldMapping<Value>) {
        switch mapping {
        case let .fixed(value):
            group = 0
            keys = .allocate(capacity: 0)
            patterns = .allocate(capacity: 0)
            isPattern = .allocate(capacity: 0)
            values = .allocate(capacity: 1)
            _ = values.initialize(from: [value])
            hasOtherwise = false
        case let .mapped(group, _, table, otherwise):
            self.group = group
            keys = .allocate(capacity: table.count)
            patterns = .allocate(capacity: table.count)
            isPattern = .allocate(capacity: table.count)
            for (k, entry) in table.enumerated() {
                let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(entry.key.count, 1), alignment: 1)
                entry.key.withUnsafeBytes {
                    if let from = $0.baseAddress { bytes.baseAddress!.copyMemory(from: from, byteCount: $0.count) }
                }
                (keys.baseAddress! + k).initialize(to: UnsafeRawBufferPointer(start: bytes.baseAddress, count: entry.key.count))
                (patterns.baseAddress! + k).initialize(to: entry.pattern)
                (isPattern.baseAddress! + k).initialize(to: entry.pattern != nil)
            }
            values = .allocate(capacity: table.count + (otherwise == nil ? 0 : 1))
            _ = values.initialize(from: table.map(\.value) + (otherwise.map { [$0] } ?? []))
            hasOtherwise = otherwise != nil
        }
    }

    func deallocate() {
        for key in keys { UnsafeMutableRawPointer(mutating: key.baseAddress)?.deallocate() }
        keys.deallocate()
        patterns.deinitialize().deallocate()
        isPattern.deallocate()
        values.deinitialize().deallocate()
    }

    /// The value for the captured bytes: the first entry whose key equals them (or whose glob
    /// matches them), else `otherwise`; nil when neither (the line is rejected).
    @inline(__always)
    func value(for captured: UnsafeRawBufferPointer) -> Value? {
        for k in 0..<keys.count {
            if isPattern[k] {
                if patterns[k]!.matches(utf8: captured) { return values[k] }
                continue
            }
            let key = keys[k]
            guard key.count == captured.count else { continue }
            if captured.isEmpty || ByteInterner.sameBytes(key.baseAddress!, captured.baseAddress!, count: captured.count) {
                return values[k]
            }
        }
        return hasOtherwise ? values[keys.count] : nil
    }
}

/// Where one attribute's value comes from on a rule's lines: its capture when non-empty, else the
/// rule's fixed text (`set:`), else nothing; folded to lower case when the attribute says so.
struct AttributePlan {
    /// Capture number; 0: the rule captures none.
    var group: Int
    /// The fixed text's bytes (owned by the normalizer); nil: none.
    var fixed: UnsafeRawBufferPointer?
    var folds: Bool

    static func plans(for rule: Rule) -> UnsafeMutableBufferPointer<AttributePlan> {
        let builtIn = Attribute.allCases.count
        let count = builtIn + rule.extraGroups.count
        let plans = UnsafeMutableBufferPointer<AttributePlan>.allocate(capacity: count)
        for slot in 0..<count {
            let group = slot < builtIn ? rule.attributeGroups[slot] : rule.extraGroups[slot - builtIn]
            let text = slot < builtIn ? rule.attributeValues[slot] : rule.extraValues[slot - builtIn]
            var fixed: UnsafeRawBufferPointer?
            if let text {
                let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(text.utf8.count, 1), alignment: 1)
                bytes.copyBytes(from: Array(text.utf8))
                fixed = UnsafeRawBufferPointer(start: bytes.baseAddress, count: text.utf8.count)
            }
            (plans.baseAddress! + slot).initialize(
                to: AttributePlan(group: group ?? 0, fixed: fixed, folds: slot < rule.foldCase.count && rule.foldCase[slot]))
        }
        return plans
    }

    static func deallocate(_ plans: UnsafeMutableBufferPointer<AttributePlan>) {
        for plan in plans { UnsafeMutableRawPointer(mutating: plan.fixed?.baseAddress)?.deallocate() }
        plans.deallocate()
    }
}
