import Foundation

/// Why a run did not start.
enum RunRefusal: RecipeError, Equatable {
    case notClean([String], recipe: String)
    case staleLock(recipe: String, changes: [LockChange])
    case noSandbox(step: String)

    /// Exit 1: a precondition of a run (docs/architecture.md, Invariants) does not hold.
    public var exitStatus: ExitStatus { .checkFailed }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .notClean(let problems, let recipe):
            return "runs start only from a clean commit, and this working tree is not one:\n"
                + problems.map { "  \($0)\n" }.joined()
                + "commit the changes (git add -A && git commit), stash them (git stash -u), or run them as a snapshot commit "
                + "(git recipe run --snapshot \(recipe)); outputs belong in .gitignore"
        case .staleLock(let recipe, let changes):
            let fix = "git recipe lock \(recipe) && git add \(Lockfile.path(for: recipe)) && git commit"
            if changes.isEmpty { return "recipe '\(recipe)' has no lock; run: \(fix)" }
            let probesOnly = changes.allSatisfy(\.isProbe)
            return "the lock of '\(recipe)' is stale:\n" + changes.map { "  \($0)\n" }.joined()
                + (probesOnly
                    ? "only probes drifted: this machine differs from the locked one; record that with --allow-drift, or run: \(fix)"
                    : "run: \(fix)")
        case .noSandbox(let step):
            return "step '\(step)' runs sandboxed, and bubblewrap is not installed here; install it (apt-get install bubblewrap)"
        }
    }
}
