import Foundation

/// The pre-commit hook's check (DESIGN §5), made on what is staged, not on the working tree.
public struct PreCommitCheck {
    public let repository: Repository

    public init(repository: Repository) {
        self.repository = repository
    }

    /// Returns at once when nothing relevant is staged, and loads only the recipes a staged
    /// path touches otherwise. The paths the recipes watch are remembered in
    /// `.git/recipes/watch-cache`, keyed by the staged `.recipes/` entries other than locks
    /// (which change no recipe's watched paths): the key on the first line, every watched
    /// path a line, an empty line, then `RECIPE<TAB>PATH` lines. With the cache right, only
    /// the watched paths are compared with HEAD.
    public func findings() throws -> Findings {
        let files = StoredFiles(repository: repository, entries: try repository.indexEntries())
        let recipeFiles = files.entries(overlapping: Project.directory + "/")
        guard !recipeFiles.isEmpty else { return Findings() }
        // The key is SHA-256 of `git ls-files -s -- .recipes ':!.recipes/*.lock'`, so the
        // installed hook script can check the cache itself, without starting git-recipe
        // (HookInstaller.script).
        let listing = recipeFiles.filter { !$0.path.hasSuffix(".lock") }
            .map { "\(String($0.mode, radix: 8)) \($0.blob) 0\t\($0.path)\n" }.joined()
        let key = ContentDigest.of(Array(listing.utf8)).hex
        let cache = "\(repository.gitDirectory)/recipes/watch-cache"
        if let cached = try? String(contentsOfFile: cache, encoding: .utf8), cached.hasPrefix(key + "\n") {
            let lines = cached.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            let watched = lines.prefix { !$0.isEmpty }
            let staged = try repository.stagedPaths(among: watched.map(String.init))
            guard !staged.isEmpty else { return Findings() }
            let touched = Set(lines.dropFirst(watched.count + 1).compactMap { line -> String? in
                let fields = line.split(separator: "\t", maxSplits: 1)
                guard fields.count == 2, staged.contains(where: { RepositoryPath.overlap(String(fields[1]), $0) }) else { return nil }
                return String(fields[0])
            })
            if !touched.isEmpty {
                // Only those recipes are loaded; the cache, still right, stays as it is.
                return try StoredContentCheck(repository: repository, files: files, changed: staged, checkIgnored: true, recipes: touched)
                    .findings().findings
            }
        }
        let staged = try repository.stagedPaths()
        guard !staged.isEmpty else { return Findings() }
        let result = try StoredContentCheck(repository: repository, files: files, changed: staged, checkIgnored: true).findings()
        let all = Set(result.watched.values.joined()).sorted()
        let byRecipe = result.watched.byKey.flatMap { recipe, paths in paths.map { "\(recipe)\t\($0)" } }
        var transaction = FileTransaction()
        transaction.write(Data(([key] + all + [""] + byRecipe).joined(separator: "\n").utf8 + [10]), to: URL(fileURLWithPath: cache))
        try? transaction.commit()
        return result.findings
    }
}
