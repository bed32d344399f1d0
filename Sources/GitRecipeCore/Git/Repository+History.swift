import CLibGit2
import Foundation

extension Repository {
    /// Commits reachable from `tip` and from none of `hidden`, oldest first.
    public func commits(from tip: ObjectID, hiding hidden: [ObjectID]) throws -> [ObjectID] {
        var walk: OpaquePointer?
        try check("start a walk over history") { git_revwalk_new(&walk, raw) }
        defer { git_revwalk_free(walk) }
        try check("sort the walk over history") { git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue) }
        var start = tip.oid
        try check("walk history from \(tip)") { git_revwalk_push(walk, &start) }
        for commit in hidden {
            var oid = commit.oid
            try check("leave \(commit) out of the walk") { git_revwalk_hide(walk, &oid) }
        }
        var commits: [ObjectID] = []
        var oid = git_oid()
        while try checkNext("walk history from \(tip)", { git_revwalk_next(&oid, walk) }) { commits.append(ObjectID(oid)) }
        return commits
    }

    /// The commits that refs under `prefix` (such as `refs/remotes/origin/`) point at.
    func referenceTargets(under prefix: String) throws -> [ObjectID] {
        var iterator: OpaquePointer?
        try check("list refs under \(prefix)") { git_reference_iterator_glob_new(&iterator, raw, prefix + "*") }
        defer { git_reference_iterator_free(iterator) }
        var targets: [ObjectID] = []
        var reference: OpaquePointer?
        while try checkNext("list refs under \(prefix)", { git_reference_next(&reference, iterator) }) {
            defer { git_reference_free(reference) }
            var resolved: OpaquePointer?
            // A symbolic ref whose target does not exist points at nothing.
            guard try checkFound("resolve \(String(cString: git_reference_name(reference)))", { git_reference_resolve(&resolved, reference) }) else {
                continue
            }
            defer { git_reference_free(resolved) }
            if let target = git_reference_target(resolved) { targets.append(ObjectID(target.pointee)) }
        }
        return targets
    }

    /// Paths `commit` changed against its first parent (all of them for a root commit).
    func changedPaths(of commit: ObjectID) throws -> [String] {
        let tree = try tree(of: commit)
        defer { git_tree_free(tree) }
        var commitObject: OpaquePointer?
        var oid = commit.oid
        try check("read commit \(commit)") { git_commit_lookup(&commitObject, raw, &oid) }
        defer { git_commit_free(commitObject) }
        var parentTree: OpaquePointer?
        if git_commit_parentcount(commitObject) > 0 {
            var parent: OpaquePointer?
            try check("read the parent of \(commit)") { git_commit_parent(&parent, commitObject, 0) }
            defer { git_commit_free(parent) }
            try check("read the parent's tree of \(commit)") { git_commit_tree(&parentTree, parent) }
        }
        defer { git_tree_free(parentTree) }
        var diff: OpaquePointer?
        try check("compare \(commit) with its parent") { git_diff_tree_to_tree(&diff, raw, parentTree, tree, nil) }
        defer { git_diff_free(diff) }
        return Self.paths(in: diff)
    }
}
