import CLibGit2
import Foundation

/// The bare repository `.git/recipes/components.git` that pinned component sources are
/// fetched into: their commits stay apart from the user's own objects, and are
/// read from there without a checkout. Each fetched commit is kept by `refs/pinned/COMMIT`.
final class SourceRepository: GitObjects {
    /// libgit2's handle.
    let raw: OpaquePointer

    /// Where the source repository of the repository whose common git directory is
    /// `commonDirectory` lives.
    static func path(in commonDirectory: String) -> String { "\(commonDirectory)/recipes/components.git" }

    /// Opens the source repository at `path`; `nil` when nothing was ever fetched.
    static func open(at path: String) throws -> SourceRepository? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var raw: OpaquePointer?
        try check("open the component sources at '\(path)'") {
            git_repository_open_ext(&raw, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue | GIT_REPOSITORY_OPEN_BARE.rawValue, nil)
        }
        guard let raw else { return nil }
        return SourceRepository(raw: raw)
    }

    private init(raw: OpaquePointer) {
        self.raw = raw
    }

    deinit { git_repository_free(raw) }

    /// Whether `commit` is here as a commit, with its tree.
    func hasCommit(_ commit: ObjectID) -> Bool {
        var oid = commit.oid
        var object: OpaquePointer?
        guard git_commit_lookup(&object, raw, &oid) == 0 else { return false }
        git_commit_free(object)
        return true
    }

    /// Fetches `rev` (a commit, a branch, a tag, `HEAD`) of `url` with the user's own `git`
    /// (their credentials, SSH configuration and URL rewrites apply) into the source
    /// repository at `path`, creating it first; returns the commit `rev` names there. git
    /// runs in `directory` (the work tree), so a relative path as URL means what it means
    /// to `git clone` run there.
    ///
    /// Nothing of the source runs: a bare repository has no checkout, no submodules are
    /// fetched, and hooks are its own (none). A failed fetch leaves no ref behind, and git
    /// writes objects only through temporary files it renames or removes.
    ///
    /// Fetches run one at a time per source repository (a file lock beside it): two at once
    /// collided on the pinned commit's ref. A commit already here once the lock is held —
    /// another command fetched it meanwhile — is not fetched again.
    ///
    /// - Throws: ``SourceFetchError`` naming the URL and the revision, with git's message.
    static func fetch(url: String, rev: String, into path: String, from directory: String) throws -> ObjectID {
        try FileLock.withLock("\(path).lock") {
            try create(at: path)
            if let commit = ObjectID(hex: rev), let sources = try open(at: path), sources.hasCommit(commit) {
                try sources.pin(commit)
                return commit
            }
            return try fetchAlone(url: url, rev: rev, into: path, from: directory)
        }
    }

    /// ``fetch(url:rev:into:from:)`` once the lock is held.
    private static func fetchAlone(url: String, rev: String, into path: String, from directory: String) throws -> ObjectID {
        let scratch = "refs/fetching/\(ScratchName.make())"
        defer {
            try? open(at: path)?.deleteReferences(under: scratch + "/")
            try? FileManager.default.removeItem(atPath: "\(path)/\(scratch)")  // the refs' empty directories
        }
        let options = ["--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules", "--", url]
        let fetch = ["--git-dir=\(path)", "fetch"] + options
        var fetched = try Repository.runUserGit(fetch + ["+\(rev):\(scratch)/rev"], in: directory)
        if fetched.status != 0, ObjectID(hex: rev) != nil {
            // A server that refuses to send a commit no ref names (protocol v0 without
            // uploadpack.allowReachableSHA1InWant): fetch its branches and tags instead.
            fetched = try Repository.runUserGit(fetch + ["+refs/heads/*:\(scratch)/heads/*", "+refs/tags/*:\(scratch)/tags/*"], in: directory)
        }
        guard fetched.status == 0, let sources = try open(at: path) else {
            throw SourceFetchError(url: url, rev: rev, problem: fetched.stderr)
        }
        guard let commit = try ObjectID(hex: rev).flatMap({ sources.hasCommit($0) ? $0 : nil }) ?? sources.resolve("\(scratch)/rev^{commit}") else {
            throw SourceFetchError(url: url, rev: rev, problem: "the repository has no commit \(rev)")
        }
        try sources.pin(commit)
        return commit
    }

    /// Keeps `commit` by its ref, `refs/pinned/COMMIT`.
    private func pin(_ commit: ObjectID) throws {
        try check("keep \(commit) in the component sources") {
            var reference: OpaquePointer?
            var oid = commit.oid
            defer { git_reference_free(reference) }
            return git_reference_create(&reference, raw, "refs/pinned/\(commit)", &oid, 1, "git recipe components: pin \(commit)")
        }
    }

    /// Makes an empty bare repository at `path` unless one is there: in a temporary
    /// directory first, renamed into place, so no half-made repository is ever found.
    private static func create(at path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let scratch = "\(path).\(getpid()).tmp"
        try? FileManager.default.removeItem(atPath: scratch)
        let made = try Repository.runUserGit(["init", "--quiet", "--bare", scratch], in: parent)
        guard made.status == 0 else {
            throw GitError(operation: "create \(path) (git init --bare)", code: made.status, message: made.stderr)
        }
        if rename(scratch, path) != 0 {
            try? FileManager.default.removeItem(atPath: scratch)
            guard FileManager.default.fileExists(atPath: path) else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        }
    }

    /// The commit `spec` names, or `nil`.
    private func resolve(_ spec: String) throws -> ObjectID? {
        var object: OpaquePointer?
        guard try checkFound("resolve \(spec)", { git_revparse_single(&object, raw, spec) }) else { return nil }
        defer { git_object_free(object) }
        return ObjectID(git_object_id(object).pointee)
    }

    /// Deletes every ref whose name starts with `prefix`.
    private func deleteReferences(under prefix: String) throws {
        var iterator: OpaquePointer?
        try check("list refs under \(prefix)") { git_reference_iterator_glob_new(&iterator, raw, prefix + "*") }
        defer { git_reference_iterator_free(iterator) }
        var reference: OpaquePointer?
        while try checkNext("list refs under \(prefix)", { git_reference_next(&reference, iterator) }) {
            defer { git_reference_free(reference) }
            try check("delete \(String(cString: git_reference_name(reference)))") { git_reference_delete(reference) }
        }
    }
}

/// A component source could not be fetched.
struct SourceFetchError: RecipeError {
    /// Where it was fetched from.
    let url: String
    /// What was asked for.
    let rev: String
    /// git's message, or what is missing.
    let problem: String

    /// Exit 1: the source is unreachable or lacks the commit; nothing was changed.
    var exitStatus: ExitStatus { .checkFailed }

    /// The URL, the revision, and why.
    var description: String {
        let reason = problem.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n    ")
        return "cannot fetch \(rev) from component source \(url):\n    \(reason)\n"
            + "check the URL and that the commit exists there (git ls-remote \(url.shellQuoted)); nothing was changed"
    }
}
