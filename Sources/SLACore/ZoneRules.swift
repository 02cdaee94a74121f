import Foundation

/// The UTC offsets of one IANA time zone as a table of transitions, built
/// once from the system tz database so that conversions in the hot path are
/// a table lookup instead of a Foundation call.
///
/// Covers 1900–2200; outside that range the nearest known offset is used.
/// A class: immutable, shared by every parser and calendar without copying its tables.
public final class ZoneRules: Sendable {
    public let identifier: String
    /// UTC milliseconds at which an offset starts, ascending; `offsets[i]` holds from `starts[i]`.
    private let starts: [Int64]
    /// Offsets in milliseconds (local = UTC + offset).
    private let offsets: [Int64]
    /// The period in force at the start of each 2^32 ms (49.7 days) from 1900-01-01 to 2200: a
    /// zone's offset changes at most twice in that long, so a lookup steps at most two periods
    /// from there. (A binary search over the 470 periods of a zone with daylight saving time was
    /// nine unpredictable branches an instant.)
    private let buckets: [Int32]
    private static let bucketBase: Int64 = -2_208_988_800_000
    /// Where the buckets end (the first instant after them).
    private let bucketLimit: Int64

    public static let utc = ZoneRules(identifier: "UTC", starts: [Int64.min], offsets: [0])

    /// The same rules in an object of their own (see `PolicySet.copy()`).
    public func copy() -> ZoneRules { ZoneRules(identifier: identifier, starts: starts, offsets: offsets) }

    private init(identifier: String, starts: [Int64], offsets: [Int64]) {
        self.identifier = identifier; self.starts = starts; self.offsets = offsets
        let span = Int64(7_258_118_400_000) - Self.bucketBase
        buckets = (0...(span >> 32)).map { Int32(Self.search(starts, Self.bucketBase + $0 << 32)) }
        bucketLimit = Self.bucketBase + Int64(buckets.count) << 32
    }

    /// Loads `identifier` (e.g. `Europe/Berlin`); nil if the zone is unknown.
    public convenience init?(identifier: String) {
        if identifier == "UTC" || identifier == "Z" {
            self.init(identifier: "UTC", starts: [Int64.min], offsets: [0])
            return
        }
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        var starts: [Int64] = [Int64.min]
        let first = Date(timeIntervalSince1970: -2_208_988_800)  // 1900-01-01
        var offsets: [Int64] = [Int64(zone.secondsFromGMT(for: first)) * 1000]
        var cursor = first
        let end = Date(timeIntervalSince1970: 7_258_118_400)  // 2200-01-01
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < end {
            let offset = Int64(zone.secondsFromGMT(for: next)) * 1000
            if offset != offsets.last! {
                starts.append(Int64((next.timeIntervalSince1970 * 1000).rounded()))
                offsets.append(offset)
            }
            cursor = next
        }
        self.init(identifier: identifier, starts: starts, offsets: offsets)
    }

    /// Offset in milliseconds in force at the UTC instant `utc`.
    @inlinable
    public func offset(atUTC utc: Int64) -> Int64 {
        offsetAt(index: periodIndex(utc))
    }

    @usableFromInline
    func offsetAt(index: Int) -> Int64 { offsets[index] }

    /// The index of the period in force at `utc`: the last start at or before it.
    @usableFromInline
    func periodIndex(_ utc: Int64) -> Int {
        guard utc >= Self.bucketBase && utc < bucketLimit else { return Self.search(starts, utc) }
        let bucket = Int((utc - Self.bucketBase) >> 32)
        return starts.withUnsafeBufferPointer { starts in
            var index = Int(buckets[bucket])
            while index + 1 < starts.count && starts[index + 1] <= utc { index += 1 }
            return index
        }
    }

    /// `periodIndex` by binary search (outside the buckets' years; and the buckets' reference).
    static func search(_ starts: [Int64], _ utc: Int64) -> Int {
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= utc { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// `periodIndex` by binary search over this zone's periods (for tests).
    func searchedPeriodIndex(_ utc: Int64) -> Int { Self.search(starts, utc) }

    /// When each period starts (for tests).
    var periodStarts: [Int64] { starts }

    /// UTC instants in `[from, to)` at which the offset changes, ascending.
    public func transitions(from: Int64, to: Int64) -> ArraySlice<Int64> {
        guard to > from, starts.count > 1 else { return [] }
        var first = periodIndex(from)
        if starts[first] < from { first += 1 }
        var last = first
        while last < starts.count && starts[last] < to { last += 1 }
        return starts[first..<last]
    }

    /// The local date (as days since 1970-01-01) and time of day (milliseconds
    /// since local midnight) of the UTC instant `utc`.
    public func local(_ utc: Int64) -> (day: Int64, millisecondOfDay: Int64) {
        let (day, millisecond) = (utc + offset(atUTC: utc)).floorDivided(by: 86_400_000)
        return (day, millisecond)
    }

    /// The UTC instant of a local wall-clock time (milliseconds since the
    /// epoch *as if* the local time were UTC).
    ///
    /// Ambiguous times (the repeated hour when clocks go back) resolve to the
    /// earlier instant; times that do not exist (skipped when clocks go
    /// forward) are read with the offset in force before the jump, so
    /// 02:30 on a spring-forward night in Berlin is 03:30 CEST.
    public func utc(fromLocal local: Int64) -> Int64 {
        let day: Int64 = 86_400_000
        let before = offset(atUTC: local - day)
        let after = offset(atUTC: local + day)
        // Earlier instant first: the larger offset gives the earlier UTC time.
        for candidate in before >= after ? [before, after] : [after, before]
        where offset(atUTC: local - candidate) == candidate {
            return local - candidate
        }
        return local - before
    }
}
