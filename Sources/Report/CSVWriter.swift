/// Builds RFC 4180 CSV text: fields holding commas, quotes or line breaks
/// are quoted (quotes doubled), lines end with CRLF as the RFC says.
///
/// Text taken from logs can start a spreadsheet formula (`=`, `+`, `-`,
/// `@`, tab, CR): such *text* cells are prefixed with `'` unless
/// `neutralizeFormulas` is off (OWASP "CSV injection"). Numeric columns are
/// written through `number(_:)` and never touched.
public struct CSVWriter: Sendable {
    public var neutralizeFormulas: Bool
    public private(set) var text = ""

    public init(neutralizeFormulas: Bool = true) { self.neutralizeFormulas = neutralizeFormulas }

    /// A cell in a row: text from the input (may be neutralized) or a number (never).
    public enum Cell: Sendable {
        case text(String)
        case number(String)
    }

    public mutating func row(_ cells: [Cell]) {
        var first = true
        for cell in cells {
            if !first { text.append(",") }
            first = false
            switch cell {
            case let .text(value): text.append(Self.escape(neutralizeFormulas ? Self.neutralize(value) : value))
            case let .number(value): text.append(value)
            }
        }
        text.append("\r\n")
    }

    public mutating func header(_ names: [String]) { row(names.map { .number($0) }) }

    static func neutralize(_ value: String) -> String {
        guard let first = value.utf8.first else { return value }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0d: return "'" + value
        default: return value
        }
    }

    static func escape(_ value: String) -> String {
        var needsQuotes = false
        for byte in value.utf8 where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 0x0a || byte == 0x0d {
            needsQuotes = true
            break
        }
        guard needsQuotes else { return value }
        return "\"" + value.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count + 2)
        for character in self {
            if character == target { out.append(replacement) } else { out.append(character) }
        }
        return out
    }
}
