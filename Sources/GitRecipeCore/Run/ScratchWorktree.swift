import Foundation

/// A temporary linked worktree, detached at one commit, under
/// `.git/recipes/reproduce/PID-RANDOM`: the user's checkout is never touched. Made and
/// removed by the user's own git, so checkout filters (Git LFS) and hooks behave as in any
/// checkout. Kept inside the git directory so that data can be hard-linked into it (same
/// file system) and nothing shows in `git status`.
struct ScratchWorktree {
    /// The worktree's directory.
    let path: String
    /// The repository the worktree belongs to.
    private let repository: Repository

    /// Checks `commit` out into a new worktree, after removing any a killed reproduction left.
    init(of repository: Repository, at commit: ObjectID) throws {
        self.repository = repository
        let parent = Self.parent(of: repository)
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        Self.removeAbandoned(in: parent, repository: repository)
        path = "\(parent)/\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        let outcome = try repository.runGit(["worktree", "add", "--detach", "--quiet", path, commit.hex])
        guard outcome.status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw ReproduceError.worktree(action: "check out \(commit.hex.prefix(12))", stderr: outcome.stderr)
        }
    }

    /// Removes the worktree and git's record of it; data hard-linked into it stays where it came from.
    func remove() {
        Self.remove(path, repository: repository)
    }

    /// The directory scratch worktrees go in.
    static func parent(of repository: Repository) -> String { "\(repository.commonDirectory)/recipes/reproduce" }

    /// Removes the worktree at `path`, and its administrative files.
    private static func remove(_ path: String, repository: Repository) {
        if (try? repository.runGit(["worktree", "remove", "--force", "--force", path]))?.status != 0 {
            try? FileManager.default.removeItem(atPath: path)
            _ = try? repository.runGit(["worktree", "prune"])
        }
    }

    /// Worktrees of reproductions whose process no longer exists (killed with SIGKILL, or
    /// a machine that went down).
    private static func removeAbandoned(in parent: String, repository: Repository) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
            guard let pid = name.split(separator: "-").first.flatMap({ pid_t($0) }), pid != getpid(),
                kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            remove("\(parent)/\(name)", repository: repository)
        }
    }
}
