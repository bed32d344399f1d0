import Yams

/// One problem found in a file, printed like a compiler's: `path:line:col: error: message`.
public struct Diagnostic: Equatable, Sendable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable {
        case error, warning
    }

    /// Whether it blocks.
    let severity: Severity
    /// Path relative to the repository root.
    public let file: String
    /// 1-based line and column (columns count Unicode scalars, as libyaml does).
    public let line: Int
    /// The column, from 1.
    let column: Int
    /// What is wrong and how to fix it.
    public let message: String

    /// A diagnostic at `line` and `column` of `file`.
    public init(_ severity: Severity, _ message: String, file: String, line: Int = 1, column: Int = 1) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// A diagnostic where the parser found a node; line 1 column 1 when it found none.
    init(_ severity: Severity, _ message: String, file: String, mark: SourcePosition?) {
        self.init(severity, message, file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// `file:line:column: severity: message`.
    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// Every error found while loading or validating, reported together (exit 2).
public struct ValidationFailure: RecipeError, Equatable {
    /// Every diagnostic, errors and warnings, in file order.
    public let diagnostics: [Diagnostic]

    /// Exit 2: invalid input.
    public var exitStatus: ExitStatus { .invalidInput }
    /// One diagnostic a line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    /// The diagnostics, without a leading `error: `: each line says its own severity.
    public var report: String { description }
}
