import Foundation

/// The pre-commit hook's check, made on what is staged, not on the working tree.
public struct PreCommitCheck {
    /// The repository whose index is checked.
    public let repository: Repository

    /// The check of `repository`'s index.
    public init(repository: Repository) {
        self.repository = repository
    }

    /// Returns at once when nothing relevant is staged, and loads only the recipes a staged
    /// path touches otherwise. With the `WatchCache` right, only the watched paths are
    /// compared with HEAD.
    public func findings() throws -> Findings {
        let files = StoredFiles(repository: repository, entries: try repository.indexEntries())
        guard !files.entries(overlapping: Project.directory + "/").isEmpty else { return Findings() }
        let cache = WatchCache(repository: repository, files: files)
        if let cached = cache.read() {
            let staged = try repository.stagedPaths(among: cached.watched)
            guard !staged.isEmpty else { return Findings() }
            let touched = Set(cached.byRecipe.filter { _, path in staged.contains { RepositoryPath.overlap(path, $0) } }.map(\.recipe))
            if !touched.isEmpty {
                // Only those recipes are loaded; the cache, still right, stays as it is.
                return try StoredContentCheck(repository: repository, files: files, changed: staged, checkIgnored: true, recipes: touched)
                    .findings().findings
            }
        }
        let staged = try repository.stagedPaths()
        guard !staged.isEmpty else { return Findings() }
        let result = try StoredContentCheck(repository: repository, files: files, changed: staged, checkIgnored: true).findings()
        cache.write(result.watched)
        return result.findings
    }
}
