import Foundation

/// The paths the recipes watch, remembered between commits in `.git/recipes/watch-cache` so
/// that the pre-commit hook can tell "nothing relevant staged" without loading a recipe, and
/// often without starting git-recipe at all. This type is the only place that knows the
/// file's format, in both of its readers: Swift (`PreCommitCheck`) and the installed hook
/// script's shell fast path (`shellFastPath`).
///
/// Format: the key on the first line, every watched path a line, an empty line, then
/// `RECIPE<TAB>PATH` lines. The key is the SHA-256 of the staged `.recipes/` entries other
/// than locks (which change no recipe's watched paths), exactly as
/// `git ls-files -s -- .recipes ':!.recipes/*.lock'` lists them, so the shell computes it too.
struct WatchCache {
    /// What the cache holds when its key matches.
    struct Contents {
        /// Every path any recipe watches, sorted.
        let watched: [String]
        /// The recipes watching each path, as `(recipe, path)` pairs.
        let byRecipe: [(recipe: String, path: String)]
    }

    /// Where the cache is kept (the git directory, per worktree).
    let path: String
    /// The key this index's `.recipes/` entries give.
    let key: String

    /// The cache of `repository`, keyed by the `.recipes/` entries of the index `files`.
    init(repository: Repository, files: StoredFiles) {
        path = "\(repository.gitDirectory)/recipes/watch-cache"
        let listing = files.entries(overlapping: Project.directory + "/").filter { !$0.path.hasSuffix(".lock") }
            .map { "\(String($0.mode, radix: 8)) \($0.blob) 0\t\($0.path)\n" }.joined()
        key = ContentDigest.of(Array(listing.utf8)).hex
    }

    /// The cached watch lists, if the cache was written for this key.
    func read() -> Contents? {
        guard let cached = try? String(contentsOfFile: path, encoding: .utf8), cached.hasPrefix(key + "\n") else { return nil }
        let lines = cached.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        let watched = lines.prefix { !$0.isEmpty }
        let byRecipe = lines.dropFirst(watched.count + 1).compactMap { line -> (String, String)? in
            let fields = line.split(separator: "\t", maxSplits: 1)
            return fields.count == 2 ? (String(fields[0]), String(fields[1])) : nil
        }
        return Contents(watched: watched.map(String.init), byRecipe: byRecipe)
    }

    /// Remembers what each recipe watches, for this key. A cache that cannot be written only
    /// costs the next commit the full check.
    func write(_ watched: [String: [String]]) {
        let all = Set(watched.values.joined()).sorted()
        let byRecipe = watched.byKey.flatMap { recipe, paths in paths.map { "\(recipe)\t\($0)" } }
        var transaction = FileTransaction()
        transaction.write(Data(([key] + all + [""] + byRecipe).joined(separator: "\n").utf8 + [10]), to: URL(fileURLWithPath: path))
        try? transaction.commit()
    }

    /// The shell function `pre_commit_fast_path` of the installed pre-commit script, with
    /// the comment that explains it there.
    static let shellFastPath = """
        # Succeeds only when it is sure nothing the recipes watch is staged. A watched path
        # staged means a check is needed, so that is looked at before the key. git runs
        # hooks from the top of the work tree, where .git is the git directory except in a
        # linked worktree; a cache is right wherever it is found if its key matches, since
        # the watched paths follow from the key's .recipes/ entries.
        pre_commit_fast_path() {
            cache=.git/recipes/watch-cache
            [ -f "$cache" ] || cache="$(git rev-parse --git-dir)/recipes/watch-cache"
            [ -f "$cache" ] || return 1
            git diff --cached --name-only --no-renames | awk -v cache="$cache" '
                BEGIN { if ((getline first < cache) <= 0) exit 1
                        while ((getline line < cache) > 0 && line != "") watched[++n] = line }
                substr($0, 1, 1) == "\\042" { exit 1 }
                { for (i = 1; i <= n; i++) {
                      w = watched[i]
                      if ($0 == w || (substr(w, length(w)) == "/" && index($0, w) == 1)) exit 1 } }' || return 1
            key=$(git ls-files -s -- .recipes ':!.recipes/*.lock' | sha256sum | cut -c1-64)
            read -r first < "$cache" && [ "$key" = "$first" ]
        }
        """
}
