import Foundation

/// `git recipe pull` / `push`: shares run records, and their signatures, with a remote.
/// Transport is the user's own `git` (credentials, SSH config and URL rewrites apply); the
/// remote's notes are fetched to `refs/notes/remotes/REMOTE/recipes` (and
/// `…/recipes-attestations`) and merged in process as a union by run id, and the local refs
/// move by compare-and-swap. Pushing never forces: a rejected push
/// fetches, merges and tries again. Nothing is lost on either side.
public struct NotesSync {
    /// The repository whose run records are synced.
    public let repository: Repository
    /// The remote they are synced with.
    public let remote: String

    /// Syncs `repository`'s run records with `remote`.
    public init(repository: Repository, remote: String) {
        self.repository = repository
        self.remote = remote
    }

    /// What a merge did.
    public struct Merge: Sendable, Equatable {
        /// Runs the local ref gained.
        public var added = 0
        /// Commits whose notes gained runs.
        public var commits = 0
        /// Runs both sides hold with different content: kept as recorded here.
        public var conflicts: [String] = []
        /// Signatures the local attestations gained.
        public var signatures = 0
    }

    /// The refs a sync carries: the run records and their signatures.
    static let refs = [Repository.notesRef, Attestations.ref]
    /// Where snapshots (`run --snapshot`) live: their refs travel with the records, so the
    /// commits runs were made on reach every clone. (Snapshot refs never move: a ref of the
    /// same name names the same commit, its hash's first 12 digits.)
    static let snapshots = "refs/recipes/snapshots/"

