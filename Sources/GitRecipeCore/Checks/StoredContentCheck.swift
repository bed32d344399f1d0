import Foundation

/// What a hook's check found: problems block; warnings say what could not be checked.
public struct Findings: Sendable {
    /// What blocks the commit or push, one line each.
    public var problems: [String] = []
    /// What the user should know, one line each.
    public var warnings: [String] = []
}

/// Checks the recipes in content git stores — the index, or a commit's tree — against
/// their locks: the project validates; every recipe whose recipe, components, inputs,
/// environment files or outputs `changed` touches has a lock equal to the lock of that
/// content (probe outputs aside); its outputs are untracked (and ignored, for the index).
struct StoredContentCheck {
    /// The repository whose stored content is judged.
    let repository: Repository
    /// The stored files: the index, or a pushed commit's tree.
    let files: StoredFiles
    /// The paths the commit or push changes.
    let changed: [String]
    /// Whether outputs must be ignored by the work tree's rules: meaningful for the index only.
    let checkIgnored: Bool
    /// Only these recipes, when set: the others are neither loaded nor validated.
    var recipes: Set<String>? = nil

    /// One line per problem, each naming the file and the exact fix; `touched` names the
    /// recipes the change touches, `watched` the paths each loaded recipe's lock depends on.
    func findings() throws -> (findings: Findings, touched: [String], watched: [String: [String]]) {
        guard !files.entries(overlapping: Project.directory + "/").isEmpty else { return (Findings(), [], [:]) }
        var names: [String] = []
        if let recipes {
            names = try Project.recipeNames(in: files).filter(recipes.contains)
            guard !names.isEmpty else { return (Findings(), [], [:]) }
        }
        let project = try Project.load(from: files, recipes: names)
        let paths = project.pipelines.map { (pipeline: $0, watched: Self.watchedPaths(of: $0)) }
        let watched = Dictionary(uniqueKeysWithValues: paths.map { ($0.pipeline.recipe.name, $0.watched) })
        let touched = paths.filter { _, watched in
            changed.contains { path in watched.contains { RepositoryPath.overlap($0, path) } }
        }.map(\.pipeline)
        guard !touched.isEmpty else { return (Findings(), [], watched) }
        let locker = try Locker(repository: repository)
        defer { try? locker.finish() }
        var findings = Findings()
        for pipeline in touched { try check(pipeline, files: files, locker: locker, into: &findings) }
        return (findings, touched.map(\.recipe.name), watched)
    }
    /// Whether the work-tree file still matches the stat git recorded when it was staged,
    /// and was not modified so close to the index being written that a later change could
    /// hide behind the same timestamp (git's own "racily clean" rule).
    private func isUnchangedOnDisk(_ entry: IndexEntry, indexWritten: Int64) -> Bool {
        guard let recorded = entry.recorded else { return false }
        var info = stat()
        guard lstat("\(repository.workTree)/\(entry.path)", &info) == 0 else { return false }
        let stamp = FileStamp(info)
        return UInt32(truncatingIfNeeded: stamp.size) == recorded.size
            && UInt32(truncatingIfNeeded: stamp.inode) == recorded.inode
            && stamp.modified == recorded.modified && stamp.changed == recorded.changed
            && stamp.modified < indexWritten - HashCache.racyWindow
    }

