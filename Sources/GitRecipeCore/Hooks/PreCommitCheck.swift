import Foundation

/// The pre-commit hook's check (DESIGN §5), made on what is staged, not on the working tree.
public struct PreCommitCheck {
    public let repository: Repository

    public init(repository: Repository) {
        self.repository = repository
    }

    /// Returns at once when nothing relevant is staged: the paths the recipes watch are
    /// remembered in `.git/recipes/watch-cache` (first line the key, then one path a line),
    /// keyed by the staged `.recipes/` entries, so an unrelated commit parses no YAML.
    public func findings() throws -> Findings {
        let (entries, staged) = try repository.stagedChanges()
        guard !staged.isEmpty else { return Findings() }
        let recipeFiles = entries.filter { $0.path.hasPrefix(Project.directory + "/") }
        guard !recipeFiles.isEmpty else { return Findings() }
        // The key is SHA-256 of `git ls-files -s -- .recipes`, so the installed hook script
        // can check the cache itself, without starting git-recipe (HookInstaller.script).
        let listing = recipeFiles.map { "\(String($0.mode, radix: 8)) \($0.blob) 0\t\($0.path)\n" }.joined()
        let key = ContentDigest.of(Array(listing.utf8)).hex
        let cache = "\(repository.gitDirectory)/recipes/watch-cache"
        if let cached = try? String(contentsOfFile: cache, encoding: .utf8), cached.hasPrefix(key + "\n") {
            let watched = cached.split(separator: "\n").dropFirst().map(String.init)
            guard staged.contains(where: { path in watched.contains { RepositoryPath.overlap($0, path) } }) else { return Findings() }
        }
        let check = StoredContentCheck(repository: repository, entries: entries, changed: staged, checkIgnored: true)
        let result = try check.findings()
        var transaction = FileTransaction()
        transaction.write(Data(([key] + result.watched).joined(separator: "\n").utf8 + [10]), to: URL(fileURLWithPath: cache))
        try? transaction.commit()
        return result.findings
    }
}
