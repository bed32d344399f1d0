import CLibGit2
import Foundation

/// An open, non-bare git repository: the only owner of a `git_repository` handle.
public final class Repository {
    /// libgit2's handle; freed with the repository.
    let raw: OpaquePointer

    /// The root of the work tree, without a trailing slash.
    public let workTree: String
    /// The repository's git directory (for a linked worktree, its own `.git/worktrees/NAME`).
    let gitDirectory: String
    /// The git directory shared by all worktrees: where hooks, config and refs live.
    let commonDirectory: String

    /// Wraps an opened handle; a bare repository is refused.
    private init(raw: OpaquePointer) throws(RepositoryError) {
        self.raw = raw
        guard git_repository_is_bare(raw) == 0, let workdir = git_repository_workdir(raw) else {
            let path = String(cString: git_repository_path(raw)).trimmingSlash
            git_repository_free(raw)
            throw .bare(path: path)
        }
        workTree = String(cString: workdir).trimmingSlash
        gitDirectory = String(cString: git_repository_path(raw)).trimmingSlash
        commonDirectory = String(cString: git_repository_commondir(raw)).trimmingSlash
    }

    deinit { git_repository_free(raw) }

    /// The variables through which git tells a subcommand where the repository is. A
    /// process meant to find its repository from its working directory must not inherit them.
    static let locationVariables = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX"]

    /// Starts initialising libgit2 on a thread of its own: call it first thing in a process
    /// that will open a repository. It takes ≈ 4 ms here, most of it the TLS library of
    /// Debian's libgit2 (mbed TLS) parsing the system's CA certificates; a command's argument
    /// parsing takes longer, and the first call into libgit2 waits only for what is left
    /// (a `static let` is initialised once, other threads waiting).
    public static func prepareLibrary() { onOwnThread { LibGit2.initialize() } }

    /// Waits until libgit2 has started (see ``prepareLibrary()``), starting it here if its
    /// thread has not: a process must not exit while libgit2 starts, or exit's handlers race
    /// the start's reading of the certificates and the process can die of SIGSEGV.
    public static func awaitLibrary() { LibGit2.initialize() }

