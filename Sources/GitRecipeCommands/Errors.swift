import ArgumentParser
import Foundation
import GitRecipeCore

/// A revision or range that names no commit.
struct UnknownRevision: RecipeError {
    /// The revision or range as given.
    let spec: String
    /// A revision or range that names no commit.
    init(_ spec: String) { self.spec = spec }
    /// Exit 2: the revision is invalid input.
    var exitStatus: ExitStatus { .invalidInput }
    var description: String { "unknown revision or range '\(spec)'; name commits as git does: HEAD, main, a1b2c3d, main..feature" }
}

/// `verify` found violations: one line each.
struct VerifyFailed: RecipeError {
    /// One violation a line.
    let problems: [String]
    /// Exit 1: a check failed.
    var exitStatus: ExitStatus { .checkFailed }
    var report: String { problems.map { "error: \($0)" }.joined(separator: "\n") }
    var description: String { problems.joined(separator: "\n") }
}

/// A run that ended otherwise than in success, after being recorded.
struct RunEnded: RecipeError {
    /// The exit status the run's outcome calls for.
    let status: ExitStatus
    /// What the user reads after the run's own output.
    let message: String

    /// The run's outcome: 1, 3 or 130.
    var exitStatus: ExitStatus { status }
    var description: String { message }
}

/// `import` wrote a recipe that does not validate yet: exit 1, its diagnostics, and the fix.
struct ImportIncomplete: RecipeError {
    /// The recipe's problems, each line saying its own severity.
    let failure: ValidationFailure
    /// The recipe written.
    let recipe: String

    /// Exit 1: the recipe needs a hand before it runs.
    var exitStatus: ExitStatus { .checkFailed }
    var description: String {
        failure.description + "\nerror: .recipes/\(recipe).yaml was written but does not validate yet; fix it, then: git recipe lock \(recipe)"
    }
    var report: String { description }
}

/// A hook's check failed, or installation was refused: exit 1, which blocks the commit or push.
struct HookBlocked: RecipeError {
    /// The problems, each with its `error: ` prefix.
    let lines: [String]
    /// How to go ahead anyway, knowingly.
    var bypass: String?

    /// Exit 1: git aborts the commit or push.
    var exitStatus: ExitStatus { .checkFailed }
    var description: String { lines.joined(separator: "\n") }
    var report: String { description + (bypass.map { "\n(to go ahead anyway, knowingly: \($0))" } ?? "") }
}

/// Locks that are not what their recipes need: exit 1, one block per recipe.
struct StaleLocks: RecipeError {
    /// Each stale recipe's lines.
    let reports: [String]

    /// Exit 1: a lock is stale.
    var exitStatus: ExitStatus { .checkFailed }
    var description: String { reports.joined(separator: "\n") }
    var report: String { reports.map { "error: \($0)" }.joined(separator: "\n") }

    /// The block for one recipe, or `nil` when its lock is fresh.
    static func report(_ recipe: String, _ state: LockState) -> String? {
        let fix = "run: git recipe lock \(recipe)"
        switch state {
        case .fresh:
            return nil
        case .missing:
            return "no lock for '\(recipe)' (\(Lockfile.path(for: recipe)) does not exist); \(fix)"
        case .untrusted(let error):
            return error.description
        case .stale(let changes):
            return "stale lock for '\(recipe)' (\(Lockfile.path(for: recipe))):\n"
                + changes.map { "  \($0)\n" }.joined() + "  \(fix)"
        }
    }
}