    /// Where the remote's records are fetched to. A remote given as a URL or path rather
    /// than a name gets a name from its digest: `url-` and 12 hex digits.
    var trackingRef: String {
        let plain =
            !remote.isEmpty && !remote.hasPrefix(".") && !remote.hasSuffix(".lock")
            && remote.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }
        return "refs/notes/remotes/\(plain ? remote : "url-" + ContentDigest.of(Data(remote.utf8)).hex.prefix(12))/recipes"
    }

    /// What to tell someone whose clone holds no run records while a remote may: a clone does
    /// not fetch notes. `nil` when runs are recorded here or no remote is configured.
    public static func hintForEmptyHistory(in repository: Repository) throws -> String? {
        guard try repository.referenceTarget(Repository.notesRef) == nil else { return nil }
        let remotes = try repository.remoteNames()
        guard !remotes.isEmpty else { return nil }
        for remote in remotes where try repository.referenceTarget(NotesSync(repository: repository, remote: remote).trackingRef) != nil {
            return
                "no run records here yet, but '\(remote)' has some (fetched to refs/notes/remotes/\(remote)/recipes); merge them: git recipe pull \(remote)"
        }
        return "no run records here; a clone does not bring them: if '\(remotes[0])' has some, run: git recipe pull"
    }

    /// Fetches the remote's run records and merges them into the local ones.
    public func pull() throws -> Merge {
        try NotesLocked.check(repository)
        try fetch()
        var merge = try merge(Repository.notesRef)
        merge.signatures = try self.merge(Attestations.ref).added
        RunJournal(repository: repository).flush { _ in }
        return merge
    }

    /// Merges the remote's records, then pushes the union; retries when someone else pushed
    /// in between. Returns what was merged in, and whether there was anything to push.
    public func push() throws -> (merged: Merge, pushed: Bool) {
        var merged = Merge()
        for attempt in 0..<8 {
            let pulled = try pull()
            merged.added += pulled.added
            merged.commits += pulled.commits
            merged.signatures += pulled.signatures
            let present = try Self.refs.filter { try repository.referenceTarget($0) != nil }
            guard !present.isEmpty else { return (merged, false) }
            let snapshots = try repository.referenceTargets(under: Self.snapshots).isEmpty ? [] : ["\(Self.snapshots)*:\(Self.snapshots)*"]
            let result = try repository.runGit(["push", "--quiet", remote] + present.map { "\($0):\($0)" } + snapshots)
            if result.status == 0 { return (merged, true) }
            let raced = ["[rejected]", "non-fast-forward", "fetch first", "cannot lock ref", "failed to update ref"]
            guard raced.contains(where: result.stderr.contains) else { throw SyncError(remote: remote, action: "push to", stderr: result.stderr) }
            usleep(UInt32.random(in: 100_000...(300_000 + 100_000 * UInt32(attempt))))
        }
        throw SyncError(remote: remote, action: "push to", stderr: "others kept pushing run records meanwhile; run git recipe push again")
    }

    /// Where the remote's `ref` (one of `refs`) is fetched to.
    func tracking(_ ref: String) -> String { trackingRef + ref.dropFirst(Repository.notesRef.count) }

    /// Fetches into the tracking refs, by one pattern that matches both refs (and matches
    /// nothing, without failing, on a remote nobody has pushed runs to). Another pull or
    /// push in this clone may hold a ref's lock for a moment: that is retried after a
    /// jittered pause, as every writer here does, not reported as a problem with the remote.
    private func fetch() throws {
        for attempt in 0..<60 {
            let result = try repository.runGit([
                "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, "+\(Repository.notesRef)*:\(trackingRef)*",
                "\(Self.snapshots)*:\(Self.snapshots)*",
            ])
            if result.status == 0 { return }
            let busy = ["cannot lock ref", "Unable to create", ".lock': File exists", "some local refs could not be updated"]
            guard busy.contains(where: result.stderr.contains) else {
                throw SyncError(remote: remote, action: "fetch run records from", stderr: result.stderr)
            }
            usleep(UInt32.random(in: 20_000...(60_000 + 20_000 * UInt32(min(attempt, 20)))))
        }
        throw SyncError(
            remote: remote, action: "fetch run records from",
            stderr: "\(trackingRef)* stayed locked by other pulls or pushes in this clone; run again")
    }

    /// Merges the fetched notes into `ref` (`refs/notes/recipes`, or the signatures'
    /// `refs/notes/recipes-attestations`, whose documents are per run and key) as a union by id, in every
    /// case: a run recorded here is never removed or changed by what the remote did (a
    /// `git notes remove`, an edit), and where both sides hold a run with different content,
    /// ours is kept and the run is listed in `conflicts`. The ref fast-forwards to theirs only
    /// when theirs already holds the union; otherwise a notes commit holding the union is
    /// written with both as parents. Redone on the
    /// newer state if a run is recorded meanwhile.
    func merge(_ ref: String = Repository.notesRef) throws -> Merge {
        guard let theirs = try repository.referenceTarget(tracking(ref)) else { return Merge() }
        var merge = Merge()
        try repository.updateReference(ref, message: "git recipe: merge run records from \(remote)") { ours in
            merge = Merge()
            if let ours, try repository.isAncestor(theirs, of: ours) { return nil }
            let theirNotes = try repository.noteBlobs(inNotesCommit: theirs)
            guard let ours else {
                merge = try gained(from: [:], to: theirNotes)
                return theirs
            }
            let ourNotes = try repository.noteBlobs(inNotesCommit: ours)
            var notes = theirNotes
            for (commit, blob) in ourNotes where notes[commit] != blob {
                guard let their = notes[commit] else {
                    notes[commit] = blob
                    continue
                }
                var note = RunNote(parsing: try repository.blobContents(blob))
                let remote = RunNote(parsing: try repository.blobContents(their))
                let mine = Dictionary(note.documents.map { ($0.id, $0.text) }) { first, _ in first }
                for document in remote.documents {
                    if let text = mine[document.id], text != document.text { merge.conflicts.append(document.id) }
                    note.add(id: document.id, text: document.text)
                }
                let union = note.rendered
                notes[commit] = union == String(decoding: try repository.blobContents(their), as: UTF8.self) ? their : try repository.writeBlob(union)
            }
            let gained = try gained(from: ourNotes, to: notes)
            (merge.added, merge.commits) = (gained.added, gained.commits)
            merge.conflicts.sort()
            if notes == theirNotes { return theirs }
            // Ours stays a parent even when it is theirs' ancestor: nothing it held becomes unreachable.
            return try repository.writeNotesCommit(
                notes, parents: [ours, theirs], message: "Merge run records from \(remote)\n\nUnion by run id, by git recipe.\n")
        }
        return merge
    }

    /// How many runs, on how many commits, `after` holds that `before` does not.
    private func gained(from before: [ObjectID: ObjectID], to after: [ObjectID: ObjectID]) throws -> Merge {
        var merge = Merge()
        for (commit, blob) in after where before[commit] != blob {
            let old = try before[commit].map { Set(RunNote(parsing: try repository.blobContents($0)).documents.map(\.id)) } ?? []
            let added = RunNote(parsing: try repository.blobContents(blob)).documents.filter { !old.contains($0.id) }.count
            merge.added += added
            if added > 0 { merge.commits += 1 }
        }
        return merge
    }

}

/// A transfer git refused, with git's own explanation.
struct SyncError: RecipeError {
    /// The remote git was talking to.
    let remote: String
    /// What was being done: fetch, push.
    let action: String
    /// What git said.
    let stderr: String

    /// Exit 1: the sync was refused or failed.
    public var exitStatus: ExitStatus { .checkFailed }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        "could not \(action) '\(remote)':\n" + stderr.split(separator: "\n").map { "  \($0)\n" }.joined()
            + "check the remote (git remote -v) and that git fetch \(remote) works"
    }
}
