import CLibGit2
import Foundation

extension Repository {
    /// The ref git-recipe's run records live under.
    public static let notesRef = "refs/notes/recipes"
    /// The ref the signatures of run records live under.
    public static let attestationsRef = "refs/notes/recipes-attestations"

    /// The note on `commit` in `ref`, every byte of it, or `nil` when there is none.
    public func note(on commit: ObjectID, ref: String = Repository.notesRef) throws -> Data? {
        guard let notesCommit = try referenceTarget(ref) else { return nil }
        return try note(on: commit, inNotesCommit: notesCommit)
    }

    /// Rewrites the note on `commit` with `update` (given the current bytes, or `nil`), by
    /// compare-and-swap on `ref` (invariant 4 in docs/architecture.md): the new notes commit is built on the
    /// ref's current commit and the ref moves only if nobody moved it meanwhile; otherwise
    /// the update is redone on the newer state after a jittered pause. `git_note_create` and
    /// `git notes add` lose notes when several processes write at once; this does not.
    func updateNote(
        on commit: ObjectID, ref: String = Repository.notesRef, message: String, _ update: (Data?) throws -> String
    ) throws {
        try withSignature { signature in
            var target = commit.oid
            try updateReference(ref, message: message) { current in
                let text = try update(try current.flatMap { try note(on: commit, inNotesCommit: $0) })
                let parent = try current.map { try lookupCommit($0, "read the notes commit \($0)") }
                defer { git_commit_free(parent ?? nil) }
                var notesCommit = git_oid()
                var blob = git_oid()
                try check("write the note on \(commit)") {
                    git_note_commit_create(&notesCommit, &blob, raw, parent ?? nil, signature, signature, &target, text, 1)
                }
                return ObjectID(notesCommit)
            }
        }
    }

    /// Configures plain git to keep and carry run records and their signatures
    /// (`refs/notes/recipes-attestations`): notes merged as a union (`git notes merge`),
    /// carried to rewritten commits by `rebase` and `commit --amend` (`notes.rewriteRef`),
    /// and fetched by `git fetch`/`git pull` from every remote into
    /// `refs/notes/remotes/REMOTE/`, where `git recipe pull` merges them from. The signatures'
    /// refspec is a pattern, which matches nothing without failing on a remote nobody has
    /// pushed a signature to. Idempotent.
    public func configureNotesSharing() throws {
        for ref in [Repository.notesRef, Repository.attestationsRef] {
            let name = ref.dropFirst("refs/notes/".count)
            try setConfig("notes.\(name).mergeStrategy", to: "union")
            try addConfigValue("notes.rewriteRef", ref)
            let pattern = ref == Repository.notesRef ? "" : "*"
            for remote in try remoteNames() {
                try addConfigValue("remote.\(remote).fetch", "+\(ref)\(pattern):refs/notes/remotes/\(remote)/\(name)\(pattern)")
            }
        }
    }

    /// Registers `git recipe merge-driver` as git's `recipe-lock` merge driver, which
    /// `.gitattributes` names for `.recipes/*.lock`. Idempotent.
    public func configureLockMerging() throws {
        try setConfig("merge.recipe-lock.name", to: "git-recipe lock merge, entry by entry")
        try setConfig("merge.recipe-lock.driver", to: "git recipe merge-driver %O %A %B %P")
    }

    /// The lock file of `ref` (`REF.lock`, as git and libgit2 write it) when it has been there
    /// for `seconds` or more: longer than any writer holds it, so whoever made it was killed.
    /// A younger one may belong to a live writer, which the compare-and-swap loop waits for.
    func lingeringLock(of ref: String, olderThan seconds: Int = 10) -> (path: String, age: Int)? {
        let path = "\(commonDirectory)/\(ref).lock"
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let age = Int(time(nil)) - Int(info.st_mtim.tv_sec)
        return age >= seconds ? (path, age) : nil
    }

    /// Moves `ref` by compare-and-swap (invariant 4 in docs/architecture.md): `build` gets the ref's current
    /// target (`nil`: no such ref) and returns the new one, or `nil` when there is nothing to
    /// do; the ref moves only if nobody moved it meanwhile, otherwise `build` runs again on
    /// the newer state after a jittered pause.
    func updateReference(_ ref: String, message: String, _ build: (ObjectID?) throws -> ObjectID?) throws {
        for attempt in 0..<400 {
            let current = try referenceTarget(ref)
            guard let target = try build(current) else { return }
            if try moveReference(ref, to: target, from: current, message: message) { return }
            // Another writer got there first: wait a little, longer each time, and redo.
            usleep(UInt32.random(in: 500...(2_000 + 1_000 * UInt32(min(attempt, 20)))))
        }
        throw GitError(operation: "move \(ref)", code: GIT_ELOCKED.rawValue, message: "other writers kept it busy for too long; run again")
    }

