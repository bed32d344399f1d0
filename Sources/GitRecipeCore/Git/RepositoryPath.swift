/// Rules for paths a recipe names: relative to the repository root and never outside it.
enum RepositoryPath {
    /// What is wrong with `path` as a path inside the repository, or `nil` when it is fine.
    static func problem(with path: String) -> String? {
        if path.isEmpty { return "a path must not be empty" }
        if path.hasPrefix("/") || path.hasPrefix("~") {
            return "'\(path)' is absolute; paths are relative to the repository root (data outside it goes in 'assets')"
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        if components.contains("..") {
            return "'\(path)' uses '..'; paths may not leave the repository (data outside it goes in 'assets')"
        }
        if components.first == ".git" { return "'\(path)' is inside .git, which belongs to git" }
        if path.contains("{{") { return "'\(path)' contains a placeholder; placeholders are allowed only in 'run'" }
        // One spelling per path: git, the lock and verify all name `sub/in.txt`, and a lock
        // pinning `./sub/in.txt` would be judged against a file no commit holds.
        let canonical = components.filter { $0 != "." }.joined(separator: "/") + (path.hasSuffix("/") && !components.isEmpty ? "/" : "")
        if canonical != path {
            return canonical.isEmpty || canonical == "/"
                ? "'\(path)' names the repository root; name the files or directories in it"
                : "'\(path)' is not written the way git writes it; write '\(canonical)'"
        }
        return nil
    }

    /// Whether writing `a` can change `b` or the other way round: the same path, or one a
    /// directory (trailing `/`) holding the other.
    static func overlap(_ a: String, _ b: String) -> Bool {
        a == b || (a.hasSuffix("/") && b.hasPrefix(a)) || (b.hasSuffix("/") && a.hasPrefix(b))
    }
}
