import Foundation

/// A commit of the work tree as it is: `git recipe run --snapshot` commits
/// the tracked changes and the untracked files git does not ignore, with a fresh lock of the
/// recipe, to `refs/recipes/snapshots/ID` with HEAD as parent — never a branch; the user's
/// index and work tree are not touched — and runs that commit in a scratch worktree. Every
/// run stays tied to a commit; `promote` turns a snapshot into a commit of the branch.
public struct Snapshot: Sendable {
    /// Where snapshot refs live.
    public static let refPrefix = NotesSync.snapshots

    /// The snapshot's commit.
    public let commit: ObjectID
    /// The paths where it differs from its parent, the lock included.
    public let changed: [String]
    /// Changed files over the size limit, with their sizes: committed all the same, and named.
    public let large: [(path: String, bytes: Int64)]

    /// Its id: the commit's first 12 hex digits, the same in every clone.
    public var id: String { String(commit.hex.prefix(12)) }
    /// Its ref.
    public var ref: String { Self.ref(of: commit) }

    /// The snapshots in `repository`, by the commit each was taken on (newest first).
    public static func all(in repository: Repository) throws -> [ObjectID: [ObjectID]] {
        let commits = try repository.referenceTargets(under: refPrefix)
        var byParent: [ObjectID: [(time: Int64, commit: ObjectID)]] = [:]
        for commit in commits {
            guard let parent = try repository.firstParent(of: commit) else { continue }
            byParent[parent, default: []].append((try repository.commitTime(of: commit), commit))
        }
        return byParent.mapValues { $0.sorted { $0.time > $1.time }.map(\.commit) }
    }

    /// Deletes the refs of snapshots made over `keepDays` days ago on which no run of
    /// `pinned` is recorded (`git recipe gc`), and returns their ids; `dryRun` deletes
    /// nothing. Their run records stay in the notes; git's own gc may then prune the commits.
    public static func collect(
        in repository: Repository, keepDays: Int, pinned: Set<String>, history: RunHistory, dryRun: Bool
    ) throws -> [String] {
        let cutoff = Int64(Date().timeIntervalSince1970) - Int64(keepDays) * 86_400
        var dropped: [String] = []
        for commit in try repository.referenceTargets(under: refPrefix).sorted(by: { $0.hex < $1.hex }) {
            guard try repository.commitTime(of: commit) < cutoff, try !history.runs(on: commit).contains(where: { pinned.contains($0.id) })
            else { continue }
            if !dryRun { try repository.deleteReference(ref(of: commit), expected: commit) }
            dropped.append(String(commit.hex.prefix(12)))
        }
        return dropped
    }

    /// The snapshot ref a commit would have.
    static func ref(of commit: ObjectID) -> String { refPrefix + commit.hex.prefix(12) }

    /// Commits `repository`'s work tree with `pipeline`'s lock made fresh for it by
    /// `locker`, under `message` (a default naming the recipe when `nil`); `nil` when the
    /// work tree holds nothing HEAD does not (the run then needs no snapshot). Refused while
    /// HEAD is unborn, a merge or rebase is under way, or a path is conflicted.
    public static func take(
        of repository: Repository, pipeline: Pipeline, locker: Locker, message: String?, largeFile limit: Int64
    ) throws -> Snapshot? {
        let cleanliness = try repository.cleanliness()
        let head = try repository.head()
        var problems = cleanliness.dirtyPaths.filter { $0.kind == .conflicted }.map(\.description)
        if let operation = cleanliness.operationInProgress { problems.insert("a \(operation) is in progress", at: 0) }
        if head == nil { problems.insert("HEAD has no commit yet; a snapshot's parent is HEAD: commit once first (git commit)", at: 0) }
        guard let head, problems.isEmpty else { throw SnapshotError.cannotSnapshot(problems) }
        let name = pipeline.recipe.name
        let lock = try locker.lock(pipeline).rendered()
        let tree = try repository.workTreeSnapshot(replacing: [Lockfile.path(for: name): lock])
        guard tree != head.tree else { return nil }
        let text =
            message.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }
            ?? "snapshot: run \(name) on the work tree\n\nThe work tree on top of \(head.commit.hex.prefix(12)), committed by git recipe run --snapshot.\n"
        let commit = try repository.writeCommit(tree: tree, parents: [head.commit], message: text)
        let changed = try repository.changedPaths(of: commit)
        let large: [(path: String, bytes: Int64)] = changed.compactMap { path in
            var info = stat()
            guard lstat("\(repository.workTree)/\(path)", &info) == 0, Int64(info.st_size) > limit else { return nil }
            return (path, Int64(info.st_size))
        }
        guard try repository.createReference(ref(of: commit), at: commit, message: "git recipe run --snapshot \(name)") else {
            throw SnapshotError.refTaken(ref(of: commit))
        }
        return Snapshot(commit: commit, changed: changed, large: large)
    }
}

