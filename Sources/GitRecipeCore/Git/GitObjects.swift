import CLibGit2
import Foundation

/// A repository whose objects can be read: the user's own (``Repository``) and the bare one
/// pinned component sources are fetched into (``SourceRepository``).
protocol GitObjects: AnyObject {
    /// libgit2's handle.
    var raw: OpaquePointer { get }
}

extension GitObjects {
    /// Whether the object is in this repository.
    public func contains(_ id: ObjectID) throws -> Bool {
        var odb: OpaquePointer?
        try check("open the object database") { git_repository_odb(&odb, raw) }
        defer { git_odb_free(odb) }
        var oid = id.oid
        // git_odb_exists answers 1 or 0, never an error.
        return git_odb_exists(odb, &oid) == 1
    }

    /// Every file in `commit`'s tree, with its blob and mode, sorted by path.
    func treeEntries(of commit: ObjectID) throws -> [IndexEntry] {
        let tree = try tree(of: commit)
        defer { git_tree_free(tree) }
        let collected = CollectedEntries()
        try check("list the files of \(commit)") {
            git_tree_walk(
                tree, GIT_TREEWALK_PRE,
                { root, entry, payload in
                    guard let entry, git_tree_entry_type(entry) == GIT_OBJECT_BLOB, let payload else { return 0 }
                    let path = (root.map { String(cString: $0) } ?? "") + String(cString: git_tree_entry_name(entry))
                    Unmanaged<CollectedEntries>.fromOpaque(payload).takeUnretainedValue().entries.append(
                        IndexEntry(path: path, blob: ObjectID(git_tree_entry_id(entry).pointee), mode: git_tree_entry_filemode(entry).rawValue))
                    return 0
                }, Unmanaged.passUnretained(collected).toOpaque())
        }
        return collected.entries.sorted { $0.path.precedesByBytes($1.path) }
    }

    /// The tree of `commit`; the caller frees it.
    func tree(of commit: ObjectID) throws -> OpaquePointer? {
        var oid = commit.oid
        var commitObject: OpaquePointer?
        try check("read commit \(commit)") { git_commit_lookup(&commitObject, raw, &oid) }
        defer { git_commit_free(commitObject) }
        var tree: OpaquePointer?
        try check("read the tree of \(commit)") { git_commit_tree(&tree, commitObject) }
        return tree
    }

    /// A blob's bytes.
    func blobContents(_ id: ObjectID) throws -> Data {
        var oid = id.oid
        var blob: OpaquePointer?
        try check("read blob \(id)") { git_blob_lookup(&blob, raw, &oid) }
        defer { git_blob_free(blob) }
        return Data(bytes: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob)))
    }
}

extension Repository: GitObjects {}

/// Tree entries gathered by a C callback.
private final class CollectedEntries {
    var entries: [IndexEntry] = []
}
