import Foundation

/// A temporary linked worktree, detached at one commit, under
/// `.git/recipes/worktrees/PID-RANDOM`: a run that must not use the user's
/// checkout (a reproduction today; parallel sweeps, snapshot runs and param-file overrides
/// build on it) happens here, with the data git does not track brought in from the
/// checkout, and its outputs kept in the shared artifact store, so `checkout` brings them
/// back after the worktree is gone. Made and removed by the user's own git, so checkout
/// filters (Git LFS) and hooks behave as in any checkout. Kept inside the git directory so
/// that data can be hard-linked into it (same file system) and nothing shows in
/// `git status`. One a killed process left is removed by the next one made.
struct ScratchWorktree {
    /// The worktree's directory.
    let path: String
    /// The repository the worktree belongs to.
    private let repository: Repository

    /// Checks `commit` out into a new worktree, after removing any a killed process left.
    init(of repository: Repository, at commit: ObjectID) throws {
        self.repository = repository
        let parent = Self.parent(of: repository)
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        _ = Self.removeAbandoned(of: repository)
        path = "\(parent)/\(ScratchName.make())"
        let outcome = try Self.administering(repository) { try repository.runGit(["worktree", "add", "--detach", "--quiet", path, commit.hex]) }
        guard outcome.status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw ReproduceError.worktree(action: "check out \(commit.hex.prefix(12))", stderr: outcome.stderr)
        }
    }

    /// `recipe` as this worktree's commit has it, with the data it pins that git does not
    /// track brought from `original`'s checkout (`announce` hears how many files), and a
    /// locker sharing `original`'s hash cache.
    func load(_ recipe: String, from original: Repository, announce: (String) -> Void) throws -> ScratchProject {
        let checkout = try Repository.discover(from: path, environment: [:])
        let files = WorkingTreeFiles(root: checkout.workTree)
        let project = try Project.load(from: files, recipes: [recipe])
        let brought = try bring(project.pipelines[0].pinnedPaths, from: original.workTree)
        if brought > 0 { announce("brought \(brought) file\(brought == 1 ? "" : "s") git does not track from this checkout") }
        let locker = try Locker(repository: checkout, hashCache: Locker.hashCache(of: original))
        return ScratchProject(repository: checkout, files: files, project: project, locker: locker)
    }

    /// Removes the worktree and git's record of it; data hard-linked into it stays where it came from.
    func remove() {
        Self.remove(path, repository: repository)
    }

    /// Brings the data git does not track among `paths` from `checkout` (the user's work
    /// tree) into this worktree; the lock check that follows verifies it. Returns how many
    /// files were brought.
    func bring(_ paths: [String], from checkout: String) throws -> Int {
        try UntrackedData.bring(paths, from: checkout, to: path)
    }

    /// The directory scratch worktrees go in.
    static func parent(of repository: Repository) -> String { "\(repository.commonDirectory)/recipes/worktrees" }

    /// Where earlier versions made them (for reproductions): swept for abandoned ones too.
    private static func earlierParent(of repository: Repository) -> String { "\(repository.commonDirectory)/recipes/reproduce" }

    /// Removes the worktree at `path`, and its administrative files.
    private static func remove(_ path: String, repository: Repository) {
        _ = try? administering(repository) {
            if (try? repository.runGit(["worktree", "remove", "--force", "--force", path]))?.status != 0 {
                try? FileManager.default.removeItem(atPath: path)
                _ = try? repository.runGit(["worktree", "prune"])
            }
        }
    }

    /// Runs `body`, which adds, removes or prunes worktrees, alone among this repository's
    /// processes and threads: `git worktree add` reads every other worktree's
    /// administrative files, and fails on one another `add` has made but not yet filled
    /// ("failed to read .git/worktrees/ID/commondir"), which lost seeds of parallel sweeps.
    private static func administering<Result>(_ repository: Repository, _ body: () throws -> Result) throws -> Result {
        try FileLock.withLock("\(repository.commonDirectory)/recipes/worktrees.lock", body)
    }

    /// Removes every scratch worktree whose process no longer exists; returns how many.
    static func removeAbandoned(of repository: Repository) -> Int {
        let parents = [parent(of: repository), earlierParent(of: repository)]
        let before = parents.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }.count
        for directory in parents { removeAbandoned(in: directory, repository: repository) }
        return before - parents.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }.count
    }

    /// Worktrees of runs whose process no longer exists (killed with SIGKILL, or a machine
    /// that went down).
    private static func removeAbandoned(in parent: String, repository: Repository) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where ScratchName.isAbandoned(name) {
            remove("\(parent)/\(name)", repository: repository)
        }
    }
}

/// Brings data git does not track into a fresh checkout, from the user's.
enum UntrackedData {
    /// Makes each of `paths` (relative; directories may end in `/`) under `destination` hold
    /// what it holds under `source`, for every file the checkout lacks: hard links where
    /// possible, copies otherwise; symbolic links as links. What the checkout has (tracked
    /// files, at the commit's version) is left alone. Returns how many files were brought.
    static func bring(_ paths: [String], from source: String, to destination: String) throws -> Int {
        var count = 0
        for path in Set(paths.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }).sorted() {
            count += try mirror(path, from: source, to: destination)
        }
        return count
    }

    /// Brings one path (a file, a link, or a directory's files) the checkout lacks.
    private static func mirror(_ path: String, from source: String, to destination: String) throws -> Int {
        let from = "\(source)/\(path)"
        let to = "\(destination)/\(path)"
        var info = stat()
        guard lstat(from, &info) == 0 else { return 0 }  // missing here too: the lock check says so
        let manager = FileManager.default
        if info.st_mode & S_IFMT == S_IFDIR {
            try manager.createDirectory(atPath: to, withIntermediateDirectories: true)
            return try manager.contentsOfDirectory(atPath: from).filter { $0 != ".git" }
                .reduce(0) { $0 + (try mirror("\(path)/\($1)", from: source, to: destination)) }
        }
        var existing = stat()
        guard lstat(to, &existing) != 0 else { return 0 }
        try manager.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do {
            if info.st_mode & S_IFMT == S_IFLNK {
                try manager.createSymbolicLink(atPath: to, withDestinationPath: try manager.destinationOfSymbolicLink(atPath: from))
            } else if link(from, to) != 0 {
                try manager.copyItem(atPath: from, toPath: to)
            }
        } catch {
            throw ReproduceError.bring(path: path, reason: "\(error.localizedDescription)")
        }
        return 1
    }
}

/// One recipe loaded in a scratch worktree, ready to run there.
struct ScratchProject {
    /// The worktree as a repository.
    let repository: Repository
    /// Its files.
    let files: WorkingTreeFiles
    /// The project there, with the one recipe loaded.
    let project: Project
    /// A locker for the worktree.
    let locker: Locker

    /// The recipe's pipeline.
    var pipeline: Pipeline { project.pipelines[0] }

    /// A runner for the recipe in the worktree; its outputs go to the shared store.
    func runner(interruption: Interruption, events: @escaping RunEvents) -> Runner {
        Runner(
            repository: repository, pipeline: pipeline, locker: locker, files: files, interruption: interruption,
            artifacts: project.config.artifacts, events: events, inScratchWorktree: true)
    }
}
