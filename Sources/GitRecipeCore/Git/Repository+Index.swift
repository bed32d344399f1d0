import CLibGit2
import Foundation

/// One entry of the index at stage 0: what `git commit` would record for a path.
public struct IndexEntry: Equatable, Sendable {
    /// The path, relative to the work tree.
    public let path: String
    /// The blob the index holds for it.
    let blob: ObjectID
    /// The file mode git records (0o100644, 0o100755, 0o120000).
    public var mode: UInt32 = 0o100644
    /// For an index entry: the work-tree file's stat as git recorded it when staging
    /// (size and inode truncated to 32 bits, mtime in ns); `nil` for a commit's tree.
    public var recorded: RecordedStat?

    /// What git's index remembers of a file's stat, to tell whether it changed since.
    public struct RecordedStat: Equatable, Sendable {
        /// Its size as the index recorded it.
        let size: UInt32
        /// Its inode as the index recorded it.
        let inode: UInt32
        /// Its modification time as the index recorded it, in nanoseconds.
        let modified: Int64
        /// Its change time as the index recorded it, in nanoseconds.
        let changed: Int64
    }
}

extension Repository {
    /// The index's stage-0 entries, sorted by path as git sorts them.
    func indexEntries() throws -> [IndexEntry] {
        try withIndex { index in try entries(of: index) }
    }

    /// The paths whose staged content differs from HEAD's (every staged path while HEAD is
    /// unborn). Given `among` (files, and directories as `dir/`), only those paths are
    /// compared, and the parts of the tree outside them are never read.
    func stagedPaths(among paths: [String]? = nil) throws -> [String] {
        if paths?.isEmpty == true { return [] }  // to libgit2, no pathspec means everything
        return try withIndex { index in
            var tree: OpaquePointer?
            if let head = try head() {
                var oid = head.tree.oid
                try check("read HEAD's tree") { git_tree_lookup(&tree, raw, &oid) }
            }
            defer { git_tree_free(tree) }
            var options = git_diff_options()
            try check("set up a diff") { git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)) }
            var diff: OpaquePointer?
            let pathspec = (paths ?? []).map { strdup($0) }
            defer { for string in pathspec { free(string) } }
            try pathspec.withUnsafeBufferPointer { strings in
                if paths != nil {
                    // Literal paths, not patterns: a `*` in a file name is just a `*`.
                    options.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue
                    options.pathspec = git_strarray(strings: UnsafeMutablePointer(mutating: strings.baseAddress), count: strings.count)
                }
                try check("compare the index with HEAD") { git_diff_tree_to_index(&diff, raw, tree, index, &options) }
            }
            defer { git_diff_free(diff) }
            // libgit2 also takes a path without `/` to mean a directory of that name.
            return Self.paths(in: diff).filter { path in paths?.contains { RepositoryPath.overlap($0, path) } ?? true }
        }
    }

    /// Every path a diff touches, on either side (a rename gives both), sorted.
    static func paths(in diff: OpaquePointer?) -> [String] {
        var paths: Set<String> = []
        for position in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, position)?.pointee else { continue }
            for file in [delta.old_file, delta.new_file] where file.path != nil {
                paths.insert(String(cString: file.path))
            }
        }
        return paths.sorted()
    }

    /// Runs `body` with the repository's index, read once and again only when it changed on disk.
    private func withIndex<T>(_ body: (OpaquePointer?) throws -> T) throws -> T {
        var index: OpaquePointer?
        try check("read the index") { git_repository_index(&index, raw) }
        defer { git_index_free(index) }
        try check("reload the index") { git_index_read(index, 0) }
        return try body(index)
    }

    /// Every entry of `index`, sorted by path.
    private func entries(of index: OpaquePointer?) throws -> [IndexEntry] {
        var entries: [IndexEntry] = []
        entries.reserveCapacity(git_index_entrycount(index))
        for position in 0..<git_index_entrycount(index) {
            guard let entry = git_index_get_byindex(index, position)?.pointee,
                (Int32(entry.flags) & GIT_INDEX_ENTRY_STAGEMASK) >> GIT_INDEX_ENTRY_STAGESHIFT == 0
            else { continue }
            let recorded = IndexEntry.RecordedStat(
                size: entry.file_size, inode: entry.ino,
                modified: Int64(entry.mtime.seconds) * 1_000_000_000 + Int64(entry.mtime.nanoseconds),
                changed: Int64(entry.ctime.seconds) * 1_000_000_000 + Int64(entry.ctime.nanoseconds))
            entries.append(IndexEntry(path: String(cString: entry.path), blob: ObjectID(entry.id), mode: entry.mode, recorded: recorded))
        }
        return entries
    }

    /// Whether git's ignore rules (`.gitignore`, `info/exclude`, `core.excludesFile`) ignore
    /// `path`, relative to the work tree; a directory path ends in `/`.
    func isIgnored(_ path: String) throws -> Bool {
        var ignored: Int32 = 0
        try check("check whether '\(path)' is ignored") { git_ignore_path_is_ignored(&ignored, raw, path) }
        return ignored == 1
    }
}