    /// The file's modification time in nanoseconds; 0 when it cannot be read.
    private static func modificationTime(of path: String) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return FileStamp(info).modified
    }

    /// What a recipe's lock depends on, as paths in the repository.
    static func watchedPaths(of pipeline: Pipeline) -> [String] {
        let recipe = pipeline.recipe
        return [recipe.file, Lockfile.path(for: recipe.name), ProjectConfig.file]
            + pipeline.steps.filter { $0.pinned == nil }.compactMap { $0.component.map { "\(Project.componentsDirectory)/\($0).yaml" } }
            + pipeline.pinnedInputs.map(\.path)
            + recipe.environment.files.map(\.value) + recipe.paramsFiles.map(\.path.value)
            + pipeline.steps.flatMap(\.outputs) + [".gitignore"]
    }

    /// Judges one recipe against the stored content: lock fresh, seed and environment pinned, no output tracked by git.
    private func check(_ pipeline: Pipeline, files: StoredFiles, locker: Locker, into findings: inout Findings) throws {
        let name = pipeline.recipe.name
        let lockPath = Lockfile.path(for: name)
        let fix = "git recipe lock \(name) && git add \(lockPath)"
        var problems: [String] = []
        defer { findings.problems += problems }
        if let text = try files.read(lockPath) {
            let current: LockEntries
            do {
                current = try LockEntries(parsing: text, file: lockPath, recipe: name)
            } catch {
                problems.append("\(error.description) && git add \(lockPath)")
                return
            }
            var digests: [String: ContentDigest] = [:]
            var deleted: [String] = []
            let indexWritten = Self.modificationTime(of: "\(repository.gitDirectory)/index")
            for input in pipeline.pinnedPaths {
                let tracked = files.entries(overlapping: input)
                // A file git's index says is unchanged since staging holds the staged bytes,
                // so the hash cache serves it; only the others are read from their blobs.
                for entry in tracked where !isUnchangedOnDisk(entry, indexWritten: indexWritten) {
                    digests[entry.path] = ContentDigest.of(try repository.blobContents(entry.blob))
                }
                // Untracked data that is not on this machine cannot be checked here; it is
                // taken as locked, and said so (never failed for that alone).
                let path = input.hasSuffix("/") ? String(input.dropLast()) : input
                // A path git tracked at the parent and no longer does was deleted by this
                // change: that is checkable anywhere, and it does not match the lock.
                if tracked.isEmpty, changed.contains(where: { RepositoryPath.overlap($0, input) }) {
                    deleted.append(
                        "input '\(input)' of '\(name)' is deleted by \(checkIgnored ? "what is staged" : "this commit"), "
                            + "but \(lockPath) pins it; restore it (git checkout HEAD -- \(path)), or drop it from the recipe and run: \(fix)")
                    continue
                }
                if tracked.isEmpty, !FileManager.default.fileExists(atPath: "\(repository.workTree)/\(path)"),
                    let locked = (current.values["inputs"]?[input] ?? current.values["environment.files"]?[input]).flatMap({ ContentDigest($0) })
                {
                    digests[path] = locked
                    findings.warnings.append("input '\(input)' of '\(name)' is not on this machine, so it was not checked")
                }
            }
            // A deleted input has no content to hash: the lock cannot match, and says why.
            guard deleted.isEmpty else {
                problems += deleted
                return
            }
            let staged = Locker.Staged(digests: digests, probes: current.values["environment.probes"] ?? [:])
            let fresh = try locker.lock(pipeline, staged: staged)
            let changes = try LockEntries(parsing: fresh.rendered(), file: lockPath, recipe: name).changes(since: current)
            if !changes.isEmpty {
                problems.append(
                    "\(lockPath) does not match \(checkIgnored ? "the staged content" : "the commit's content") of '\(name)':\n"
                        + changes.map { "  \($0)\n" }.joined() + "  run: \(fix)")
            }
        } else {
            problems.append("\(lockPath) is not staged, and '\(name)' changed; run: \(fix)")
        }
        for output in pipeline.steps.flatMap(\.outputs) {
            if let tracked = files.entries(overlapping: output).first {
                problems.append(
                    "output '\(output)' of '\(name)' is tracked by git ('\(tracked.path)'); outputs are results, not sources: run: git rm -r --cached \(output) && echo '\(output)' >> .gitignore"
                )
            } else if checkIgnored, try !repository.isIgnored(output) {
                problems.append(
                    "output '\(output)' of '\(name)' is not ignored by git, so a run would leave the tree dirty; run: echo '\(output)' >> .gitignore && git add .gitignore"
                )
            }
        }
    }
}
