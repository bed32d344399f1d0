import CLibGit2
import Foundation

/// Why a working tree is not a clean commit (invariant 1 in docs/architecture.md).
struct Cleanliness: Equatable, Sendable {
    /// A path that keeps the tree from being clean, and how.
    struct DirtyPath: Equatable, Sendable, CustomStringConvertible {
        /// How a path differs from HEAD.
        enum Kind: String, Sendable {
            case staged, modified, untracked, conflicted
        }

        /// How the path differs.
        let kind: Kind
        /// The path, relative to the work tree.
        public let path: String

        /// `KIND: PATH`, as `status` lists it.
        public var description: String { "\(kind.rawValue): \(path)" }
    }

    /// HEAD has no commit yet.
    var unbornHead = false
    /// A merge, rebase, cherry-pick, revert, bisect or `git am` that has not finished.
    var operationInProgress: String?
    /// Modified, staged, untracked (not ignored) and conflicted paths, in git's order.
    var dirtyPaths: [DirtyPath] = []

    /// Whether a run may start here: nothing dirty, no operation in progress.
    var isClean: Bool { !unbornHead && operationInProgress == nil && dirtyPaths.isEmpty }

    /// One line per problem, for an error message.
    public var problems: [String] {
        var lines: [String] = []
        if unbornHead { lines.append("HEAD has no commit yet; run: git commit") }
        if let operation = operationInProgress {
            lines.append("a \(operation) is in progress; finish or abort it (git status says how)")
        }
        lines += dirtyPaths.map(\.description)
        return lines
    }
}

extension Repository {
    /// Checks that the working tree is exactly HEAD's commit: HEAD born, no operation in
    /// progress, nothing staged, modified, conflicted or untracked-and-not-ignored.
    ///
    /// Entries a sparse checkout marks skip-worktree are absent from disk by design;
    /// libgit2 1.5 reports them as deleted, and they are not counted.
    func cleanliness() throws -> Cleanliness {
        var result = Cleanliness()
        result.unbornHead = try check("read HEAD") { git_repository_head_unborn(raw) } == 1
        result.operationInProgress = Self.operationName(try check("read the repository's state") { git_repository_state(raw) })

        var options = git_status_options()
        try check("prepare a status query") { git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)) }
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        // Ignored entries too (not recursing into ignored directories): libgit2 follows a
        // symbolic link to a directory and lets `out/` ignore it, where git does not.
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_INCLUDE_IGNORED.rawValue
        var list: OpaquePointer?
        try check("read the status of the working tree") { git_status_list_new(&list, raw, &options) }
        defer { git_status_list_free(list) }

        var index: OpaquePointer?
        try check("read the index") { git_repository_index(&index, raw) }
        defer { git_index_free(index) }

        for position in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, position)?.pointee else { continue }
            let status = entry.status.rawValue
            if status == GIT_STATUS_IGNORED.rawValue {
                if let path = entry.index_to_workdir?.pointee.new_file.path.map({ String(cString: $0) }), try isIgnoredSymlinkUntrackedForGit(path) {
                    result.dirtyPaths.append(.init(kind: .untracked, path: path))
                }
                continue
            }
            guard let kind = Self.kind(of: status) else { continue }
            let delta = entry.index_to_workdir ?? entry.head_to_index
            guard let cPath = delta?.pointee.new_file.path ?? delta?.pointee.old_file.path else { continue }
            let path = String(cString: cPath)
            if status == GIT_STATUS_WT_DELETED.rawValue, Self.isSkipWorktree(path, in: index) { continue }
            result.dirtyPaths.append(.init(kind: kind, path: path))
        }
        return result
    }

    /// Whether `path`, which libgit2 calls ignored, is a symbolic link git itself does not
    /// ignore (`out -> /elsewhere` under an `out/` rule: a link is never a directory to git,
    /// which shows `?? out`). Asked of git, and only for links, which are rare.
    private func isIgnoredSymlinkUntrackedForGit(_ path: String) throws -> Bool {
        var info = stat()
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        guard lstat("\(workTree)/\(trimmed)", &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return false }
        return try runGit(["check-ignore", "-q", "--", trimmed]).status == 1
    }

    /// What a libgit2 status flag set says about a path; `nil` for a clean or ignored one.
    private static func kind(of status: UInt32) -> Cleanliness.DirtyPath.Kind? {
        let staged =
            GIT_STATUS_INDEX_NEW.rawValue | GIT_STATUS_INDEX_MODIFIED.rawValue
            | GIT_STATUS_INDEX_DELETED.rawValue | GIT_STATUS_INDEX_RENAMED.rawValue
            | GIT_STATUS_INDEX_TYPECHANGE.rawValue
        let modified =
            GIT_STATUS_WT_MODIFIED.rawValue | GIT_STATUS_WT_DELETED.rawValue
            | GIT_STATUS_WT_RENAMED.rawValue | GIT_STATUS_WT_TYPECHANGE.rawValue
            | GIT_STATUS_WT_UNREADABLE.rawValue
        if status & GIT_STATUS_CONFLICTED.rawValue != 0 { return .conflicted }
        if status & staged != 0 { return .staged }
        if status & modified != 0 { return .modified }
        if status & GIT_STATUS_WT_NEW.rawValue != 0 { return .untracked }
        return nil
    }

    /// Whether `path` is marked skip-worktree in the index (sparse checkout): its absence is not a change.
    private static func isSkipWorktree(_ path: String, in index: OpaquePointer?) -> Bool {
        guard let entry = git_index_get_bypath(index, path, 0) else { return false }
        return entry.pointee.flags_extended & UInt16(GIT_INDEX_ENTRY_SKIP_WORKTREE.rawValue) != 0
    }

    /// The name of the operation in progress (merge, rebase …); `nil` for none.
    private static func operationName(_ state: Int32) -> String? {
        switch git_repository_state_t(UInt32(state)) {
        case GIT_REPOSITORY_STATE_NONE: nil
        case GIT_REPOSITORY_STATE_MERGE: "merge"
        case GIT_REPOSITORY_STATE_REVERT, GIT_REPOSITORY_STATE_REVERT_SEQUENCE: "revert"
        case GIT_REPOSITORY_STATE_CHERRYPICK, GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE: "cherry-pick"
        case GIT_REPOSITORY_STATE_BISECT: "bisect"
        case GIT_REPOSITORY_STATE_APPLY_MAILBOX: "git am"
        default: "rebase"
        }
    }
}
