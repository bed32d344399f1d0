import Foundation

/// `git recipe verify` (and the pre-push hook): judges commits from their own trees, without
/// a checkout. Each commit's locks must be fresh for the recipes it touches (every recipe,
/// when one commit is verified alone); with require-run, each of those recipes needs a
/// succeeded run for the lock it has at the tip — recorded on any commit, so it survives
/// rebases and squash merges.
public struct Verifier {
    /// The repository checked.
    public let repository: Repository
    /// Only this recipe, when set.
    public var recipe: String?
    /// Demand runs even when neither `recipe.requireRun` nor `policy.require_run` does.
    public var requireRun = false

    /// Checks `recipe` (every recipe when `nil`); `requireRun` demands a succeeded run per recipe.
    public init(repository: Repository, recipe: String? = nil, requireRun: Bool = false) {
        self.repository = repository
        self.recipe = recipe
        self.requireRun = requireRun
    }

    /// One line per problem, judging one commit on every recipe in it, or each commit of a
    /// range on the recipes it touches; `share` is how to send a run's record once it exists.
    public func findings(_ revisions: Revisions, share: String = "git recipe push") throws -> (findings: Findings, commits: Int) {
        let tip: ObjectID
        let commits: [ObjectID]
        let wholeTree: Bool
        switch revisions {
        case .commit(let commit): (tip, commits, wholeTree) = (commit, [commit], true)
        case .range(let last, let hidden): (tip, commits, wholeTree) = (last, try repository.commits(from: last, hiding: hidden), false)
        }
        var findings = Findings()
        var touched: Set<String> = []
        for commit in commits {
            let label = "commit \(commit.hex.prefix(12))"
            do {
                let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: commit))
                let changed = wholeTree ? files.entries.map(\.path) : try repository.changedPaths(of: commit)
                let check = StoredContentCheck(
                    repository: repository, files: files, changed: changed,
                    checkIgnored: false, recipes: recipe.map { [$0] })
                let result = try check.findings()
                findings.problems += result.findings.problems.map { "\(label): \($0)" }
                findings.warnings += result.findings.warnings.map { "\(label): \($0)" }
                touched.formUnion(result.touched)
            } catch let failure as ValidationFailure {
                findings.problems += failure.diagnostics.map { "\(label): \($0)" }
            }
        }
        findings.problems += try missingRuns(for: touched.sorted(), at: tip, share: share)
        return (findings, commits.count)
    }

    /// When runs are required, the recipes among `recipes` with no succeeded run for the
    /// lock they have at `tip`.
    private func missingRuns(for recipes: [String], at tip: ObjectID, share: String) throws -> [String] {
        guard !recipes.isEmpty else { return [] }
        let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: tip))
        let required =
            try requireRun
            || repository.config("recipe.requireRun").map { ["true", "yes", "on", "1"].contains($0.lowercased()) }
                ?? (try? Project.load(from: files).config.policy.requireRun) ?? false
        guard required else { return [] }
        let succeeded = Set(
            try RunHistory(repository: repository).allRuns()
                .filter { $0.status == RunStatus.succeeded.rawValue }.map { "\($0.recipe) \($0.lock)" })
        return try recipes.compactMap { recipe in
            let path = Lockfile.path(for: recipe)
            guard let text = try files.read(path) else { return nil }
            let lock = try LockEntries(parsing: text, file: path, recipe: recipe).digest
            guard !succeeded.contains("\(recipe) \(lock)") else { return nil }
            return
                "recipe '\(recipe)' has no succeeded run for its lock \(lock.short) at \(tip.hex.prefix(12)), and runs are required; run: git recipe run \(recipe), then share the record: \(share)"
        }
    }
}
