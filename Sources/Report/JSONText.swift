import Foundation

/// JSON text in the form `JSONSerialization` writes with `[.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes]` (two-space indents, `"key" : value`, keys sorted, empty collections
/// on three lines), written directly: Foundation's writer took 20 ms for a night's 20 KB run.json
/// (2 % of the night), most of it casting and sorting. Keys are sorted by their bytes, which is
/// Foundation's order for the lowercase snake_case keys run.json has (a test compares the two on
/// every report shape). Values: `String`, `Bool`, integers, `Double`, `NSNull`, arrays and
/// `[String: Any]` dictionaries of these.
enum JSONText {
    static func pretty(_ value: Any) -> String {
        var out = ""
        write(value, indent: 0, to: &out)
        return out
    }

    private static func write(_ value: Any, indent: Int, to out: inout String) {
        switch value {
        case let text as String: writeString(text, to: &out)
        case let flag as Bool where type(of: value) == Bool.self: out += flag ? "true" : "false"
        case let n as Int: out += String(n)
        case let n as Int64: out += String(n)
        case let n as Int32: out += String(n)
        case let n as UInt64: out += String(n)
        case let n as UInt32: out += String(n)
        case let x as Double: out += number(x)
        case is NSNull: out += "null"
        case let object as [String: Any]:
            let keys = object.keys.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
            writeCollection(keys, open: "{", close: "}", indent: indent, to: &out) { key, out in
                writeString(key, to: &out)
                out += " : "
                write(object[key]!, indent: indent + 1, to: &out)
            }
        case let array as [Any]:
            writeCollection(array, open: "[", close: "]", indent: indent, to: &out) { element, out in
                write(element, indent: indent + 1, to: &out)
            }
        default:
            writeString("\(value)", to: &out)
        }
    }

    private static func writeCollection<Element>(
        _ elements: [Element], open: String, close: String, indent: Int, to out: inout String,
        _ body: (Element, inout String) -> Void
    ) {
        let inner = String(repeating: "  ", count: indent + 1), outer = String(repeating: "  ", count: indent)
        out += open + "\n"
        if elements.isEmpty { out += "\n" }
        for (index, element) in elements.enumerated() {
            out += inner
            body(element, &out)
            out += index + 1 < elements.count ? ",\n" : "\n"
        }
        out += outer + close
    }

    /// A number as Foundation writes it: integral values without a fraction, others in their shortest form.
    private static func number(_ x: Double) -> String {
        if x.isFinite && x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        return x.description
    }

    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{c}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
