import Normalize
import SLACore

/// Parses a command-line instant: ISO 8601 with `Z` or an offset.
func parseInstant(_ text: String) -> Instant? {
    var bytes = Array(text.utf8)
    let parser = TimestampParser(format: .iso8601, zone: nil)
    return bytes.withUnsafeMutableBytes { raw in
        if case let .success(instant) = parser.parse(UnsafeRawBufferPointer(raw)) { return instant }
        return nil
    }
}
