/// A mistake in a pipeline file, located as `file:line:column` with the
/// key path (`rules[2].kind.map`) and, where we can tell, a hint.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// Dotted key path of the offending value, e.g. `policies[0].targets.first_response`.
    public var path: String
    public var message: String
    public var hint: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, path: String, message: String, hint: String? = nil) {
        self.file = file; self.line = line; self.column = column; self.path = path
        self.message = message; self.hint = hint
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        let at = path.isEmpty ? "" : " \(path):"
        return "\(location): error:\(at) \(message)" + (hint.map { "\n  hint: \($0)" } ?? "")
    }
}