extension Snapshot {
    /// Runs `recipe` at the snapshot in a scratch worktree, with data git does not track
    /// brought from `repository`'s checkout: `body` gets the runner there and its checked
    /// preflight, and does the runs. The worktree is removed when this returns or throws.
    public func run(
        _ recipe: String, from repository: Repository, allowDrift: Bool, events: @escaping RunEvents,
        _ body: (Runner, Runner.Preflight) throws -> [Runner.Outcome]
    ) throws -> [Runner.Outcome] {
        let worktree = try ScratchWorktree(of: repository, at: commit)
        defer { worktree.remove() }
        let scratch = try worktree.load(recipe, from: repository) { events(.warning($0)) }
        let runner = scratch.runner(interruption: .install(), events: events)
        let outcomes = try body(runner, try runner.preflight(allowDrift: allowDrift))
        try scratch.locker.finish()
        return outcomes
    }

    /// Makes the snapshot `commit`, on which `run` is recorded, the tip of the current
    /// branch — by fast-forward only, so the commit and the records on it stay as they are.
    /// The branch moves by compare-and-swap from the snapshot's parent; the index becomes the
    /// snapshot's tree; the work tree is left as it is, but for the lock the snapshot made,
    /// which replaces the old one where nobody changed that since. The snapshot's ref goes:
    /// the branch holds the commit now. Refused when something is staged (the index is
    /// replaced).
    public static func promote(_ commit: ObjectID, run: String, in repository: Repository) throws {
        guard try repository.referenceTarget(ref(of: commit)) == commit else {
            throw SnapshotError.notASnapshot(run: run, commit: commit.hex)
        }
        let head = try repository.head()
        let parent = try repository.firstParent(of: commit)
        guard let head, head.commit == parent else {
            throw SnapshotError.notFastForward(snapshot: commit.hex, parent: parent?.hex ?? "-", head: head?.commit.hex ?? "unborn")
        }
        let staged = try repository.stagedPaths()
        guard staged.isEmpty else { throw SnapshotError.staged(staged) }
        let locks = try repository.changedPaths(of: commit).filter { $0.hasPrefix("\(Project.directory)/") && $0.hasSuffix(".lock") }
        let untouched = try repository.unchangedInWorkTree(locks, since: head.commit)
        try repository.runGitChecked(
            ["update-ref", "-m", "git recipe promote \(run)", "HEAD", commit.hex, head.commit.hex], doing: "move the branch")
        try repository.runGitChecked(["reset", "--quiet"], doing: "make the index the snapshot's tree")
        if !untouched.isEmpty { try repository.runGitChecked(["checkout", "--"] + untouched, doing: "write the snapshot's lock") }
        try repository.deleteReference(ref(of: commit), expected: commit)
    }
}

/// Why a snapshot could not be taken or promoted.
public enum SnapshotError: RecipeError, Equatable {
    case cannotSnapshot([String])
    case refTaken(String)
    case notASnapshot(run: String, commit: String)
    case notFastForward(snapshot: String, parent: String, head: String)
    case staged([String])

    /// Exit 1: a precondition does not hold.
    public var exitStatus: ExitStatus { .checkFailed }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .cannotSnapshot(let problems):
            "cannot snapshot this work tree:\n" + problems.map { "  \($0)\n" }.joined()
                + "finish or abort what is under way (git merge --abort, git rebase --abort) and resolve conflicts first"
        case .refTaken(let ref):
            "\(ref) already names another commit; delete it (git update-ref -d \(ref)) and run again"
        case .notASnapshot(let run, let commit):
            "run \(run) is recorded on \(commit.prefix(12)), which is not a snapshot; only a run of git recipe run --snapshot can be promoted"
        case .notFastForward(let snapshot, let parent, let head):
            "snapshot \(snapshot) was taken on \(parent.prefix(12)), but HEAD is now \(head.prefix(12)); promote only fast-forwards, "
                + "so rerun on the current commit (git recipe run --snapshot RECIPE), or bring the snapshot's changes over by hand "
                + "(git cherry-pick \(snapshot))"
        case .staged(let paths):
            "changes are staged (\(paths.prefix(5).joined(separator: ", "))\(paths.count > 5 ? ", …" : "")), and promote replaces the index; "
                + "commit them, or unstage them (git restore --staged .), then promote"
        }
    }
}
