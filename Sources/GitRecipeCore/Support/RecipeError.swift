/// The exit statuses of docs/reference.md (Exit statuses), shared by every command.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// A check failed or a precondition refused (dirty tree, stale lock, existing files).
    case checkFailed = 1
    /// Invalid input: a recipe, the configuration, arguments, an unknown run.
    case invalidInput = 2
    /// A step failed; the run is still recorded.
    case stepFailed = 3
    /// Interrupted by the user; the run is recorded as cancelled.
    case interrupted = 130
}

/// An error git-recipe reports to the user: it knows its exit status and how it reads on stderr.
public protocol RecipeError: Error, CustomStringConvertible {
    /// The exit status docs/reference.md gives this failure.
    var exitStatus: ExitStatus { get }
    /// What goes to stderr: by default `error: ` and the description.
    var report: String { get }
}

extension RecipeError {
    /// `error: ` and the description.
    public var report: String { "error: \(description)" }
}
