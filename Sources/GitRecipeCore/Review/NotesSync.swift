import Foundation

/// `git recipe pull` / `push`: shares run records with a remote. Transport is the user's
/// own `git` (credentials, SSH config and URL rewrites apply); the remote's notes are
/// fetched to `refs/notes/remotes/REMOTE/recipes` and merged in process as a union by run
/// id, and the local ref moves by compare-and-swap. Pushing never forces: a rejected push
/// fetches, merges and tries again. Nothing is lost on either side.
public struct NotesSync {
    public let repository: Repository
    public let remote: String

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
    }

    /// Where the remote's records are fetched to. A remote given as a URL or path rather
    /// than a name gets a name from its digest: `url-` and 12 hex digits.
    var trackingRef: String {
        let plain = !remote.isEmpty && !remote.hasPrefix(".") && !remote.hasSuffix(".lock")
            && remote.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }
        return "refs/notes/remotes/\(plain ? remote : "url-" + ContentDigest.of(Data(remote.utf8)).hex.prefix(12))/recipes"
    }

    /// Fetches the remote's run records and merges them into the local ones.
    public func pull() throws -> Merge {
        try fetch()
        return try merge()
    }

    /// Merges the remote's records, then pushes the union; retries when someone else pushed
    /// in between. Returns what was merged in, and whether there was anything to push.
    public func push() throws -> (merged: Merge, pushed: Bool) {
        var merged = Merge()
        for attempt in 0..<8 {
            let pulled = try pull()
            merged.added += pulled.added
            merged.commits += pulled.commits
            guard try repository.referenceTarget(Repository.notesRef) != nil else { return (merged, false) }
            let result = try repository.runGit(["push", "--quiet", remote, "\(Repository.notesRef):\(Repository.notesRef)"])
            if result.status == 0 { return (merged, true) }
            let raced = ["[rejected]", "non-fast-forward", "fetch first", "cannot lock ref", "failed to update ref"]
            guard raced.contains(where: result.stderr.contains) else { throw SyncError(remote: remote, action: "push to", stderr: result.stderr) }
            usleep(UInt32.random(in: 100_000...(300_000 + 100_000 * UInt32(attempt))))
        }
        throw SyncError(remote: remote, action: "push to", stderr: "others kept pushing run records meanwhile; run git recipe push again")
    }

    private func fetch() throws {
        let result = try repository.runGit(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, "+\(Repository.notesRef):\(trackingRef)"])
        guard result.status != 0 else { return }
        // A remote nobody has pushed runs to yet has no notes ref: nothing to merge.
        guard result.stderr.contains("couldn't find remote ref") else {
            throw SyncError(remote: remote, action: "fetch run records from", stderr: result.stderr)
        }
    }

    /// Merges the fetched notes into `refs/notes/recipes`: a fast-forward where one side
    /// contains the other, else a merge commit with both as parents whose notes are the
    /// union by run id. Redone on the newer state if a run is recorded meanwhile.
    func merge() throws -> Merge {
        guard let theirs = try repository.referenceTarget(trackingRef) else { return Merge() }
        var merge = Merge()
        try repository.updateReference(Repository.notesRef, message: "git recipe: merge run records from \(remote)") { ours in
            if let ours, try repository.isAncestor(theirs, of: ours) {
                merge = Merge()
                return nil
            }
            if let ours, try !repository.isAncestor(ours, of: theirs) {
                let target: ObjectID
                (target, merge) = try union(ours, theirs)
                return target
            }
            merge = try gained(from: ours.map(repository.noteBlobs(inNotesCommit:)) ?? [:], to: try repository.noteBlobs(inNotesCommit: theirs))
            return theirs
        }
        return merge
    }

    private func union(_ ours: ObjectID, _ theirs: ObjectID) throws -> (ObjectID, Merge) {
        var notes = try repository.noteBlobs(inNotesCommit: ours)
        let before = notes
        for (commit, blob) in try repository.noteBlobs(inNotesCommit: theirs) where notes[commit] != blob {
            guard let mine = notes[commit] else {
                notes[commit] = blob
                continue
            }
            var note = RunNote(parsing: try text(of: mine))
            for document in RunNote(parsing: try text(of: blob)).documents { note.add(id: document.id, text: document.text) }
            notes[commit] = try repository.writeBlob(note.rendered)
        }
        let commit = try repository.writeNotesCommit(notes, parents: [ours, theirs], message: "Merge run records from \(remote)\n\nUnion by run id, by git recipe.\n")
        return (commit, try gained(from: before, to: notes))
    }

    /// How many runs, on how many commits, `after` holds that `before` does not.
    private func gained(from before: [ObjectID: ObjectID], to after: [ObjectID: ObjectID]) throws -> Merge {
        var merge = Merge()
        for (commit, blob) in after where before[commit] != blob {
            let old = try before[commit].map { Set(RunNote(parsing: try text(of: $0)).documents.map(\.id)) } ?? []
            let added = RunNote(parsing: try text(of: blob)).documents.filter { !old.contains($0.id) }.count
            merge.added += added
            if added > 0 { merge.commits += 1 }
        }
        return merge
    }

    private func text(of blob: ObjectID) throws -> String {
        String(decoding: try repository.blobContents(blob), as: UTF8.self)
    }
}

/// A transfer git refused, with git's own explanation.
public struct SyncError: RecipeError {
    let remote: String
    let action: String
    let stderr: String

    public var exitStatus: ExitStatus { .checkFailed }

    public var description: String {
        "could not \(action) '\(remote)':\n" + stderr.split(separator: "\n").map { "  \($0)\n" }.joined()
            + "check the remote (git remote -v) and that git fetch \(remote) works"
    }
}