    /// Opens the repository the way git does for a subcommand.
    ///
    /// When git runs `git recipe`, or a hook, it may export `GIT_DIR` and `GIT_WORK_TREE`;
    /// those win, and `GIT_DIR` is opened as it is, without searching. Otherwise the
    /// repository is discovered upward from `directory`, stopping at `GIT_CEILING_DIRECTORIES`.
    /// Linked worktrees open through their `.git` file.
    public static func discover(
        from directory: String = FileManager.default.currentDirectoryPath,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Repository {
        if let gitDir = environment["GIT_DIR"], !gitDir.isEmpty {
            let path = gitDir.absolute(relativeTo: directory)
            let raw = try open(path, flags: GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, ceilings: nil)
            if let workTree = environment["GIT_WORK_TREE"], !workTree.isEmpty {
                let workTreePath = workTree.absolute(relativeTo: directory)
                do {
                    try check("use '\(workTreePath)' as the work tree") { git_repository_set_workdir(raw, workTreePath, 0) }
                } catch {
                    git_repository_free(raw)
                    throw error
                }
            }
            return try Repository(raw: raw).usingIndex(from: environment, relativeTo: directory)
        }
        return try Repository(raw: open(directory, flags: 0, ceilings: environment["GIT_CEILING_DIRECTORIES"]))
            .usingIndex(from: environment, relativeTo: directory)
    }

    /// Uses the index git names in `GIT_INDEX_FILE`: for `git commit -a` or `git commit PATH`
    /// git stages into a temporary index and gives its path to the hooks.
    private func usingIndex(from environment: [String: String], relativeTo directory: String) throws -> Repository {
        guard let file = environment["GIT_INDEX_FILE"], !file.isEmpty else { return self }
        let path = file.absolute(relativeTo: directory)
        var index: OpaquePointer?
        try check("open the index '\(path)'") { git_index_open(&index, path) }
        defer { git_index_free(index) }
        try check("use the index '\(path)'") { git_repository_set_index(raw, index) }
        return self
    }

    /// Opens the repository at or above `path`, stopping at `ceilings`.
    private static func open(_ path: String, flags: UInt32, ceilings: String?) throws -> OpaquePointer {
        var raw: OpaquePointer?
        do {
            try check("open the repository at '\(path)'") { git_repository_open_ext(&raw, path, flags, ceilings) }
        } catch {
            throw explain(error, path: path)
        }
        guard let raw else { throw RepositoryError.notFound(path: path) }
        return raw
    }

    /// Turns libgit2's terse open failures into messages that say what to do.
    private static func explain(_ error: GitError, path: String) -> any Error {
        // libgit2 1.5 reports an untrusted owner as "config value 'safe.directory' was not
        // found", without the path; git's own fix needs the work tree root.
        if error.code == GIT_EOWNER.rawValue || error.message.contains("safe.directory") {
            return RepositoryError.notOwned(path: enclosingWorkTree(of: path) ?? path)
        }
        if error.code == GIT_ENOTFOUND.rawValue {
            return RepositoryError.notFound(path: path)
        }
        if error.message.contains("objectformat") {
            return RepositoryError.unsupportedObjectFormat(path: path)
        }
        return error
    }

    /// The nearest directory at or above `path` that holds a `.git`.
    private static func enclosingWorkTree(of path: String) -> String? {
        var directory = URL(fileURLWithPath: path).standardizedFileURL
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appending(path: ".git").path) { return directory.path }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// The commit and tree HEAD points at, or `nil` while HEAD is unborn (no commit yet).
    public func head() throws -> CommitRef? {
        if try check("read HEAD", { git_repository_head_unborn(raw) }) == 1 { return nil }
        var oid = git_oid()
        try check("resolve HEAD") { git_reference_name_to_id(&oid, raw, "HEAD") }
        var commit: OpaquePointer?
        try check("read the commit HEAD points at") { git_commit_lookup(&commit, raw, &oid) }
        defer { git_commit_free(commit) }
        return CommitRef(commit: ObjectID(git_commit_id(commit).pointee), tree: ObjectID(git_commit_tree_id(commit).pointee))
    }

    /// The names of the configured remotes, sorted.
    func remoteNames() throws -> [String] {
        var names = git_strarray()
        try check("list the remotes") { git_remote_list(&names, raw) }
        defer { git_strarray_dispose(&names) }
        return (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }.sorted()
    }

    /// The remote the current branch pulls from (`branch.NAME.remote`), else `origin`.
    public func defaultRemote() throws -> String {
        var head: OpaquePointer?
        guard try checkFound("read HEAD", { git_reference_lookup(&head, raw, "HEAD") }) else { return "origin" }
        defer { git_reference_free(head) }
        guard let target = git_reference_symbolic_target(head) else { return "origin" }
        let branch = String(cString: target).replacingOccurrences(of: "refs/heads/", with: "")
        return try config("branch.\(branch).remote") ?? "origin"
    }

    /// Reads a configuration value with git's precedence (worktree, local, global, system).
    public func config(_ key: String) throws -> String? {
        var config: OpaquePointer?
        try check("read the repository configuration") { git_repository_config_snapshot(&config, raw) }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        guard try checkFound("read '\(key)' from the git configuration", { git_config_get_string(&value, config, key) }) else { return nil }
        return value.map { String(cString: $0) }
    }

    /// A boolean configuration value as git reads one (`true`, `yes`, `on`, `1`, or a bare
    /// key); `nil` when unset.
    public func configFlag(_ key: String) throws -> Bool? {
        try config(key).map { ["true", "yes", "on", "1", ""].contains($0.lowercased()) }
    }

    /// Every configuration value whose name matches the regular expression `pattern`, read
    /// once from a snapshot (for code that must not touch libgit2 from several threads).
    public func config(matching pattern: String) throws -> [String: String] {
        var config: OpaquePointer?
        try check("read the repository configuration") { git_repository_config_snapshot(&config, raw) }
        defer { git_config_free(config) }
        final class Collected { var values: [String: String] = [:] }
        let collected = Collected()
        try check("read '\(pattern)' from the git configuration") {
            git_config_foreach_match(
                config, pattern,
                { entry, payload in
                    guard let entry = entry?.pointee, let payload else { return 0 }
                    let collected = Unmanaged<Collected>.fromOpaque(payload).takeUnretainedValue()
                    collected.values[String(cString: entry.name)] = String(cString: entry.value)
                    return 0
                }, Unmanaged.passUnretained(collected).toOpaque())
        }
        return collected.values
    }

    /// Writes a value to the repository's own configuration (`.git/config`).
    func setConfig(_ key: String, to value: String) throws {
        try withLocalConfig { local in
            try check("set '\(key)' in \(commonDirectory)/config") { git_config_set_string(local, key, value) }
        }
    }

    /// Adds `value` to the multi-valued `key` in the local config, unless it is there already.
    func addConfigValue(_ key: String, _ value: String) throws {
        let special = Set("\\^$.|?*+()[]{}")
        let pattern = "^" + value.map { special.contains($0) ? "\\\($0)" : String($0) }.joined() + "$"
        try withLocalConfig { local in
            try check("add '\(value)' to '\(key)' in \(commonDirectory)/config") { git_config_set_multivar(local, key, pattern, value) }
        }
    }

    /// Runs `body` with the repository's own configuration file, the one `git config` writes.
    private func withLocalConfig(_ body: (OpaquePointer?) throws -> Void) throws {
        var config: OpaquePointer?
        try check("open the repository configuration") { git_repository_config(&config, raw) }
        defer { git_config_free(config) }
        var local: OpaquePointer?
        try check("open the repository's local configuration") {
            git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL)
        }
        defer { git_config_free(local) }
        try body(local)
    }

    /// Who runs git here, from `user.name` and `user.email`.
    public func identity() throws -> Identity {
        guard let email = try config("user.email"), !email.isEmpty else {
            throw IdentityError(missingKey: "user.email")
        }
        guard let name = try config("user.name"), !name.isEmpty else {
            throw IdentityError(missingKey: "user.name")
        }
        return Identity(name: name, email: email)
    }
}

/// A commit and its tree, as a run manifest records them.
public struct CommitRef: Equatable, Sendable {
    /// The commit.
    public let commit: ObjectID
    /// Its tree.
    public let tree: ObjectID
}

/// The person recorded in a run manifest.
public struct Identity: Equatable, Sendable {
    /// `user.name`.
    public let name: String
    /// `user.email`.
    public let email: String
}

/// `user.name` or `user.email` is not configured.
struct IdentityError: Error, CustomStringConvertible, Sendable {
    /// The configuration key that is not set.
    let missingKey: String

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        "\(missingKey) is not set; run: git config --global \(missingKey) '…'"
    }
}

extension String {
    /// The path without a trailing `/`.
    var trimmingSlash: String {
        count > 1 && hasSuffix("/") ? String(dropLast()) : self
    }

    /// The path made absolute against `directory` when relative.
    func absolute(relativeTo directory: String) -> String {
        hasPrefix("/") ? self : URL(fileURLWithPath: self, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
    }
}
