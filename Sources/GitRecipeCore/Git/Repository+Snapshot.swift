import CLibGit2
import Foundation

extension Repository {
    /// The tree `git add -A` would stage from the work tree — changes to tracked files,
    /// deletions, and untracked files git does not ignore — with `replacing` (path → text)
    /// in place of what the work tree holds there. Staged by the user's own git (their filters, Git LFS, apply) into an index of
    /// its own, a copy of the user's so that unchanged files are not read again: the user's
    /// index, branch and work tree are not touched.
    func workTreeSnapshot(replacing: [String: String]) throws -> ObjectID {
        let directory = "\(commonDirectory)/recipes"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/snapshot-index-\(ScratchName.make())"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        if FileManager.default.fileExists(atPath: "\(gitDirectory)/index") {
            try FileManager.default.copyItem(atPath: "\(gitDirectory)/index", toPath: temporary)
        }
        try runGitChecked(["add", "--all"], environment: ["GIT_INDEX_FILE": temporary], doing: "stage the work tree for a snapshot")
        var index: OpaquePointer?
        try check("open the snapshot's index") { git_index_open(&index, temporary) }
        defer { git_index_free(index) }
        for (path, text) in replacing.sorted(by: { $0.key < $1.key }) {
            var entry = git_index_entry()
            entry.mode = 0o100644
            entry.id = try writeBlob(text).oid
            try path.withCString { path in
                entry.path = path
                try check("put \(path) in the snapshot") { git_index_add(index, &entry) }
            }
        }
        var tree = git_oid()
        try check("write the snapshot's tree") { git_index_write_tree_to(&tree, index, raw) }
        return ObjectID(tree)
    }

    /// Among `paths`, those whose work-tree content is what `commit` holds there (a path
    /// absent from both counts): the files nobody changed since.
    func unchangedInWorkTree(_ paths: [String], since commit: ObjectID) throws -> [String] {
        guard !paths.isEmpty else { return [] }
        let tree = try tree(of: commit)
        defer { git_tree_free(tree) }
        var options = git_diff_options()
        try check("set up a diff") { git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)) }
        options.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue | GIT_DIFF_INCLUDE_UNTRACKED.rawValue
        let pathspec = paths.map { strdup($0) }
        defer { for string in pathspec { free(string) } }
        var diff: OpaquePointer?
        try pathspec.withUnsafeBufferPointer { strings in
            options.pathspec = git_strarray(strings: UnsafeMutablePointer(mutating: strings.baseAddress), count: strings.count)
            try check("compare the work tree with \(commit)") { git_diff_tree_to_workdir(&diff, raw, tree, &options) }
        }
        defer { git_diff_free(diff) }
        let changed = Set(Self.paths(in: diff))
        return paths.filter { !changed.contains($0) }
    }

    /// The first parent of `commit`; `nil` for a root commit.
    func firstParent(of commit: ObjectID) throws -> ObjectID? {
        let object = try lookupCommit(commit, "read commit \(commit)")
        defer { git_commit_free(object) }
        guard git_commit_parentcount(object) > 0, let parent = git_commit_parent_id(object, 0) else { return nil }
        return ObjectID(parent.pointee)
    }

    /// When `commit` was made, in seconds since 1970 (its committer time).
    func commitTime(of commit: ObjectID) throws -> Int64 {
        let object = try lookupCommit(commit, "read commit \(commit)")
        defer { git_commit_free(object) }
        return Int64(git_commit_time(object))
    }

    /// Creates `ref` at `target` unless it exists; `false` when it already points elsewhere.
    func createReference(_ ref: String, at target: ObjectID, message: String) throws -> Bool {
        var pointsElsewhere = false
        try updateReference(ref, message: message) { current in
            pointsElsewhere = current != nil && current != target
            return current == nil ? target : nil
        }
        return !pointsElsewhere
    }

    /// Deletes `ref` if it still points at `expected`.
    func deleteReference(_ ref: String, expected: ObjectID) throws {
        var reference: OpaquePointer?
        guard try checkFound("look up \(ref)", { git_reference_lookup(&reference, raw, ref) }) else { return }
        defer { git_reference_free(reference) }
        guard let target = git_reference_target(reference), ObjectID(target.pointee) == expected else { return }
        try check("delete \(ref)") { git_reference_delete(reference) }
    }
}
