import Yams

/// One problem found in a file, printed like a compiler's: `path:line:col: error: message`.
public struct Diagnostic: Equatable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error, warning
    }

    public let severity: Severity
    /// Path relative to the repository root.
    public let file: String
    /// 1-based line and column (columns count Unicode scalars, as libyaml does).
    public let line: Int
    public let column: Int
    public let message: String

    public init(_ severity: Severity, _ message: String, file: String, line: Int = 1, column: Int = 1) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    init(_ severity: Severity, _ message: String, file: String, mark: SourcePosition?) {
        self.init(severity, message, file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// Every error found while loading or validating, reported together (exit 2).
public struct ValidationFailure: RecipeError, Equatable {
    public let diagnostics: [Diagnostic]

    public var exitStatus: ExitStatus { .invalidInput }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    public var report: String { description }
}