    /// Moves `ref` to `target` only if it still points at `expected` (`nil`: only if it does
    /// not exist). `false` when another writer moved it first.
    private func moveReference(_ ref: String, to target: ObjectID, from expected: ObjectID?, message: String) throws -> Bool {
        var new = target.oid
        var old = expected?.oid ?? git_oid()
        var reference: OpaquePointer?
        defer { git_reference_free(reference) }
        return try checkFound("move \(ref)", absent: [GIT_EMODIFIED, GIT_ELOCKED, GIT_EEXISTS]) {
            git_reference_create_matching(&reference, raw, ref, &new, 1, &old, message)
        }
    }

    /// Runs `body` with a signature of the user's identity, made now.
    private func withSignature<T>(_ body: (UnsafeMutablePointer<git_signature>?) throws -> T) throws -> T {
        let identity = try identity()
        var signature: UnsafeMutablePointer<git_signature>?
        try check("make a signature for \(identity.email)") { git_signature_now(&signature, identity.name, identity.email) }
        defer { git_signature_free(signature) }
        return try body(signature)
    }

    /// The commit object `id` (free it with `git_commit_free`).
    func lookupCommit(_ id: ObjectID, _ operation: @autoclosure () -> String) throws -> OpaquePointer? {
        var oid = id.oid
        var commit: OpaquePointer?
        try check(operation()) { git_commit_lookup(&commit, raw, &oid) }
        return commit
    }

    /// Every note in the notes commit: annotated commit → note blob.
    func noteBlobs(inNotesCommit notesCommit: ObjectID) throws -> [ObjectID: ObjectID] {
        let commit = try lookupCommit(notesCommit, "read the notes commit \(notesCommit)")
        defer { git_commit_free(commit) }
        var iterator: OpaquePointer?
        try check("list the notes in \(notesCommit)") { git_note_commit_iterator_new(&iterator, commit) }
        defer { git_note_iterator_free(iterator) }
        var blobs: [ObjectID: ObjectID] = [:]
        var blob = git_oid()
        var annotated = git_oid()
        while try checkNext("list the notes in \(notesCommit)", { git_note_next(&blob, &annotated, iterator) }) {
            blobs[ObjectID(annotated)] = ObjectID(blob)
        }
        return blobs
    }

    /// Writes a notes commit holding exactly `notes` (annotated commit → note blob), with
    /// the given parents. Notes sit under two-hex-digit directories once there are many,
    /// as git lays them out; git and libgit2 read any layout.
    func writeNotesCommit(_ notes: [ObjectID: ObjectID], parents: [ObjectID], message: String) throws -> ObjectID {
        var index: OpaquePointer?
        try check("make an index for the notes tree") { git_index_new(&index) }
        defer { git_index_free(index) }
        let fanout = notes.count > 256
        for (annotated, blob) in notes {
            var entry = git_index_entry()
            entry.mode = 0o100644
            entry.id = blob.oid
            let path = fanout ? "\(annotated.hex.prefix(2))/\(annotated.hex.dropFirst(2))" : annotated.hex
            try path.withCString { path in
                entry.path = path
                try check("add the note on \(annotated) to the notes tree") { git_index_add(index, &entry) }
            }
        }
        var tree = git_oid()
        try check("write the notes tree") { git_index_write_tree_to(&tree, index, raw) }
        return try writeCommit(tree: ObjectID(tree), parents: parents, message: message)
    }

    /// Writes a commit object (no ref moves) signed with the user's identity.
    func writeCommit(tree: ObjectID, parents: [ObjectID], message: String) throws -> ObjectID {
        var treeOID = tree.oid
        var treeObject: OpaquePointer?
        try check("read tree \(tree)") { git_tree_lookup(&treeObject, raw, &treeOID) }
        defer { git_tree_free(treeObject) }
        var parentObjects: [OpaquePointer?] = []
        defer { for parent in parentObjects { git_commit_free(parent) } }
        for parent in parents { parentObjects.append(try lookupCommit(parent, "read commit \(parent)")) }
        return try withSignature { signature in
            var commit = git_oid()
            try check("write a commit") {
                git_commit_create(&commit, raw, nil, signature, signature, nil, message, treeObject, parentObjects.count, &parentObjects)
            }
            return ObjectID(commit)
        }
    }

    /// Stores `text` as a blob.
    func writeBlob(_ text: String) throws -> ObjectID {
        var oid = git_oid()
        let bytes = Array(text.utf8)
        try check("write a note") { git_blob_create_from_buffer(&oid, raw, bytes, bytes.count) }
        return ObjectID(oid)
    }

    /// The commit `ref` points at; `nil` when it does not exist.
    func referenceTarget(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, raw, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read \(name)") { result }
        return ObjectID(oid)
    }

    /// The note's whole blob: `git_note_message` stops at the first NUL byte.
    private func note(on commit: ObjectID, inNotesCommit notesCommit: ObjectID) throws -> Data? {
        var notesOID = notesCommit.oid
        var notes: OpaquePointer?
        try check("read the notes commit \(notesCommit)") { git_commit_lookup(&notes, raw, &notesOID) }
        defer { git_commit_free(notes) }
        var target = commit.oid
        var note: OpaquePointer?
        guard try checkFound("read the note on \(commit)", { git_note_commit_read(&note, raw, notes, &target) }) else { return nil }
        defer { git_note_free(note) }
        return try blobContents(ObjectID(git_note_id(note).pointee))
    }
}
